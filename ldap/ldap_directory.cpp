#include <ldap.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include "ldap/detail/containers.h"
#include "ldap/detail/context.h"
#include "ldap/detail/members.h"
#include "ldap/detail/pool.h"
#include "ldap/detail/scope.h"
#include "ldap/detail/search.h"
#include "ldap/detail/sorted_page.h"
#include "ldap/detail/util.h"
#include "ldap/directory.h"
#include "ldap/escape.h"
#include "ldap/mapping.h"

namespace scimgate::ldap {
namespace {

using detail::errorFromLdap;
using detail::isConnectionLost;
using detail::Lease;
using detail::MessagePtr;
using namespace detail;  // shared libldap helpers (ldap/detail/util.h)
using scim::ErrorKind;
using scim::makeError;

constexpr char kUserFilter[] = "(objectClass=inetOrgPerson)";
// ppolicy (draft-behera) value for a lock that only an administrator lifts.
constexpr char kPermanentLock[] = "000001010000Z";

class LdapDirectory final : public Directory {
 public:
  LdapDirectory(std::shared_ptr<Context> context, UserMapping mapping)
      : context_(std::move(context)),
        pool_(context_->pool),
        containers_(context_->containers),
        mapping_(std::move(mapping)),
        readAttributes_(mapping_.readAttributes()) {
    // Status bookkeeping the mapping does not own: lock and password-set time (ppolicy), and
    // the memberships the memberof overlay keeps.
    readAttributes_.emplace_back("pwdAccountLockedTime");
    readAttributes_.emplace_back("pwdChangedTime");
    readAttributes_.emplace_back("memberOf");
    // cn is derived (inetOrgPerson requires it): read so that an update compares and an undo
    // restores it.
    readAttributes_.emplace_back("cn");
  }

  Result<scim::User> findUser(std::string_view id) override {
    auto found = findEntry(id);
    if (!found) return found.error();
    return toUser(*found);
  }

  Result<scim::User> createUser(const scim::User& user,
                                const std::optional<std::string>& password) override {
    Attributes attributes = mapping_.toLdap(*user.attributes);
    const auto uid = attributes.find("uid");
    const std::string rdnAttr = "uid";
    if (uid == attributes.end() || uid->second.empty()) {
      return makeError(ErrorKind::InvalidValue, "attribute 'userName' is required");
    }
    const std::string dn = makeRdn(rdnAttr, uid->second.front()) + "," + peopleDn();
    // Roles and accounts are checked before anything is written: a refused one writes nothing.
    auto roles = wantedRoles(*user.attributes, true);
    if (!roles) return roles.error();
    auto accounts = wantedAccounts(*user.attributes);
    if (!accounts) return accounts.error();
    attributes["objectClass"] = pool_.settings().userObjectClasses;
    const bool active = user.attributes->optValue<bool>("active", true);
    attributes[kStatusAttribute] = {!active ? "inactive" : password ? "active" : "pending"};
    if (!active) attributes["pwdAccountLockedTime"] = {kPermanentLock};

    auto added = withConnection(false, [&](LDAP* ld) -> Result<void> {
      std::vector<Change> changes;
      for (const auto& [name, vals] : attributes) changes.push_back({LDAP_MOD_ADD, name, vals});
      ModList mods(changes);
      const int rc = ldap_add_ext_s(ld, dn.c_str(), mods.get(), nullptr, nullptr);
      if (rc == LDAP_SUCCESS) return {};
      if (rc == LDAP_ALREADY_EXISTS) {
        return makeError(ErrorKind::Uniqueness, "userName '" + uid->second.front() + "' is taken");
      }
      if (rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness,
                         "userName or email is already used by another user");
      }
      return errorFromLdap(rc, "creating the user");
    });
    if (!added) return added.error();

    // All or nothing: a user whose password or memberships could not be set is removed again
    // (refint takes it out of the groups it had joined).
    auto removeAgain = [&] {
      (void)withConnection(false, [&](LDAP* ld) -> Result<void> {
        ldap_delete_ext_s(ld, dn.c_str(), nullptr, nullptr);
        return {};
      });
    };
    if (password) {
      if (auto set = setPassword(dn, *password); !set) {
        removeAgain();
        return set.error();
      }
    }
    const auto changes = planMemberships({}, *roles, *accounts);
    if (auto joined = applyMemberships(dn, changes); !joined) {
      removeAgain();
      return joined.error();
    }
    auto created = readByDn(dn);
    if (!created) return created.error();
    return toUser(*created);
  }

  Result<void> deleteUser(std::string_view id, std::string_view ifMatch) override {
    auto found = findEntry(id);
    if (!found) return found.error();
    const std::string csn = csnFromEtag(ifMatch);
    return withConnection(false, [&](LDAP* ld) -> Result<void> {
      ControlPtr assertion;
      auto controls = writeControls(ld, csn, assertion);
      if (!controls) return controls.error();
      const int rc = ldap_delete_ext_s(ld, found->dn.c_str(), controls->data(), nullptr);
      if (rc == LDAP_SUCCESS) return {};
      if (rc == LDAP_NO_SUCH_OBJECT) return makeError(ErrorKind::NotFound, "no such user");
      return errorFromLdap(rc, "deleting the user");
    });
  }

  Result<scim::User> replaceUser(std::string_view id, const scim::User& user,
                                 const std::optional<std::string>& password,
                                 std::string_view ifMatch) override {
    auto found = findEntry(id);
    if (!found) return found.error();
    const std::string csn = csnFromEtag(ifMatch);
    const Attributes& old = found->attributes;
    Attributes wanted = mapping_.toLdap(*user.attributes);
    auto uid = wanted.find("uid");
    if (uid == wanted.end() || uid->second.empty()) {
      return makeError(ErrorKind::InvalidValue, "attribute 'userName' is required");
    }
    const std::string newUid = uid->second.front();
    const std::string oldUid = firstOf(old, "uid");
    auto roles = wantedRoles(*user.attributes, false);
    if (!roles) return roles.error();
    auto accounts = wantedAccounts(*user.attributes);
    if (!accounts) return accounts.error();
    auto memberOf = old.find("memberOf");
    const auto memberships = planMemberships(
        memberOf == old.end() ? std::vector<std::string>{} : memberOf->second, *roles, *accounts);

    // Status: `active` decides inactive; otherwise a user with a password is active, one without
    // is still pending (invited).
    const bool active = user.attributes->optValue<bool>("active", true);
    const bool hasPassword = password.has_value() || !firstOf(old, "pwdChangedTime").empty();
    const std::string oldStatus = firstOf(old, kStatusAttribute);
    std::string status = "inactive";
    if (active) status = hasPassword ? "active" : (oldStatus == "active" ? "active" : "pending");
    wanted[kStatusAttribute] = {status};
    const bool locked = !firstOf(old, "pwdAccountLockedTime").empty();
    if (status == "inactive" && !locked) wanted["pwdAccountLockedTime"] = {kPermanentLock};
    if (status != "inactive" && locked) wanted["pwdAccountLockedTime"] = {};

    // Every attribute the mapping owns is replaced (or removed) when its values changed.
    std::set<std::string, AttrNameLess> managed;
    for (const auto& name : mapping_.readAttributes()) managed.insert(name);
    for (const char* name : {"cn", "sn", kResourceAttribute, kStatusAttribute})
      managed.insert(name);
    for (const char* name :
         {"entryUUID", "entryCSN", "createTimestamp", "modifyTimestamp", "uid"}) {
      managed.erase(name);
    }
    if (wanted.count("pwdAccountLockedTime")) managed.insert("pwdAccountLockedTime");
    std::vector<std::pair<std::string, std::vector<std::string>>> changes;
    for (const auto& name : managed) {
      auto w = wanted.find(name);
      auto o = old.find(name);
      const std::vector<std::string> none;
      const auto& newValues = w == wanted.end() ? none : w->second;
      const auto& oldValues = o == old.end() ? none : o->second;
      if (newValues != oldValues) changes.emplace_back(name, newValues);
    }

    std::string dn = found->dn;
    const bool rename = newUid != oldUid;
    if (rename) {
      // slapd does not honour the Assertion control on modrdn, so the version is checked against
      // the entry just read; the modify below carries no assertion because the rename moved it on.
      if (!csn.empty() && firstOf(old, "entryCSN") != csn) {
        return makeError(ErrorKind::PreconditionFailed,
                         "the user changed since that ETag was issued; read it again");
      }
      auto renamed = renameEntry(dn, newUid, "");
      if (!renamed) return renamed.error();
      dn = *renamed;
    }
    std::optional<Attributes> postRead;
    // Every step below that fails undoes the ones before it: never half-applied.
    auto undoModify = [&] {
      if (changes.empty()) return;
      std::vector<std::pair<std::string, std::vector<std::string>>> undo;
      for (const auto& [name, values] : changes) {
        auto before = old.find(name);
        undo.emplace_back(name, before == old.end() ? std::vector<std::string>{} : before->second);
      }
      (void)modifyEntry(dn, undo, "", nullptr);
    };
    auto undoRename = [&] {
      if (rename) (void)renameEntry(dn, oldUid, "");  // put the old name back
    };
    if (!changes.empty()) {
      auto modified = modifyEntry(dn, changes, rename ? "" : csn, &postRead);
      if (!modified) {
        undoRename();
        return modified.error();
      }
    } else if (!rename && !csn.empty()) {
      // Nothing to write, but the caller's ETag must still be current.
      if (firstOf(old, "entryCSN") != csn) {
        return makeError(ErrorKind::PreconditionFailed,
                         "the user changed since that ETag was issued; read it again");
      }
    }
    // Roles and accounts the request changes: one single-value modify per group.
    if (!memberships.empty()) {
      if (auto applied = applyMemberships(dn, memberships); !applied) {
        undoModify();
        undoRename();
        return applied.error();
      }
      postRead.reset();  // memberOf changed after the post-read
    }
    // DESIGN 2: deactivation also removes the user from every queue, in the same request. It
    // comes after the (ETag-checked) modify because leaving a queue changes the user's memberOf;
    // if it fails, everything before is undone.
    if (status == "inactive" && oldStatus != "inactive") {
      if (auto left = leaveQueues(dn); !left) {
        undoMemberships(dn, memberships);
        undoModify();
        undoRename();
        return left.error();
      }
      postRead.reset();
    }
    if (password) {
      if (auto set = setPassword(dn, *password); !set) return set.error();
      postRead.reset();
    }
    if (postRead && postRead->count("entryUUID")) return toUser(RawEntry{dn, *postRead});
    auto now = readByDn(dn);
    if (!now) return now.error();
    return toUser(*now);
  }

  // The account scope as an LDAP filter: "" for none.
  Result<std::string> scopeFilter(const UserQuery& query) {
    auto filters = scopeFilters(pool_, containers_, query.inAccounts ? &*query.inAccounts : nullptr,
                                query.alsoUserId);
    if (!filters) return filters.error();
    return filters->users;
  }

  Result<UserPage> searchUsers(const UserQuery& query) override {
    std::string filter = kUserFilter;
    {
      auto scope = scopeFilter(query);
      if (!scope) return scope.error();
      if (!scope->empty()) filter = "(&" + filter + *scope + ")";
    }
    if (query.filter != nullptr) {
      auto translated = mapping_.toLdapFilter(*query.filter);
      if (!translated) {
        // Known attributes the directory cannot compare (addresses, further emails...) are
        // evaluated here over the candidates the translatable part selects, bounded by
        // ldap.maxResults (tooMany above). Unknown attributes stay invalidFilter.
        if (translated.error().kind != ErrorKind::InvalidFilter || !isFilterable(*query.filter)) {
          return translated.error();
        }
        return searchInMemory(query);
      }
      filter = "(&" + filter + *translated + ")";
    }
    SortKey key{"uid", "caseIgnoreOrderingMatch"};
    if (query.sortBy) {
      auto chosen = sortKeyFor(*query.sortBy);
      if (!chosen) return chosen.error();
      key = *chosen;
    }
    return withConnection<UserPage>(
        true, [&](LDAP* ld) -> Result<UserPage> { return searchPage(ld, filter, key, query); });
  }

  // Whether every path of the filter names an attribute the User schemas define (and may be
  // filtered on: never a `returned: never` one such as password).
  static bool isFilterable(const scim::Filter& filter) {
    using Kind = scim::Filter::Kind;
    if (filter.kind == Kind::And || filter.kind == Kind::Or) {
      return isFilterable(*filter.left) && isFilterable(*filter.right);
    }
    if (filter.kind == Kind::Not) return isFilterable(*filter.left);
    const scim::AttrPath& path = filter.path;
    const auto& type = scim::userResourceType();
    const scim::Schema* schema = path.schema.empty() ? type.core : type.schemaFor(path.schema);
    if (schema == nullptr) return false;
    if (schema == type.core) {
      for (const char* common : {"id", "externalId", "meta"}) {
        if (scim::equalsIgnoreCase(path.attribute, common)) return true;
      }
    }
    const scim::AttributeDef* def = schema->find(path.attribute);
    if (def == nullptr || def->returned == scim::Returned::Never) return false;
    if (filter.kind == Kind::ValuePath) return def->multiValued;
    return path.subAttribute.empty() || def->findSub(path.subAttribute) != nullptr;
  }

  // The LDAP filter for the parts of `filter` the directory can answer: a superset of the
  // matches (an untranslatable conjunct is dropped; an untranslatable `or`/`not` selects all).
  std::optional<std::string> narrowing(const scim::Filter& filter) const {
    using Kind = scim::Filter::Kind;
    if (auto exact = mapping_.toLdapFilter(filter)) return *exact;
    if (filter.kind == Kind::And) {
      auto left = narrowing(*filter.left);
      auto right = narrowing(*filter.right);
      if (left && right) return "(&" + *left + *right + ")";
      return left ? left : right;
    }
    if (filter.kind == Kind::Or) {
      auto left = narrowing(*filter.left);
      auto right = narrowing(*filter.right);
      if (left && right) return "(|" + *left + *right + ")";
    }
    return std::nullopt;
  }

  Result<UserPage> searchInMemory(const UserQuery& query) {
    std::string filter = kUserFilter;
    auto scope = scopeFilter(query);
    if (!scope) return scope.error();
    if (!scope->empty()) filter = "(&" + filter + *scope + ")";
    if (auto narrowed = narrowing(*query.filter)) filter = "(&" + filter + *narrowed + ")";
    auto entries = search(peopleDn(), LDAP_SCOPE_SUBTREE, filter, pool_.settings().maxResults);
    if (!entries) return entries.error();
    auto users = withConnection<std::vector<scim::User>>(
        true, [&](LDAP* ld) -> Result<std::vector<scim::User>> { return toUsers(ld, *entries); });
    if (!users) return users.error();
    auto caseExact = [](const scim::AttrPath& path) {
      return scim::equalsIgnoreCase(path.attribute, "externalId") ||
             scim::equalsIgnoreCase(path.attribute, "id");
    };
    std::vector<std::pair<std::string, scim::User>> matching;
    for (auto& user : *users) {
      auto json = scim::userToJson(user, "");
      if (!scim::matches(*query.filter, *json, caseExact)) continue;
      std::string key = user.attributes->optValue<std::string>("userName", "");
      if (query.sortBy) key = sortValue(*json, *query.sortBy);
      matching.emplace_back(lower(key), std::move(user));
    }
    std::stable_sort(matching.begin(), matching.end(), [&](const auto& a, const auto& b) {
      return query.descending ? a.first > b.first : a.first < b.first;
    });
    UserPage page;
    page.totalResults = matching.size();
    const std::size_t first = std::max<std::size_t>(query.startIndex, 1) - 1;
    for (std::size_t i = first; i < matching.size() && page.users.size() < query.count; ++i) {
      page.users.push_back(std::move(matching[i].second));
    }
    return page;
  }

  // The first string value at a path, for sorting in memory (multi-valued: the primary value).
  static std::string sortValue(const Poco::JSON::Object& resource, const scim::AttrPath& path) {
    Poco::JSON::Object::Ptr container = new Poco::JSON::Object(resource);
    if (!path.schema.empty() && resource.has(path.schema))
      container = resource.getObject(path.schema);
    for (const auto& [key, value] : *container) {
      if (!scim::equalsIgnoreCase(key, path.attribute)) continue;
      if (value.isString()) return value.extract<std::string>();
      Poco::JSON::Object::Ptr object;
      if (value.type() == typeid(Poco::JSON::Object::Ptr))
        object = value.extract<Poco::JSON::Object::Ptr>();
      if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
        auto array = value.extract<Poco::JSON::Array::Ptr>();
        if (array->size() > 0 && array->get(0).type() == typeid(Poco::JSON::Object::Ptr)) {
          object = array->getObject(0);
        }
      }
      if (!object) return {};
      const std::string sub = path.subAttribute.empty() ? "value" : path.subAttribute;
      for (const auto& [subKey, subValue] : *object) {
        if (scim::equalsIgnoreCase(subKey, sub) && subValue.isString()) {
          return subValue.extract<std::string>();
        }
      }
    }
    return {};
  }

  Result<void> ping() override {
    return withConnection(true, [&](LDAP* ld) -> Result<void> {
      // The root DSE: cheap, always readable, and proves the bound connection works.
      LDAPMessage* raw = nullptr;
      char noAttrs[] = LDAP_NO_ATTRS;
      char* attrs[] = {noAttrs, nullptr};
      timeval timeout{2, 0};
      const int rc = ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0,
                                       nullptr, nullptr, &timeout, 1, &raw);
      MessagePtr result(raw);
      if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "checking the directory");
      return {};
    });
  }

  Result<std::string> verifyPassword(std::string_view userName,
                                     std::string_view password) override {
    const std::string dn = makeRdn("uid", std::string(userName)) + "," + peopleDn();
    const int rc = pool_.bindAs(dn, std::string(password));
    if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_NO_SUCH_OBJECT ||
        rc == LDAP_INVALID_DN_SYNTAX || rc == LDAP_UNWILLING_TO_PERFORM ||
        rc == LDAP_INAPPROPRIATE_AUTH) {
      return makeError(ErrorKind::Unauthorized, "invalid credentials");
    }
    if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "checking the password");
    auto entry = readByDn(dn);
    if (!entry) return entry.error();
    // A pending or deactivated user cannot log in, even where the directory has no lock.
    if (lower(firstOf(entry->attributes, kStatusAttribute)) == "inactive") {
      return makeError(ErrorKind::Unauthorized, "invalid credentials");
    }
    return firstOf(entry->attributes, "entryUUID");
  }

  Result<void> changeOwnPassword(std::string_view userName, std::string_view current,
                                 std::string_view next) override {
    const std::string dn = makeRdn("uid", std::string(userName)) + "," + peopleDn();
    std::string why;
    const int rc = pool_.bindAs(dn, std::string(current), [&](LDAP* ld) {
      berval user{static_cast<ber_len_t>(dn.size()), const_cast<char*>(dn.data())};
      berval old{static_cast<ber_len_t>(current.size()), const_cast<char*>(current.data())};
      berval secret{static_cast<ber_len_t>(next.size()), const_cast<char*>(next.data())};
      berval generated{0, nullptr};
      const int code = ldap_passwd_s(ld, &user, &old, &secret, &generated, nullptr, nullptr);
      if (generated.bv_val != nullptr) ber_memfree(generated.bv_val);
      if (code != LDAP_SUCCESS) why = diagnostic(ld);
      return code;
    });
    if (rc == LDAP_SUCCESS) return {};
    if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_NO_SUCH_OBJECT ||
        rc == LDAP_INVALID_DN_SYNTAX || rc == LDAP_INAPPROPRIATE_AUTH) {
      return makeError(ErrorKind::Unauthorized, "invalid credentials");
    }
    if (rc == LDAP_CONSTRAINT_VIOLATION || rc == LDAP_UNWILLING_TO_PERFORM) {
      return makeError(ErrorKind::InvalidValue,
                       "the directory rejected the password" + (why.empty() ? "" : ": " + why));
    }
    if (rc == LDAP_INSUFFICIENT_ACCESS) {
      return makeError(ErrorKind::Forbidden,
                       "the directory does not let this user change its password");
    }
    return errorFromLdap(rc, "changing the password");
  }

  Result<void> setPassword(std::string_view id, std::string_view password) override {
    auto found = findEntry(id);
    if (!found) return found.error();
    if (auto set = setPassword(found->dn, std::string(password)); !set) return set.error();
    // A pending (invited) user becomes active once it has a password.
    if (lower(firstOf(found->attributes, kStatusAttribute)) == "pending") {
      return modifyEntry(found->dn, {{kStatusAttribute, {"active"}}}, "", nullptr);
    }
    return {};
  }

  Result<std::size_t> countActiveInRole(std::string_view role) override {
    const std::string group = makeRdn("cn", std::string(role)) + "," + containers_.roles;
    const std::string filter = std::string("(&") + kUserFilter +
                               "(memberOf=" + escapeFilterValue(group) + ")(!(" + kStatusAttribute +
                               "=inactive)))";
    auto users = detail::search(
        pool_, {.base = peopleDn(), .filter = filter, .context = "counting the role's users"});
    if (!users) return users.error();
    return users->size();
  }

 private:
  const std::string& peopleDn() const { return containers_.people; }

  // The LDAP sort key for a SCIM attribute. Many standard attributes (uid, mail, cn...) have no
  // ORDERING rule in their schema, so the key names one explicitly.
  Result<SortKey> sortKeyFor(const scim::AttrPath& path) const {
    const std::string dotted = path.dotted();
    if (scim::equalsIgnoreCase(dotted, "id")) return SortKey{"entryUUID", ""};
    if (scim::equalsIgnoreCase(dotted, "meta.created")) return SortKey{"createTimestamp", ""};
    if (scim::equalsIgnoreCase(dotted, "meta.lastModified")) return SortKey{"modifyTimestamp", ""};
    const std::string attr = mapping_.ldapAttributeFor(path);
    if (attr.empty()) {
      return makeError(
          ErrorKind::InvalidValue,
          "cannot sort by '" + dotted + "': it is unknown or not kept in the directory");
    }
    const bool exact = scim::equalsIgnoreCase(attr, "scimgateExternalId") ||
                       scim::equalsIgnoreCase(attr, "scimgateProfileUrl");
    return SortKey{attr, exact ? "caseExactOrderingMatch" : "caseIgnoreOrderingMatch"};
  }

  // One page through Server Side Sort (RFC 2891) and Virtual List View: the directory sorts,
  // counts and slices, so the gateway never reads more than the page.
  Result<UserPage> searchPage(LDAP* ld, const std::string& filter, const SortKey& key,
                              const UserQuery& query) {
    PageRequest request;
    request.base = peopleDn();
    request.filter = filter;
    request.key = key;
    request.descending = query.descending;
    request.startIndex = query.startIndex;
    request.count = query.count;
    request.attributes =
        query.attributes ? mapping_.readAttributesFor(*query.attributes) : readAttributes_;
    request.what = "users";
    auto found = searchSortedPage(ld, pool_, request);
    if (!found) return found.error();
    UserPage page;
    page.totalResults = found->totalResults;
    if (!found->entries.empty()) page.users = toUsers(ld, found->entries);
    return page;
  }

  // Removes the user from every queue group; returns the queues it left. On a failure the
  // queues already left are joined again and the error is returned.
  Result<std::vector<std::string>> leaveQueues(const std::string& userDn) {
    auto found = detail::search(pool_, {.base = containers_.queues,
                                        .filter = "(member=" + escapeFilterValue(userDn) + ")",
                                        .context = "finding the user's queues"});
    if (!found) return found.error();
    std::vector<std::string> queues;
    std::vector<MembershipChange> leave;
    for (const auto& queue : *found) {
      queues.push_back(queue.dn);
      leave.push_back({queue.dn, false});
    }
    if (auto left = applyMemberships(userDn, leave); !left) return left.error();
    return queues;
  }

  // ---- memberships written from the User side ----------------------------------------------

  struct MembershipChange {
    std::string groupDn;
    bool join = true;
  };
  using DnSet = std::set<std::string, AttrNameLess>;

  // What a step is, for errors and the test hook: "join role cn=Manager,ou=roles,...".
  std::string describe(const MembershipChange& change) const {
    const std::string kind(scim::toString(containers_.kindOf(change.groupDn)));
    return std::string(change.join ? "join " : "leave ") + kind + " " + change.groupDn;
  }

  // The role groups `roles` names; nullopt when the resource has no `roles` (they stay as they
  // are, so a PUT from a client that does not manage roles keeps them). A new user without roles
  // gets the configured default role.
  Result<std::optional<DnSet>> wantedRoles(const Poco::JSON::Object& user, bool creating) const {
    const auto& names = pool_.settings().roleNames;
    std::vector<std::string> asked;
    if (!user.has("roles") || user.get("roles").isEmpty()) {
      if (!creating || pool_.settings().defaultRole.empty()) return std::optional<DnSet>{};
      asked.push_back(pool_.settings().defaultRole);
    } else if (user.get("roles").type() == typeid(Poco::JSON::Array::Ptr)) {
      auto array = user.getArray("roles");
      for (std::size_t i = 0; i < array->size(); ++i) {
        auto element = array->getObject(static_cast<unsigned>(i));
        if (!element || !element->has("value") || !element->get("value").isString()) {
          return makeError(ErrorKind::InvalidValue, "each role needs a 'value' naming the role");
        }
        asked.push_back(element->getValue<std::string>("value"));
      }
    } else {
      return makeError(ErrorKind::InvalidValue, "'roles' must be a list");
    }
    DnSet dns;
    for (const auto& name : asked) {
      auto known = std::find_if(names.begin(), names.end(), [&](const std::string& role) {
        return scim::equalsIgnoreCase(role, name);
      });
      if (known == names.end()) {
        std::string allowed;
        for (const auto& role : names) allowed += (allowed.empty() ? "" : ", ") + role;
        return makeError(ErrorKind::InvalidValue,
                         "unknown role '" + name + "'; the roles are: " + allowed);
      }
      dns.insert(makeRdn("cn", *known) + "," + containers_.roles);
    }
    return std::optional<DnSet>{std::move(dns)};
  }

  // The account groups the extension's `accounts` names (by Group id); nullopt when absent.
  Result<std::optional<DnSet>> wantedAccounts(const Poco::JSON::Object& user) {
    const std::string ext(scim::kScimgateUserSchema);
    if (!user.has(ext) || user.get(ext).type() != typeid(Poco::JSON::Object::Ptr)) {
      return std::optional<DnSet>{};
    }
    auto extension = user.getObject(ext);
    if (!extension->has("accounts") || extension->get("accounts").isEmpty()) {
      return std::optional<DnSet>{};
    }
    if (extension->get("accounts").type() != typeid(Poco::JSON::Array::Ptr)) {
      return makeError(ErrorKind::InvalidValue, "'accounts' must be a list");
    }
    auto array = extension->getArray("accounts");
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < array->size(); ++i) {
      auto element = array->getObject(static_cast<unsigned>(i));
      if (!element || !element->has("value") || !element->get("value").isString()) {
        return makeError(ErrorKind::InvalidValue, "each account needs a 'value': the account's id");
      }
      ids.push_back(element->getValue<std::string>("value"));
    }
    DnSet dns;
    if (ids.empty()) return std::optional<DnSet>{std::move(dns)};
    auto found = accountDnsById(pool_, containers_, ids, true);
    if (!found) return found.error();
    for (const auto& id : ids) {
      auto it = found->find(lower(id));
      if (it == found->end())
        return makeError(ErrorKind::InvalidValue, "no account with id '" + id + "'");
      dns.insert(it->second);
    }
    return std::optional<DnSet>{std::move(dns)};
  }

  // The joins and leaves that turn the current role and account memberships into the wanted ones
  // (a nullopt side is left alone).
  std::vector<MembershipChange> planMemberships(const std::vector<std::string>& memberOf,
                                                const std::optional<DnSet>& roles,
                                                const std::optional<DnSet>& accounts) const {
    std::vector<MembershipChange> plan;
    auto plan1 = [&](const std::optional<DnSet>& wanted, const std::string& container) {
      if (!wanted) return;
      DnSet current;
      for (const auto& dn : memberOf) {
        if (isUnder(dn, container)) current.insert(dn);
      }
      for (const auto& dn : current) {
        if (!wanted->count(dn)) plan.push_back({dn, false});
      }
      for (const auto& dn : *wanted) {
        if (!current.count(dn)) plan.push_back({dn, true});
      }
    };
    plan1(roles, containers_.roles);
    plan1(accounts, containers_.accounts);
    return plan;
  }

  // Applies the changes in order; on a failure the ones already made are reversed and the error
  // names the step that failed.
  Result<void> applyMemberships(const std::string& userDn,
                                const std::vector<MembershipChange>& changes) {
    std::vector<MembershipChange> done;
    for (const auto& change : changes) {
      if (auto applied = applyMembership(change, userDn); !applied) {
        undoMemberships(userDn, done);
        if (applied.error().kind == ErrorKind::NotFound) {
          return makeError(ErrorKind::InvalidValue,
                           "cannot " + describe(change) + ": the group does not exist");
        }
        return applied.error();
      }
      done.push_back(change);
    }
    return {};
  }

  void undoMemberships(const std::string& userDn, const std::vector<MembershipChange>& done) {
    for (auto it = done.rbegin(); it != done.rend(); ++it) {
      (void)applyMembership({it->groupDn, !it->join}, userDn);
    }
  }

  // One single-value modify of the group, whatever its size, through the one member writer (so
  // it goes out merged with other changes reaching the group at the same time). The group is not
  // read: the first member drops its placeholder if it has one.
  Result<void> applyMembership(const MembershipChange& change, const std::string& userDn) {
    MemberChange write;
    (change.join ? write.addDns : write.removeDns).push_back(userDn);
    write.placeholder = Placeholder::Unknown;
    write.step = write.context = describe(change);
    auto written = context_->members.write(change.groupDn, write);
    if (!written) return written.error();
    return {};
  }

  Result<std::string> renameEntry(const std::string& dn, const std::string& newUid,
                                  const std::string& csn) {
    return withConnection<std::string>(false, [&](LDAP* ld) -> Result<std::string> {
      const std::string newRdn = makeRdn("uid", newUid);
      ControlPtr assertion;
      auto controls = writeControls(ld, csn, assertion);
      if (!controls) return controls.error();
      // Renaming keeps the entry (and its entryUUID, the SCIM id); the old uid value goes.
      const int rc =
          ldap_rename_s(ld, dn.c_str(), newRdn.c_str(), nullptr, 1, controls->data(), nullptr);
      if (rc == LDAP_ALREADY_EXISTS || rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness, "userName '" + newUid + "' is taken");
      }
      if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "renaming the user");
      return newRdn + "," + peopleDn();
    });
  }

  Result<void> modifyEntry(
      const std::string& dn,
      const std::vector<std::pair<std::string, std::vector<std::string>>>& changes,
      const std::string& csn, std::optional<Attributes>* postRead) {
    return withConnection(false, [&](LDAP* ld) -> Result<void> {
      std::vector<Change> list;
      for (const auto& [name, values] : changes) list.push_back({LDAP_MOD_REPLACE, name, values});
      ModList mods(list);
      auto readBack = postReadControl(readAttributes_);
      if (!readBack) return readBack.error();
      ControlPtr assertion;
      auto controls = writeControls(ld, csn, assertion, {readBack->get()});
      if (!controls) return controls.error();
      int msgid = 0;
      std::string why;
      int rc = ldap_modify_ext(ld, dn.c_str(), mods.get(), controls->data(), nullptr, &msgid);
      if (rc == LDAP_SUCCESS) rc = waitResult(ld, msgid, postRead, &why);
      if (rc == LDAP_SUCCESS) return {};
      // slapd's unique overlay runs its duplicate search with the request's controls, so a
      // taken value under an Assertion control comes back as assertionFailed ("unique_search
      // failed") rather than constraintViolation.
      if (rc == LDAP_ASSERTION_FAILED && why.find("unique") != std::string::npos) {
        rc = LDAP_CONSTRAINT_VIOLATION;
      }
      if (rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness, "email is already used by another user");
      }
      return errorFromLdap(rc, "updating the user");
    });
  }

  template <typename T>
  Result<T> withConnection(bool retryable, const std::function<Result<T>(LDAP*)>& operation) {
    return detail::withConnection<T>(pool_, retryable, operation);
  }
  Result<void> withConnection(bool retryable, const std::function<Result<void>(LDAP*)>& op) {
    return withConnection<void>(retryable, op);
  }

  Result<std::vector<RawEntry>> search(const std::string& base, int scope,
                                       const std::string& filter, int sizeLimit) {
    return detail::search(pool_, {.base = base,
                                  .scope = scope,
                                  .filter = filter,
                                  .attributes = readAttributes_,
                                  .sizeLimit = sizeLimit,
                                  .what = "users"});
  }

  Result<RawEntry> findEntry(std::string_view id) {
    if (!isUuid(id))
      return makeError(ErrorKind::NotFound, "no user with id '" + std::string(id) + "'");
    const std::string filter =
        std::string("(&") + kUserFilter + "(entryUUID=" + escapeFilterValue(id) + "))";
    auto entries = search(peopleDn(), LDAP_SCOPE_SUBTREE, filter, 2);
    if (!entries) return entries.error();
    if (entries->empty())
      return makeError(ErrorKind::NotFound, "no user with id '" + std::string(id) + "'");
    return std::move(entries->front());
  }

  Result<RawEntry> readByDn(const std::string& dn) {
    auto entries = search(dn, LDAP_SCOPE_BASE, "(objectClass=*)", 1);
    if (!entries) return entries.error();
    if (entries->empty()) return makeError(ErrorKind::NotFound, "the user vanished after writing");
    return std::move(entries->front());
  }

  Result<void> setPassword(const std::string& dn, const std::string& password) {
    return withConnection(false, [&](LDAP* ld) -> Result<void> {
      berval user{static_cast<ber_len_t>(dn.size()), const_cast<char*>(dn.data())};
      berval secret{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
      // RFC 3062 Password Modify: the server hashes the password and applies its policy.
      berval generated{0, nullptr};  // filled only when the server generates a password
      const int rc = ldap_passwd_s(ld, &user, nullptr, &secret, &generated, nullptr, nullptr);
      if (generated.bv_val != nullptr) ber_memfree(generated.bv_val);
      if (rc == LDAP_SUCCESS) return {};
      if (rc == LDAP_CONSTRAINT_VIOLATION || rc == LDAP_UNWILLING_TO_PERFORM) {
        std::string why = diagnostic(ld);
        return makeError(ErrorKind::InvalidValue,
                         "the directory rejected the password" + (why.empty() ? "" : ": " + why));
      }
      return errorFromLdap(rc, "setting the password");
    });
  }

  // A user as SCIM sees it, with its memberships (groups, roles, queues, accounts) read on a
  // connection of its own.
  Result<scim::User> toUser(const RawEntry& entry) {
    return withConnection<scim::User>(
        true, [&](LDAP* ld) -> Result<scim::User> { return toUsers(ld, {entry}).front(); });
  }

  // Users with their memberships: the groups' DNs come from memberOf (memberof overlay); one
  // search on `ld` reads the ids, names and kinds of all of them for the whole page.
  std::vector<scim::User> toUsers(LDAP* ld, const std::vector<RawEntry>& entries) {
    std::set<std::string, AttrNameLess> groupDns;
    for (const auto& entry : entries) {
      if (auto it = entry.attributes.find("memberOf"); it != entry.attributes.end()) {
        groupDns.insert(it->second.begin(), it->second.end());
      }
    }
    std::map<std::string, RawEntry, AttrNameLess> groups;
    if (!groupDns.empty()) {
      std::string filter = "(|";
      for (const auto& dn : groupDns) filter += "(entryDN=" + escapeFilterValue(dn) + ")";
      filter += ")";
      // Without them (a failed search) the users are shown without memberships.
      auto found = searchOn(ld, {.base = containers_.base,
                                 .filter = filter,
                                 .attributes = {"entryUUID", "cn", "scimgateGroupKind"}});
      if (found) {
        for (auto& group : *found) groups[group.dn] = std::move(group);
      }
    }
    std::vector<scim::User> users;
    for (const auto& entry : entries) {
      scim::User user = toPlainUser(entry);
      auto it = entry.attributes.find("memberOf");
      if (it == entry.attributes.end()) {
        users.push_back(std::move(user));
        continue;
      }
      for (const auto& dn : it->second) {
        auto group = groups.find(dn);
        if (group == groups.end()) continue;
        const std::string id = firstOf(group->second.attributes, "entryUUID");
        const std::string name = firstOf(group->second.attributes, "cn");
        const std::string kind = lower(firstOf(group->second.attributes, "scimgateGroupKind"));
        Poco::JSON::Object::Ptr value = new Poco::JSON::Object;
        Poco::JSON::Object::Ptr target = user.attributes;
        std::string key = "groups";
        if (kind == "role") {
          // RFC 7643 4.1.2: a role's value is its name.
          key = "roles";
          value->set("value", name);
          value->set("display", name);
        } else {
          value->set("value", id);
          value->set("display", name);
          if (kind == "queue" || kind == "account") {
            key = kind == "queue" ? "queues" : "accounts";
            const std::string ext(scim::kScimgateUserSchema);
            if (!user.attributes->has(ext))
              user.attributes->set(ext, Poco::JSON::Object::Ptr(new Poco::JSON::Object));
            target = user.attributes->getObject(ext);
          } else {
            value->set("type", "direct");
          }
        }
        if (!target->has(key)) target->set(key, Poco::JSON::Array::Ptr(new Poco::JSON::Array));
        target->getArray(key)->add(value);
      }
      users.push_back(std::move(user));
    }
    return users;
  }

  scim::User toPlainUser(const RawEntry& entry) const {
    scim::User user;
    const Attributes& attributes = entry.attributes;
    user.id = firstOf(attributes, "entryUUID");
    user.attributes = mapping_.toScim(attributes);
    user.meta.created = fromGeneralizedTime(firstOf(attributes, "createTimestamp"));
    user.meta.lastModified = fromGeneralizedTime(firstOf(attributes, "modifyTimestamp"));
    const std::string csn = firstOf(attributes, "entryCSN");
    user.meta.version =
        "W/\"" + (csn.empty() ? firstOf(attributes, "modifyTimestamp") : csn) + "\"";
    return user;
  }

  std::shared_ptr<Context> context_;
  Pool& pool_;
  const Containers& containers_;
  UserMapping mapping_;
  std::vector<std::string> readAttributes_;
};

}  // namespace

namespace detail {

std::unique_ptr<Directory> makeUserDirectory(std::shared_ptr<Context> context,
                                             UserMapping mapping) {
  return std::make_unique<LdapDirectory>(std::move(context), std::move(mapping));
}

}  // namespace detail

}  // namespace scimgate::ldap
