#include "ldap/group_directory.h"

#include <ldap.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "ldap/detail/containers.h"
#include "ldap/detail/context.h"
#include "ldap/detail/pool.h"
#include "ldap/detail/scope.h"
#include "ldap/detail/search.h"
#include "ldap/detail/sorted_page.h"
#include "ldap/detail/util.h"
#include "ldap/escape.h"
#include "ldap/mapping.h"

namespace scimgate::ldap {
namespace {

using namespace detail;
using scim::GroupKind;
using scim::GroupView;

constexpr char kGroupFilter[] = "(objectClass=groupOfNames)";
// groupOfNames requires a member: an empty group holds the zero-length DN, which readers skip.
constexpr char kPlaceholder[] = "";

class LdapGroupDirectory final : public GroupDirectory {
 public:
  explicit LdapGroupDirectory(std::shared_ptr<Context> context)
      : context_(std::move(context)), pool_(context_->pool), containers_(context_->containers) {}

  Result<GroupView> findGroup(std::string_view id, bool withMembers,
                              const AccountScope* scope) override {
    auto filters = scopeFilters(scope);
    if (!filters) return filters.error();
    auto entry = findEntry(id, filters->groups);
    if (!entry) return entry.error();
    return toView(*entry, withMembers, filters->members);
  }

  Result<GroupView> createGroup(const scim::GroupInput& group, const AccountScope* scope) override {
    auto filters = scopeFilters(scope);
    if (!filters) return filters.error();
    std::vector<std::string> memberDns;
    if (group.members) {
      auto dns = resolveMembers(idsOf(*group.members), false, filters->members);
      if (!dns) return dns.error();
      memberDns = std::move(*dns);
    }
    if (memberDns.empty()) memberDns.push_back(kPlaceholder);
    const std::string dn = makeRdn("cn", group.displayName) + "," + containers_.of(group.kind);
    std::vector<std::pair<std::string, std::vector<std::string>>> attributes = {
        {"objectClass", {"top", "groupOfNames", "scimgateGroup"}},
        {"cn", {group.displayName}},
        {"scimgateGroupKind", {std::string(scim::toString(group.kind))}},
        {"member", memberDns},
    };
    if (group.externalId && !group.externalId->empty()) {
      attributes.push_back({"scimgateExternalId", {*group.externalId}});
    }
    auto added = withConnection<void>(false, [&](LDAP* ld) -> Result<void> {
      std::vector<Change> changes;
      for (const auto& [name, values] : attributes) changes.push_back({LDAP_MOD_ADD, name, values});
      ModList mods(changes);
      const int rc = ldap_add_ext_s(ld, dn.c_str(), mods.get(), nullptr, nullptr);
      if (rc == LDAP_SUCCESS) return {};
      if (rc == LDAP_ALREADY_EXISTS || rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness, "a " + std::string(scim::toString(group.kind)) +
                                                    " named '" + group.displayName + "' exists");
      }
      return errorFromLdap(rc, "creating the group");
    });
    if (!added) return added.error();
    auto entry = readBase(dn, false);
    if (!entry) return entry.error();
    return toView(*entry, true, filters->members);
  }

  Result<GroupView> replaceGroup(std::string_view id, const scim::GroupInput& group,
                                 std::string_view ifMatch, const AccountScope* scope) override {
    auto filters = scopeFilters(scope);
    if (!filters) return filters.error();
    auto entry = findEntry(id, filters->groups);
    if (!entry) return entry.error();
    const std::string csn = csnFromEtag(ifMatch);
    if (!csn.empty() && firstOf(entry->attributes, "entryCSN") != csn) {
      return makeError(ErrorKind::PreconditionFailed,
                       "the group changed since that ETag was issued; read it again");
    }
    std::string dn = entry->dn;
    const std::string oldName = firstOf(entry->attributes, "cn");
    if (group.displayName != oldName) {
      auto renamed = rename(dn, group.displayName);
      if (!renamed) return renamed.error();
      dn = *renamed;
    }
    // A later step that fails puts the old name back: a replace is all or nothing.
    auto undoRename = [&] {
      if (dn != entry->dn) (void)rename(dn, oldName);
    };
    std::vector<std::pair<int, std::pair<std::string, std::vector<std::string>>>> mods;
    const std::string externalId = group.externalId.value_or("");
    if (externalId != firstOf(entry->attributes, "scimgateExternalId")) {
      mods.push_back(
          {LDAP_MOD_REPLACE,
           {"scimgateExternalId", externalId.empty() ? std::vector<std::string>{}
                                                     : std::vector<std::string>{externalId}}});
    }
    std::optional<MemberDiff> scopedChange;
    if (group.members && scope != nullptr) {
      // A scoped caller replaces the members it sees; the others stay.
      auto diff = visibleMemberDiff(dn, *group.members, filters->members);
      if (!diff) {
        undoRename();
        return diff.error();
      }
      scopedChange = std::move(*diff);
    } else if (group.members) {
      auto dns = resolveMembers(idsOf(*group.members));
      if (!dns) {
        undoRename();
        return dns.error();
      }
      if (dns->empty()) dns->push_back(kPlaceholder);
      mods.push_back({LDAP_MOD_REPLACE, {"member", *dns}});
    }
    Write write;
    if (!mods.empty()) {
      if (auto modified = modify(dn, mods, write); !modified) {
        undoRename();
        return modified.error();
      }
    }
    if (scopedChange && !scopedChange->addDns.empty()) {
      if (auto added = addMembers(dn, scopedChange->addDns, true, write); !added)
        return added.error();
    }
    if (scopedChange && !scopedChange->removeDns.empty()) {
      if (auto removed = removeMembers(dn, scopedChange->removeDns, write); !removed) {
        return removed.error();
      }
    }
    auto now = readBase(dn, false);
    if (!now) return now.error();
    return toView(*now, true, filters->members);
  }

  Result<void> deleteGroup(std::string_view id, std::string_view ifMatch) override {
    auto entry = findEntry(id);
    if (!entry) return entry.error();
    const std::string csn = csnFromEtag(ifMatch);
    return withConnection<void>(false, [&](LDAP* ld) -> Result<void> {
      ControlPtr assertion;
      auto controls = writeControls(ld, csn, assertion);
      if (!controls) return controls.error();
      const int rc = ldap_delete_ext_s(ld, entry->dn.c_str(), controls->data(), nullptr);
      if (rc == LDAP_SUCCESS) return {};
      if (rc == LDAP_NO_SUCH_OBJECT) return makeError(ErrorKind::NotFound, "no such group");
      return errorFromLdap(rc, "deleting the group");
    });
  }

  Result<GroupPage> searchGroups(const GroupQuery& query) override {
    auto filters = scopeFilters(query.scope);
    if (!filters) return filters.error();
    PageRequest request;
    request.base = containers_.base;
    request.filter = std::string("(&") + kGroupFilter + filters->groups;
    if (query.filter != nullptr) {
      auto translated = toLdapFilter(*query.filter, filters->members);
      if (!translated) return translated.error();
      request.filter += *translated;
    }
    request.filter += ")";
    request.key = SortKey{"cn", "caseIgnoreOrderingMatch"};
    if (query.sortBy) {
      auto chosen = sortKeyFor(*query.sortBy);
      if (!chosen) return chosen.error();
      request.key = *chosen;
    }
    request.descending = query.descending;
    request.startIndex = query.startIndex;
    request.count = query.count;
    request.attributes = groupAttributes();
    request.what = "groups";
    auto found = withConnection<RawPage>(
        true, [&](LDAP* ld) -> Result<RawPage> { return searchSortedPage(ld, pool_, request); });
    if (!found) return found.error();
    GroupPage page;
    page.totalResults = found->totalResults;
    for (const auto& entry : found->entries) {
      auto view = toView(entry, query.withMembers, filters->members);
      if (!view) return view.error();
      page.groups.push_back(std::move(*view));
    }
    return page;
  }

  // One search finds the group, whether it holds the empty-group placeholder, and the DNs of the
  // members to add and remove; then one modify per direction, which returns the group as it left
  // it (Post-Read): no failed modify, no second lookup and no read after the write.
  Result<GroupView> changeMembers(std::string_view id, const std::vector<std::string>& add,
                                  const std::vector<std::string>& remove, std::string_view ifMatch,
                                  const AccountScope* scope,
                                  const BeforeWrite& beforeWrite) override {
    auto filters = scopeFilters(scope);
    if (!filters) return filters.error();
    auto target = findForMemberChange(id, add, remove, *filters);
    if (!target) return target.error();
    if (beforeWrite) {
      auto group = toView(target->group, false);
      if (!group) return group.error();
      if (auto checked = beforeWrite(*group); !checked) return checked.error();
    }
    if (target->invalid) return *target->invalid;
    const std::string& dn = target->group.dn;
    // If-Match is checked against the entry just read, not with the Assertion control: slapd's
    // memberof overlay runs its memberOf updates of the member entries with the request's
    // controls, where the assertion fails, and would silently leave member and memberOf out of
    // step. The window between that read and the modify is one round trip.
    const std::string csn = csnFromEtag(ifMatch);
    if (!csn.empty() && firstOf(target->group.attributes, "entryCSN") != csn) {
      return makeError(ErrorKind::PreconditionFailed,
                       "the group changed since that ETag was issued; read it again");
    }
    if (target->addDns.empty() && target->removeDns.empty()) return toView(target->group, false);
    PendingChange change{target->addDns, target->removeDns, target->placeholder, {}};
    // Under If-Match the request is checked against its own read: it is not merged with others.
    auto after = csn.empty() ? writeCoalesced(dn, change) : writeAlone(dn, change);
    if (!after) return after.error();
    if (!*after) return toView(target->group, false);  // nothing changed since the read
    return toView(**after, false);
  }

 private:
  Result<ScopeFilters> scopeFilters(const AccountScope* scope) {
    return detail::scopeFilters(pool_, containers_, scope ? &scope->accounts : nullptr,
                                scope ? scope->alsoUserId : std::string());
  }

  // Renames the group entry to cn=displayName in its container; the new DN.
  Result<std::string> rename(const std::string& dn, const std::string& displayName) {
    return withConnection<std::string>(false, [&](LDAP* ld) -> Result<std::string> {
      const std::string rdn = makeRdn("cn", displayName);
      const int rc = ldap_rename_s(ld, dn.c_str(), rdn.c_str(), nullptr, 1, nullptr, nullptr);
      if (rc == LDAP_ALREADY_EXISTS || rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness, "displayName '" + displayName + "' is taken");
      }
      if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "renaming the group");
      return rdn + dn.substr(dn.find(','));
    });
  }

  struct MemberDiff {
    std::vector<std::string> addDns, removeDns;
  };

  // The member DNs to add and remove so that the members `visible` selects become `wanted`; the
  // others are not touched. A wanted id outside `visible` is InvalidValue like an unknown one.
  Result<MemberDiff> visibleMemberDiff(const std::string& dn,
                                       const std::vector<scim::GroupMember>& wanted,
                                       const std::string& visible) {
    auto current = readMembers(dn, visible);
    if (!current) return current.error();
    const auto [plus, minus] = scim::memberDiff(*current, wanted);
    MemberDiff diff;
    auto added = resolveMembers(plus, false, visible);
    if (!added) return added.error();
    auto removed = resolveMembers(minus, true, visible);
    if (!removed) return removed.error();
    diff.addDns = std::move(*added);
    diff.removeDns = std::move(*removed);
    return diff;
  }

  static std::vector<std::string> idsOf(const std::vector<scim::GroupMember>& members) {
    std::vector<std::string> ids;
    for (const auto& m : members) ids.push_back(m.value);
    return ids;
  }

  template <typename T>
  Result<T> withConnection(bool retryable, const std::function<Result<T>(LDAP*)>& operation) {
    return detail::withConnection<T>(pool_, retryable, operation);
  }

  std::vector<std::string> groupAttributes() const {
    return {"cn",       "scimgateExternalId", "scimgateGroupKind", "entryUUID",
            "entryCSN", "createTimestamp",    "modifyTimestamp"};
  }

  Result<std::vector<RawEntry>> search(const std::string& base, int scope,
                                       const std::string& filter, bool sizeOne) {
    return search(base, scope, filter, sizeOne, groupAttributes(), "");
  }

  // `valuesFilter`: see SearchRequest.
  Result<std::vector<RawEntry>> search(const std::string& base, int scope,
                                       const std::string& filter, bool sizeOne,
                                       const std::vector<std::string>& attributes,
                                       const std::string& valuesFilter) {
    return detail::search(pool_, {.base = base,
                                  .scope = scope,
                                  .filter = filter,
                                  .attributes = attributes,
                                  .sizeLimit = sizeOne ? 2 : 0,
                                  .valuesFilter = valuesFilter,
                                  .what = "groups"});
  }

  // `visible`: an LDAP filter the group must also match ("" = any); else it is NotFound.
  Result<RawEntry> findEntry(std::string_view id, const std::string& visible = "") {
    const auto notFound =
        makeError(ErrorKind::NotFound, "no group with id '" + std::string(id) + "'");
    if (!isUuid(id)) return notFound;
    auto entries = search(containers_.base, LDAP_SCOPE_SUBTREE,
                          std::string("(&") + kGroupFilter + "(entryUUID=" + escapeFilterValue(id) +
                              ")" + visible + ")",
                          true);
    if (!entries) return entries.error();
    if (entries->empty()) return notFound;
    return std::move(entries->front());
  }

  Result<RawEntry> readBase(const std::string& dn, bool) {
    auto entries = search(dn, LDAP_SCOPE_BASE, "(objectClass=*)", true);
    if (!entries) return entries.error();
    if (entries->empty()) return makeError(ErrorKind::NotFound, "the group vanished after writing");
    return std::move(entries->front());
  }

  struct MemberChangeTarget {
    RawEntry group;
    bool placeholder = false;  // the group holds the empty-group placeholder value
    std::vector<std::string> addDns, removeDns;
    std::optional<scim::Error> invalid;  // a member to add that is not a known id
  };

  // What changeMembers needs, in one search (or one per 200 ids): the group with its attributes
  // and, for an add, through a ValuesReturnFilter, its placeholder value if it has one (never
  // its other member values), plus the users and groups to add and remove. NotFound as findEntry; a
  // member to add that is unknown is `invalid` (InvalidValue) in the result; unknown ids to remove
  // are skipped.
  Result<MemberChangeTarget> findForMemberChange(std::string_view id,
                                                 const std::vector<std::string>& add,
                                                 const std::vector<std::string>& remove,
                                                 const ScopeFilters& scope) {
    const auto notFound =
        makeError(ErrorKind::NotFound, "no group with id '" + std::string(id) + "'");
    if (!isUuid(id)) return notFound;
    const std::string groupId = lower(std::string(id));
    std::optional<scim::Error> invalid;
    std::set<std::string> addWanted, removeWanted;
    for (const auto& member : add) {
      if (isUuid(member)) {
        addWanted.insert(lower(member));
      } else if (!invalid) {
        invalid = scim::Error{ErrorKind::InvalidValue,
                              "member '" + member + "' is not the id of a user or group"};
      }
    }
    for (const auto& member : remove) {
      if (isUuid(member)) removeWanted.insert(lower(member));
    }
    std::set<std::string> wanted = addWanted;
    wanted.insert(removeWanted.begin(), removeWanted.end());
    const std::vector<std::string> list(wanted.begin(), wanted.end());

    std::vector<std::string> attributes = groupAttributes();
    std::string valuesFilter;
    if (!addWanted.empty()) {
      // Only an add needs to know about the placeholder; finding it means testing every member
      // value against the filter (~0.5 ms of slapd CPU on a 50,000-member group).
      valuesFilter = "((member=)(objectClass=groupOfNames)";
      for (const auto& name : attributes) valuesFilter += "(" + name + "=*)";
      valuesFilter += ")";
      attributes.push_back("member");
    }
    attributes.push_back("objectClass");

    std::optional<RawEntry> group;
    std::map<std::string, std::string> dnById;
    // Bounded filter size: members in batches of 200, the group with the first.
    for (std::size_t start = 0; start == 0 || start < list.size(); start += 200) {
      std::string filter = "(|";
      if (start == 0) {
        filter += std::string("(&") + kGroupFilter + "(entryUUID=" + escapeFilterValue(groupId) +
                  ")" + scope.groups + ")";
      }
      std::string members;
      for (std::size_t i = start; i < std::min(list.size(), start + 200); ++i) {
        members += "(entryUUID=" + escapeFilterValue(list[i]) + ")";
      }
      if (!members.empty()) filter += "(&(|" + members + ")" + scope.members + ")";
      filter += ")";
      auto entries =
          search(containers_.base, LDAP_SCOPE_SUBTREE, filter, false, attributes, valuesFilter);
      if (!entries) return entries.error();
      for (auto& e : *entries) {
        const std::string uuid = lower(firstOf(e.attributes, "entryUUID"));
        dnById[uuid] = e.dn;
        if (uuid == groupId && hasValue(e.attributes, "objectClass", "groupOfNames")) {
          group = std::move(e);
        }
      }
    }
    if (!group) return notFound;

    MemberChangeTarget target;
    target.invalid = invalid;
    for (const auto& member : addWanted) {
      auto it = dnById.find(member);
      if (it == dnById.end()) {
        if (!target.invalid) {
          target.invalid =
              scim::Error{ErrorKind::InvalidValue, "no user or group has the id '" + member + "'"};
        }
        continue;
      }
      target.addDns.push_back(it->second);
    }
    for (const auto& member : removeWanted) {
      if (auto it = dnById.find(member); it != dnById.end()) target.removeDns.push_back(it->second);
    }
    if (auto it = group->attributes.find("member"); it != group->attributes.end()) {
      target.placeholder = std::any_of(it->second.begin(), it->second.end(),
                                       [](const std::string& v) { return v.empty(); });
    }
    target.group = std::move(*group);
    return target;
  }

  static bool hasValue(const Attributes& attributes, const char* name, std::string_view value) {
    auto it = attributes.find(name);
    if (it == attributes.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const std::string& v) { return scim::equalsIgnoreCase(v, value); });
  }

  // SCIM ids (entryUUID) of users or groups -> their DNs, in one search. Unknown ids are
  // InvalidValue, except when removing (removing a non-member is not an error).
  // `visible`, when set, is an LDAP filter the members must match (the caller's scope): others
  // count as unknown.
  Result<std::vector<std::string>> resolveMembers(const std::vector<std::string>& ids,
                                                  bool ignoreUnknown = false,
                                                  const std::string& visible = "") {
    std::set<std::string> wanted;
    for (const auto& id : ids) {
      if (isUuid(id)) {
        wanted.insert(lower(id));
      } else if (!ignoreUnknown) {
        return makeError(ErrorKind::InvalidValue,
                         "member '" + id + "' is not the id of a user or group");
      }
    }
    if (wanted.empty()) return std::vector<std::string>{};
    std::vector<std::string> dns;
    std::set<std::string> found;
    const std::vector<std::string> list(wanted.begin(), wanted.end());
    // Bounded filter size: resolve in batches.
    for (std::size_t start = 0; start < list.size(); start += 200) {
      std::string filter = "(|";
      for (std::size_t i = start; i < std::min(list.size(), start + 200); ++i) {
        filter += "(entryUUID=" + escapeFilterValue(list[i]) + ")";
      }
      filter += ")";
      if (!visible.empty()) filter = "(&" + filter + visible + ")";
      auto entries = search(containers_.base, LDAP_SCOPE_SUBTREE, filter, false);
      if (!entries) return entries.error();
      for (const auto& e : *entries) {
        dns.push_back(e.dn);
        found.insert(lower(firstOf(e.attributes, "entryUUID")));
      }
    }
    if (!ignoreUnknown) {
      for (const auto& id : wanted) {
        if (!found.count(id)) {
          return makeError(ErrorKind::InvalidValue, "no user or group has the id '" + id + "'");
        }
      }
    }
    return dns;
  }

  using Mods = std::vector<std::pair<int, std::pair<std::string, std::vector<std::string>>>>;

  // The modifies of one request. The If-Match CSN is asserted until one of them succeeds: after
  // that the entry carries our own CSN. `after` is the group as the last successful modify left
  // it (Post-Read control), if the server returned it.
  struct Write {
    std::string csn;
    int writes = 0;
    std::optional<Attributes> after;
  };

  // One modify adding the values, and dropping the empty-group placeholder when the read saw
  // one. Values already present make slapd refuse the whole modify; then each value is added on
  // its own and the ones already there are skipped (RFC 7644: adding an existing member is not
  // an error).
  Result<void> addMembers(const std::string& dn, const std::vector<std::string>& dns,
                          bool placeholder, Write& write) {
    if (placeholder) {
      auto result = modify(
          dn, {{LDAP_MOD_ADD, {"member", dns}}, {LDAP_MOD_DELETE, {"member", {kPlaceholder}}}},
          write);
      if (result) return result;
      if (lastCode_ == LDAP_TYPE_OR_VALUE_EXISTS) return addEach(dn, dns, write);
      if (lastCode_ != LDAP_NO_SUCH_ATTRIBUTE) return result;
      // The placeholder went since the read (someone added the first member): add alone.
    }
    // A placeholder that came back since the read (someone removed the last member) stays next
    // to the new members: readers skip it, and the next add that sees it drops it.
    auto result = modify(dn, {{LDAP_MOD_ADD, {"member", dns}}}, write);
    if (result || lastCode_ != LDAP_TYPE_OR_VALUE_EXISTS) return result;
    return addEach(dn, dns, write);
  }

  Result<void> addEach(const std::string& dn, const std::vector<std::string>& dns, Write& write) {
    for (const auto& one : dns) {
      auto single = modify(dn, {{LDAP_MOD_ADD, {"member", {one}}}}, write);
      if (!single && lastCode_ != LDAP_TYPE_OR_VALUE_EXISTS) return single;
    }
    return {};
  }

  // One modify deleting the values; when that would empty the group, the placeholder goes in
  // with it (groupOfNames needs a member). Absent values are skipped one by one.
  Result<void> removeMembers(const std::string& dn, const std::vector<std::string>& dns,
                             Write& write) {
    auto result = modify(dn, {{LDAP_MOD_DELETE, {"member", dns}}}, write);
    if (result) return result;
    if (lastCode_ == LDAP_OBJECT_CLASS_VIOLATION) {
      return modify(
          dn, {{LDAP_MOD_DELETE, {"member", dns}}, {LDAP_MOD_ADD, {"member", {kPlaceholder}}}},
          write);
    }
    if (lastCode_ != LDAP_NO_SUCH_ATTRIBUTE || dns.size() == 1) {
      return lastCode_ == LDAP_NO_SUCH_ATTRIBUTE ? Result<void>() : result;
    }
    for (const auto& one : dns) {
      auto single = removeMembers(dn, {one}, write);
      if (!single) return single;
    }
    return {};
  }

  Result<void> modify(const std::string& dn, const Mods& changes, Write& write) {
    return withConnection<void>(false, [&](LDAP* ld) -> Result<void> {
      std::vector<Change> list;
      for (const auto& [op, change] : changes) list.push_back({op, change.first, change.second});
      ModList mods(list);
      auto readBack = postReadControl(groupAttributes());
      if (!readBack) return readBack.error();
      ControlPtr assertion;
      auto controls = writeControls(ld, write.csn, assertion, {readBack->get()});
      if (!controls) return controls.error();
      int msgid = 0;
      std::optional<Attributes> after;
      int rc = ldap_modify_ext(ld, dn.c_str(), mods.get(), controls->data(), nullptr, &msgid);
      if (rc == LDAP_SUCCESS) rc = waitResult(ld, msgid, &after, nullptr);
      lastCode_ = rc;
      if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "updating the group");
      write.csn.clear();
      ++write.writes;
      write.after = std::move(after);
      return {};
    });
  }

  // ---- Member changes, merged while the group is being written (group commit) -------------
  //
  // slapd's cost for a modify of a group grows with the group's size (back-mdb copies and
  // rewrites the whole entry), not with the number of values changed. Member changes to one
  // group that arrive while a modify of it is in flight wait, and the next writer sends all of
  // them in one modify, in arrival order (LDAP applies a modify's changes in order, so the
  // result is the same as one after the other). If that modify fails for any reason (a value
  // that another request already added, a placeholder that went, the last member going), each
  // change is written on its own as before, so merging never changes an outcome.

  struct PendingChange {
    std::vector<std::string> addDns, removeDns;
    bool placeholder = false;  // its read saw the empty-group placeholder
    // Set by whoever writes it: the group after the write (none: nothing changed), or the error.
    std::optional<Result<std::optional<RawEntry>>> outcome;
  };

  struct GroupQueue {
    bool busy = false;  // a writer is sending a modify of this group
    std::vector<PendingChange*> waiting;
  };

  Result<std::optional<RawEntry>> writeCoalesced(const std::string& dn, PendingChange& change) {
    const std::string key = lower(dn);
    std::unique_lock lock(queuesMutex_);
    queues_[key].waiting.push_back(&change);
    // Wait while another writer is busy; it may take this change into its next modify.
    while (!change.outcome && queues_[key].busy) queuesChanged_.wait(lock);
    if (change.outcome) return std::move(*change.outcome);
    GroupQueue& queue = queues_[key];
    queue.busy = true;
    std::vector<PendingChange*> batch = std::move(queue.waiting);
    queue.waiting.clear();
    lock.unlock();
    writeBatch(dn, batch);
    lock.lock();
    GroupQueue& after = queues_[key];
    after.busy = false;
    if (after.waiting.empty()) queues_.erase(key);
    queuesChanged_.notify_all();
    return std::move(*change.outcome);
  }

  // Writes every change of the batch and sets its outcome; never throws (waiters depend on it).
  void writeBatch(const std::string& dn, const std::vector<PendingChange*>& batch) noexcept {
    try {
      if (batch.size() > 1) {
        Mods mods;
        bool placeholder = false;
        bool adds = false;
        // A value an earlier change of the batch already adds (or removes) is left out of a later
        // add (or remove): one after the other, the later one changes nothing.
        std::map<std::string, bool> member;  // lower-case DN -> a member after the changes so far
        auto fresh = [&](const std::vector<std::string>& dns, bool adding) {
          std::vector<std::string> kept;
          for (const auto& value : dns) {
            auto [it, first] = member.try_emplace(lower(value), adding);
            if (first || it->second != adding) kept.push_back(value);
            it->second = adding;
          }
          return kept;
        };
        for (const PendingChange* change : batch) {
          if (auto dns = fresh(change->addDns, true); !dns.empty()) {
            mods.push_back({LDAP_MOD_ADD, {"member", dns}});
            adds = true;
          }
          if (auto dns = fresh(change->removeDns, false); !dns.empty()) {
            mods.push_back({LDAP_MOD_DELETE, {"member", dns}});
          }
          placeholder = placeholder || change->placeholder;
        }
        if (placeholder && adds) mods.push_back({LDAP_MOD_DELETE, {"member", {kPlaceholder}}});
        Write write;
        if (modify(dn, mods, write)) {
          auto state = stateAfter(dn, write);
          for (PendingChange* change : batch) change->outcome = state;
          return;
        }
        // Failed as a whole: nothing of it was applied; each change on its own below.
      }
      for (PendingChange* change : batch) change->outcome = writeAlone(dn, *change);
    } catch (const std::exception& e) {
      for (PendingChange* change : batch) {
        if (!change->outcome) change->outcome = makeError(ErrorKind::Internal, e.what());
      }
    }
  }

  // One request's member change on its own: one modify per direction, with the fallbacks of
  // addMembers and removeMembers.
  Result<std::optional<RawEntry>> writeAlone(const std::string& dn, const PendingChange& change) {
    Write write;
    if (!change.addDns.empty()) {
      if (auto added = addMembers(dn, change.addDns, change.placeholder, write); !added) {
        return added.error();
      }
    }
    if (!change.removeDns.empty()) {
      if (auto removed = removeMembers(dn, change.removeDns, write); !removed) {
        return removed.error();
      }
    }
    return stateAfter(dn, write);
  }

  // The group after `write`: none when nothing was written, else the Post-Read result or a read.
  Result<std::optional<RawEntry>> stateAfter(const std::string& dn, const Write& write) {
    if (write.writes == 0) return std::optional<RawEntry>();
    if (write.after && write.after->count("entryUUID")) {
      return std::optional<RawEntry>(RawEntry{dn, *write.after});
    }
    auto now = readBase(dn, false);  // a directory without Post-Read
    if (!now) return now.error();
    return std::optional<RawEntry>(std::move(*now));
  }

  // Members through memberOf (indexed), read with the Simple Paged Results control so a
  // 50,000-member group never needs one huge response.
  // `visible`, when set, is an LDAP filter the members shown must match (the caller's scope).
  Result<std::vector<scim::GroupMember>> readMembers(const std::string& groupDn,
                                                     const std::string& visible = "") {
    return withConnection<std::vector<scim::GroupMember>>(
        true, [&](LDAP* ld) -> Result<std::vector<scim::GroupMember>> {
          std::vector<scim::GroupMember> members;
          std::string filter = "(memberOf=" + escapeFilterValue(groupDn) + ")";
          if (!visible.empty()) filter = "(&" + filter + visible + ")";
          CStrings attrs({"entryUUID", "displayName", "cn", "objectClass"});
          berval* cookie = nullptr;
          do {
            LDAPControl* page = nullptr;
            int rc = ldap_create_page_control(ld, 1000, cookie, 0, &page);
            if (cookie != nullptr) ber_bvfree(cookie);
            cookie = nullptr;
            if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "reading members");
            ControlPtr pageControl(page);
            LDAPControl* controls[] = {pageControl.get(), nullptr};
            LDAPMessage* raw = nullptr;
            rc = ldap_search_ext_s(ld, containers_.base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                                   attrs.get(), 0, controls, nullptr, nullptr, 0, &raw);
            MessagePtr result(raw);
            if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "reading members");
            for (LDAPMessage* e = ldap_first_entry(ld, result.get()); e;
                 e = ldap_next_entry(ld, e)) {
              RawEntry member = readEntry(ld, e);
              scim::GroupMember m;
              m.value = firstOf(member.attributes, "entryUUID");
              m.display = firstOf(member.attributes, "displayName");
              if (m.display.empty()) m.display = firstOf(member.attributes, "cn");
              bool isGroup = false;
              if (auto it = member.attributes.find("objectClass"); it != member.attributes.end()) {
                for (const auto& oc : it->second)
                  isGroup = isGroup || scim::equalsIgnoreCase(oc, "groupOfNames");
              }
              m.type = isGroup ? "Group" : "User";
              members.push_back(std::move(m));
            }
            LDAPControl** responseControls = nullptr;
            int code = LDAP_SUCCESS;
            ldap_parse_result(ld, result.get(), &code, nullptr, nullptr, nullptr, &responseControls,
                              0);
            LDAPControl* response =
                ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, responseControls, nullptr);
            ber_int_t estimate = 0;
            berval next{0, nullptr};
            if (response != nullptr &&
                ldap_parse_pageresponse_control(ld, response, &estimate, &next) == LDAP_SUCCESS &&
                next.bv_len > 0) {
              cookie = ber_bvdup(&next);
            }
            if (next.bv_val != nullptr) ber_memfree(next.bv_val);
            ldap_controls_free(responseControls);
          } while (cookie != nullptr);
          return members;
        });
  }

  Result<GroupView> toView(const RawEntry& entry, bool withMembers,
                           const std::string& visible = "") {
    GroupView view;
    view.id = firstOf(entry.attributes, "entryUUID");
    view.displayName = firstOf(entry.attributes, "cn");
    if (auto ext = firstOf(entry.attributes, "scimgateExternalId"); !ext.empty()) {
      view.externalId = ext;
    }
    view.kind = scim::groupKindFrom(firstOf(entry.attributes, "scimgateGroupKind"))
                    .value_or(containers_.kindOf(entry.dn));
    view.meta.created = fromGeneralizedTime(firstOf(entry.attributes, "createTimestamp"));
    view.meta.lastModified = fromGeneralizedTime(firstOf(entry.attributes, "modifyTimestamp"));
    view.meta.version = "W/\"" + firstOf(entry.attributes, "entryCSN") + "\"";
    if (withMembers) {
      auto members = readMembers(entry.dn, visible);
      if (!members) return members.error();
      view.members = std::move(*members);
    }
    return view;
  }

  // The LDAP sort key for a SCIM attribute of a Group.
  static Result<SortKey> sortKeyFor(const scim::AttrPath& path) {
    const std::string dotted = path.dotted();
    if (scim::equalsIgnoreCase(dotted, "displayName"))
      return SortKey{"cn", "caseIgnoreOrderingMatch"};
    if (scim::equalsIgnoreCase(dotted, "id")) return SortKey{"entryUUID", ""};
    if (scim::equalsIgnoreCase(dotted, "externalId")) {
      return SortKey{"scimgateExternalId", "caseExactOrderingMatch"};
    }
    if (scim::equalsIgnoreCase(dotted, "kind")) {
      return SortKey{"scimgateGroupKind", "caseIgnoreOrderingMatch"};
    }
    if (scim::equalsIgnoreCase(dotted, "meta.created")) return SortKey{"createTimestamp", ""};
    if (scim::equalsIgnoreCase(dotted, "meta.lastModified")) return SortKey{"modifyTimestamp", ""};
    return makeError(ErrorKind::InvalidValue,
                     "cannot sort groups by '" + dotted +
                         "': sort by displayName, id, externalId, kind, meta.created or "
                         "meta.lastModified");
  }

  // `visible`: the caller's member scope; a member outside it is a member of no group to it.
  Result<std::string> toLdapFilter(const scim::Filter& filter, const std::string& visible) {
    return translateFilter(filter,
                           [&](const scim::Filter& node) { return leafFilter(node, visible); });
  }

  Result<std::string> leafFilter(const scim::Filter& filter, const std::string& visible) {
    using Kind = scim::Filter::Kind;
    if (filter.kind == Kind::ValuePath) {
      // members[value eq "id"] reads as members.value eq "id".
      const scim::Filter& inner = *filter.left;
      if (!scim::equalsIgnoreCase(filter.path.attribute, "members") ||
          inner.kind != Kind::Compare) {
        return makeError(ErrorKind::InvalidFilter,
                         "groups support the value filter members[value eq \"id\"] only");
      }
      return leafFilter(flattenValuePath(filter), visible);
    }
    const std::string path = filter.path.dotted();
    if (scim::equalsIgnoreCase(path, "members") || scim::equalsIgnoreCase(path, "members.value")) {
      return memberFilter(filter, visible);
    }
    std::string attr;
    bool isTime = false;
    if (scim::equalsIgnoreCase(path, "displayName")) attr = "cn";
    if (scim::equalsIgnoreCase(path, "externalId")) attr = "scimgateExternalId";
    if (scim::equalsIgnoreCase(path, "id")) attr = "entryUUID";
    if (scim::equalsIgnoreCase(path, "kind")) attr = "scimgateGroupKind";
    if (scim::equalsIgnoreCase(path, "meta.created")) attr = "createTimestamp", isTime = true;
    if (scim::equalsIgnoreCase(path, "meta.lastModified")) attr = "modifyTimestamp", isTime = true;
    if (attr.empty()) {
      return makeError(ErrorKind::InvalidFilter,
                       "groups can be filtered by displayName, externalId, id, kind, "
                       "meta.created, meta.lastModified or members.value, not '" +
                           path + "'");
    }
    return compareFilter(filter, attr, isTime);
  }

  // `members.value eq "id"` (and ne, pr): the member attribute holds DNs, so the id is looked up
  // first; an id that names nothing is a member of no group.
  Result<std::string> memberFilter(const scim::Filter& filter, const std::string& visible) {
    using Op = scim::CompareOp;
    // Every group holds a member value; an empty one holds only the zero-length placeholder.
    if (filter.op == Op::Pr) return std::string("(!(member=))");
    if ((filter.op != Op::Eq && filter.op != Op::Ne) ||
        filter.value.type != scim::Literal::Type::String) {
      return makeError(ErrorKind::InvalidFilter,
                       "members.value compares only with eq, ne or pr and a user or group id");
    }
    std::string match = "(!(objectClass=*))";  // matches nothing
    if (auto dns = resolveMembers({filter.value.text}, true, visible); !dns) {
      return dns.error();
    } else if (!dns->empty()) {
      match = "(member=" + escapeFilterValue(dns->front()) + ")";
    }
    return filter.op == Op::Eq ? match : "(!" + match + ")";
  }

  std::shared_ptr<Context> context_;
  Pool& pool_;
  const Containers& containers_;
  std::mutex queuesMutex_;
  std::condition_variable queuesChanged_;
  std::map<std::string, GroupQueue> queues_;  // by lower-case group DN, while changes are queued
  // The libldap code of the last modify on this thread, for the add/remove fallbacks above.
  static thread_local int lastCode_;
};

thread_local int LdapGroupDirectory::lastCode_ = LDAP_SUCCESS;

}  // namespace

namespace detail {

std::unique_ptr<GroupDirectory> makeGroupDirectory(std::shared_ptr<Context> context) {
  return std::make_unique<LdapGroupDirectory>(std::move(context));
}

}  // namespace detail

}  // namespace scimgate::ldap
