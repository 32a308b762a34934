#include "ldap/group_directory.h"

#include <ldap.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "ldap/detail/containers.h"
#include "ldap/detail/context.h"
#include "ldap/detail/members.h"
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

class LdapGroupDirectory final : public GroupDirectory {
 public:
  explicit LdapGroupDirectory(std::shared_ptr<Context> context)
      : context_(std::move(context)),
        pool_(context_->pool),
        containers_(context_->containers),
        members_(context_->members) {}

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
    MemberWriter::Mods mods;
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
    if (!mods.empty()) {
      if (auto modified = members_.modify(dn, mods); !modified) {
        undoRename();
        return modified.error();
      }
    }
    if (scopedChange && (!scopedChange->addDns.empty() || !scopedChange->removeDns.empty())) {
      // Not read: the adds drop the placeholder if there is one.
      auto written =
          members_.write(dn, memberChange(dn, *scopedChange, Placeholder::Unknown), true);
      if (!written) return written.error();
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
    const MemberDiff diff{target->addDns, target->removeDns};
    const auto change =
        memberChange(dn, diff, target->placeholder ? Placeholder::Present : Placeholder::Absent);
    // Under If-Match the request is checked against its own read: it is not merged with others.
    auto after = members_.write(dn, change, !csn.empty());
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

  static MemberChange memberChange(const std::string& dn, const MemberDiff& diff,
                                   Placeholder placeholder) {
    return {diff.addDns, diff.removeDns, placeholder, "change members of group " + dn,
            "updating the group"};
  }

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
  MemberWriter& members_;
};

}  // namespace

namespace detail {

std::unique_ptr<GroupDirectory> makeGroupDirectory(std::shared_ptr<Context> context) {
  return std::make_unique<LdapGroupDirectory>(std::move(context));
}

}  // namespace detail

}  // namespace scimgate::ldap
