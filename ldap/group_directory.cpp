#include "ldap/group_directory.h"

#include <ldap.h>

#include <functional>
#include <optional>

#include "ldap/detail/containers.h"
#include "ldap/detail/context.h"
#include "ldap/detail/group_entries.h"
#include "ldap/detail/members.h"
#include "ldap/detail/pool.h"
#include "ldap/detail/scope.h"
#include "ldap/detail/sorted_page.h"
#include "ldap/detail/util.h"
#include "ldap/escape.h"

namespace scimgate::ldap {
namespace {

using namespace detail;
using scim::GroupKind;
using scim::GroupView;

class LdapGroupDirectory final : public GroupDirectory {
 public:
  explicit LdapGroupDirectory(std::shared_ptr<Context> context)
      : context_(std::move(context)),
        pool_(context_->pool),
        containers_(context_->containers),
        members_(context_->members),
        entries_(*context_) {}

  Result<GroupView> findGroup(std::string_view id, bool withMembers,
                              const AccountScope* scope) override {
    auto filters = scopeFilters(scope);
    if (!filters) return filters.error();
    auto entry = entries_.findEntry(id, filters->groups);
    if (!entry) return entry.error();
    return entries_.toView(*entry, withMembers, filters->members);
  }

  Result<GroupView> createGroup(const scim::GroupInput& group, const AccountScope* scope) override {
    auto filters = scopeFilters(scope);
    if (!filters) return filters.error();
    std::vector<std::string> memberDns;
    if (group.members) {
      auto dns = entries_.resolveMembers(idsOf(*group.members), false, filters->members);
      if (!dns) return dns.error();
      memberDns = std::move(*dns);
    }
    if (memberDns.empty() && pool_.settings().profile.emptyGroupPlaceholder)
      memberDns.push_back(kPlaceholder);
    if (auto fits = checkRdnValue("displayName", group.displayName); !fits) return fits.error();
    const std::string dn = makeRdn("cn", group.displayName) + "," + containers_.of(group.kind);
    std::vector<std::pair<std::string, std::vector<std::string>>> attributes = {
        {"objectClass", pool_.settings().profile.groupObjectClasses},
        {"cn", {group.displayName}},
        {"scimgateGroupKind", {std::string(scim::toString(group.kind))}},
        {"member", memberDns},
    };
    if (group.externalId && !group.externalId->empty()) {
      attributes.push_back({"scimgateExternalId", {*group.externalId}});
    }
    auto added = withConnection<void>(false, [&](LDAP* ld) -> Result<void> {
      std::vector<Change> changes;
      for (const auto& [name, values] : attributes) {
        if (!values.empty()) changes.push_back({LDAP_MOD_ADD, name, values});  // no member: none
      }
      ModList mods(changes);
      const int rc = counted(OpKind::Add, [&] {
        // A group made again under a DN another had: its kept name must go.
        context_->groupNames.forget(dn);
        return ldap_add_ext_s(ld, dn.c_str(), mods.get(), nullptr, nullptr);
      });
      if (rc == LDAP_SUCCESS) return {};
      if (rc == LDAP_ALREADY_EXISTS || rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness, "a " + std::string(scim::toString(group.kind)) +
                                                    " named '" + group.displayName + "' exists");
      }
      return errorFromLdap(rc, "creating the group");
    });
    if (!added) return added.error();
    auto entry = entries_.readBase(dn);
    if (!entry) return entry.error();
    return entries_.toView(*entry, true, filters->members);
  }

  Result<GroupView> replaceGroup(std::string_view id, const scim::GroupInput& group,
                                 std::string_view ifMatch, const AccountScope* scope) override {
    auto filters = scopeFilters(scope);
    if (!filters) return filters.error();
    auto entry = entries_.findEntry(id, filters->groups);
    if (!entry) return entry.error();
    if (auto same = matchesVersion(profile(), entry->attributes, csnFromEtag(ifMatch), "group");
        !same) {
      return same.error();
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
      auto dns = entries_.resolveMembers(idsOf(*group.members));
      if (!dns) {
        undoRename();
        return dns.error();
      }
      if (dns->empty() && profile().emptyGroupPlaceholder) dns->push_back(kPlaceholder);
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
    auto now = entries_.readBase(dn);
    if (!now) return now.error();
    return entries_.toView(*now, true, filters->members);
  }

  Result<void> deleteGroup(std::string_view id, std::string_view ifMatch) override {
    auto entry = entries_.findEntry(id);
    if (!entry) return entry.error();
    const std::string csn = csnFromEtag(ifMatch);
    // With the Assertion control the directory checks it atomically with the delete.
    if (!profile().assertionControl) {
      if (auto same = matchesVersion(profile(), entry->attributes, csn, "group"); !same) {
        return same.error();
      }
    }
    return withConnection<void>(false, [&](LDAP* ld) -> Result<void> {
      ControlPtr assertion;
      auto controls = writeControls(ld, profile(), csn, assertion);
      if (!controls) return controls.error();
      const int rc = counted(OpKind::Delete, [&] {
        return ldap_delete_ext_s(ld, entry->dn.c_str(), controls->data(), nullptr);
      });
      context_->groupNames.forget(entry->dn);
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
    request.filter = "(&" + profile().groupFilter() + filters->groups;
    if (query.filter != nullptr) {
      auto translated = groupFilter(*query.filter, filters->members, entries_);
      if (!translated) return translated.error();
      request.filter += *translated;
    }
    request.filter += ")";
    request.key = SortKey{"cn", "caseIgnoreOrderingMatch"};
    if (query.sortBy) {
      auto chosen = groupSortKey(*query.sortBy, profile());
      if (!chosen) return chosen.error();
      request.key = *chosen;
    }
    request.descending = query.descending;
    request.startIndex = query.startIndex;
    request.count = query.count;
    request.attributes = groupAttributes(profile());
    request.what = "groups";
    auto found = withConnection<RawPage>(
        true, [&](LDAP* ld) -> Result<RawPage> { return searchSortedPage(ld, pool_, request); });
    if (!found) return found.error();
    GroupPage page;
    page.totalResults = found->totalResults;
    for (const auto& entry : found->entries) {
      auto view = entries_.toView(entry, query.withMembers, filters->members);
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
    auto target = entries_.findForMemberChange(id, add, remove, *filters);
    if (!target) return target.error();
    if (beforeWrite) {
      auto group = entries_.toView(target->group, false);
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
    if (auto same = matchesVersion(profile(), target->group.attributes, csn, "group"); !same) {
      return same.error();
    }
    if (target->addDns.empty() && target->removeDns.empty())
      return entries_.toView(target->group, false);
    const MemberDiff diff{target->addDns, target->removeDns};
    const auto change =
        memberChange(dn, diff, target->placeholder ? Placeholder::Present : Placeholder::Absent);
    // Under If-Match the request is checked against its own read: it is not merged with others.
    auto after = members_.write(dn, change, !csn.empty());
    if (!after) return after.error();
    if (!*after) return entries_.toView(target->group, false);  // nothing changed since the read
    return entries_.toView(**after, false);
  }

 private:
  const Profile& profile() const { return pool_.settings().profile; }
  Result<ScopeFilters> scopeFilters(const AccountScope* scope) {
    return detail::scopeFilters(pool_, containers_, scope ? &scope->accounts : nullptr,
                                scope ? scope->alsoUserId : std::string());
  }

  // Renames the group entry to cn=displayName in its container; the new DN.
  Result<std::string> rename(const std::string& dn, const std::string& displayName) {
    if (auto fits = checkRdnValue("displayName", displayName); !fits) return fits.error();
    return withConnection<std::string>(false, [&](LDAP* ld) -> Result<std::string> {
      const std::string rdn = makeRdn("cn", displayName);
      // A rename (modifyDN) is counted as a modify.
      const int rc = counted(OpKind::Modify, [&] {
        return ldap_rename_s(ld, dn.c_str(), rdn.c_str(), nullptr, 1, nullptr, nullptr);
      });
      context_->groupNames.forget(dn);
      if (rc == LDAP_ALREADY_EXISTS || rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness, "displayName '" + displayName + "' is taken");
      }
      if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "renaming the group");
      std::string renamed = rdn + dn.substr(dn.find(','));
      context_->groupNames.forget(renamed);
      return renamed;
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
    auto current = entries_.readMembers(dn, visible);
    if (!current) return current.error();
    const auto [plus, minus] = scim::memberDiff(*current, wanted);
    MemberDiff diff;
    auto added = entries_.resolveMembers(plus, false, visible);
    if (!added) return added.error();
    auto removed = entries_.resolveMembers(minus, true, visible);
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

  std::shared_ptr<Context> context_;
  Pool& pool_;
  const Containers& containers_;
  MemberWriter& members_;
  GroupEntries entries_;
};

}  // namespace

namespace detail {

std::unique_ptr<GroupDirectory> makeGroupDirectory(std::shared_ptr<Context> context) {
  return std::make_unique<LdapGroupDirectory>(std::move(context));
}

}  // namespace detail

}  // namespace scimgate::ldap
