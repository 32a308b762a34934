#pragma once
// A caller's account scope (DESIGN 6) as LDAP filters, for user and group reads alike. Internal
// to ldap/.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ldap/detail/containers.h"
#include "ldap/detail/pool.h"
#include "scim/result.h"

namespace scimgate::ldap::detail {

/// What a caller scoped to accounts sees, as LDAP filters; all "" for an unscoped caller.
struct ScopeFilters {
  /// The groups it sees: those that say their kind and are not accounts, and its own accounts. A
  /// group without a kind (made outside the gateway) is not shown: its kind cannot be told by a
  /// filter.
  std::string groups;
  /// The users it sees: members of its accounts, and the one extra user. Matches nothing when
  /// neither exists.
  std::string users;
  /// The entries it sees as members of a group: those users and the groups it sees.
  std::string members;
};

/// The filters for a caller scoped to the account groups with the ids `accounts` (plus the user
/// `alsoUserId`); none (every filter "") when `accounts` is null. Ids that name no account group
/// are left out.
scim::Result<ScopeFilters> scopeFilters(Pool& pool, const Containers& containers,
                                        const std::set<std::string>* accounts,
                                        const std::string& alsoUserId);

/// Lower-case id -> DN of the account groups with these ids, in one search. `strict`: an id that
/// is not a UUID is InvalidValue (naming it); otherwise such ids are skipped.
scim::Result<std::map<std::string, std::string>> accountDnsById(Pool& pool,
                                                                const Containers& containers,
                                                                const std::vector<std::string>& ids,
                                                                bool strict);

}  // namespace scimgate::ldap::detail
