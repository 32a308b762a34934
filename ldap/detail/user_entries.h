#pragma once
// Reading users: their entries and their SCIM form with memberships. Internal to ldap/.

#include <ldap.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/detail/context.h"
#include "ldap/detail/util.h"
#include "ldap/mapping.h"
#include "scim/user.h"

namespace scimgate::ldap::detail {

/// Reads of user entries through the mapping.
class UserEntries {
 public:
  UserEntries(Context& context, UserMapping mapping);

  const UserMapping& mapping() const { return mapping_; }
  /// Every LDAP attribute a user needs: the mapping's, and the status bookkeeping (lock,
  /// password-set time), memberOf and cn.
  const std::vector<std::string>& readAttributes() const { return readAttributes_; }

  /// The users `filter` finds under `base`; more than `sizeLimit` (0: any number) is TooMany.
  Result<std::vector<RawEntry>> search(const std::string& base, int scope,
                                       const std::string& filter, int sizeLimit);
  const Profile& profile() const { return profile_; }
  /// The user with this id (the profile's id attribute); NotFound when there is none.
  Result<RawEntry> findEntry(std::string_view id);
  /// findEntry, and the entry kept for this thread (its last few reads) for `recall`.
  Result<RawEntry> read(std::string_view id);
  /// The entry this thread last read for the user with `read`, if it is at the version `csn`
  /// (the profile's version attribute); it is forgotten either way. None when there is no such
  /// read.
  std::optional<RawEntry> recall(std::string_view id, const std::string& csn);
  /// The entry at `dn`, just written; NotFound when it vanished.
  Result<RawEntry> readByDn(const std::string& dn);

  /// A user as SCIM sees it, with its memberships (groups, roles, queues, accounts); a pooled
  /// connection is taken only when a group's name is not kept.
  Result<scim::User> toUser(const RawEntry& entry);
  /// Users with their memberships: the groups' DNs come from memberOf (memberof overlay); the
  /// ids, names and kinds of those not kept in GroupNames come from one search for the whole
  /// page, on `ld`, or on a pooled connection when `ld` is null.
  std::vector<scim::User> toUsers(LDAP* ld, const std::vector<RawEntry>& entries);

 private:
  scim::User toPlainUser(const RawEntry& entry) const;

  Pool& pool_;
  const Profile& profile_;
  const Containers& containers_;
  GroupNames& groupNames_;
  const std::uint64_t instance_;  // tells this reader's kept reads from another's
  UserMapping mapping_;
  std::vector<std::string> readAttributes_;
};

}  // namespace scimgate::ldap::detail
