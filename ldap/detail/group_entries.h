#pragma once
// Reading groups: their entries, members and SCIM view, user and group ids as DNs, and SCIM
// filters and sort keys on groups in LDAP terms. Internal to ldap/.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/detail/context.h"
#include "ldap/detail/scope.h"
#include "ldap/detail/sorted_page.h"
#include "ldap/detail/util.h"
#include "scim/filter.h"
#include "scim/group.h"

namespace scimgate::ldap::detail {

/// What a member change needs of the directory (GroupEntries::findForMemberChange).
struct MemberChangeTarget {
  RawEntry group;
  bool placeholder = false;  // the group holds the empty-group placeholder value
  std::vector<std::string> addDns, removeDns;
  std::optional<scim::Error> invalid;  // a member to add that is not a known id
};

/// Reads of group entries (never their member values: members are read through memberOf).
class GroupEntries {
 public:
  explicit GroupEntries(Context& context);

  const Profile& profile() const { return profile_; }

  /// The group with this id; NotFound when there is none or it does not match `visible` (an
  /// LDAP filter; "" = any).
  Result<RawEntry> findEntry(std::string_view id, const std::string& visible = "");
  /// The group at `dn`; NotFound when it is gone.
  Result<RawEntry> readBase(const std::string& dn);
  /// What changeMembers needs, in one search (or one per 200 ids): the group with its attributes
  /// and, for an add, through a ValuesReturnFilter, its placeholder value if it has one (never
  /// its other member values), plus the users and groups to add and remove. NotFound as
  /// findEntry; a member to add that is unknown is `invalid` (InvalidValue) in the result;
  /// unknown ids to remove are skipped.
  Result<MemberChangeTarget> findForMemberChange(std::string_view id,
                                                 const std::vector<std::string>& add,
                                                 const std::vector<std::string>& remove,
                                                 const ScopeFilters& scope);
  /// SCIM ids (entryUUID) of users or groups -> their DNs, in one search (per 200). Unknown ids
  /// are InvalidValue unless `ignoreUnknown` (removing a non-member is not an error). `visible`,
  /// when set, is an LDAP filter the members must match (the caller's scope): others count as
  /// unknown.
  Result<std::vector<std::string>> resolveMembers(const std::vector<std::string>& ids,
                                                  bool ignoreUnknown = false,
                                                  const std::string& visible = "");
  /// Members through memberOf (indexed), read with the Simple Paged Results control so a
  /// 50,000-member group never needs one huge response. `visible`, when set, is an LDAP filter
  /// the members shown must match (the caller's scope).
  Result<std::vector<scim::GroupMember>> readMembers(const std::string& groupDn,
                                                     const std::string& visible = "");
  /// The group as SCIM shows it, with its members (those `visible` selects) when asked.
  Result<scim::GroupView> toView(const RawEntry& entry, bool withMembers,
                                 const std::string& visible = "");

 private:
  Result<std::vector<RawEntry>> search(const std::string& base, int scope,
                                       const std::string& filter, bool sizeOne);
  // `valuesFilter`: see SearchRequest.
  Result<std::vector<RawEntry>> search(const std::string& base, int scope,
                                       const std::string& filter, bool sizeOne,
                                       const std::vector<std::string>& attributes,
                                       const std::string& valuesFilter);

  Pool& pool_;
  const Profile& profile_;
  const Containers& containers_;
};

/// The LDAP sort key for a SCIM attribute of a Group; InvalidValue for one groups do not sort by.
Result<SortKey> groupSortKey(const scim::AttrPath& path, const Profile& profile);

/// An RFC 4515 filter for a SCIM filter on Groups (displayName, externalId, id, kind, meta.created,
/// meta.lastModified, members.value); InvalidFilter for anything else. `visible`: the caller's
/// member scope; a member outside it is a member of no group to it.
Result<std::string> groupFilter(const scim::Filter& filter, const std::string& visible,
                                GroupEntries& entries);

}  // namespace scimgate::ldap::detail
