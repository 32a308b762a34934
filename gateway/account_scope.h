#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>

#include "ldap/group_directory.h"
#include "policy/permissions.h"

namespace scimgate::gateway {

// What a caller scoped to accounts (DESIGN 6) is shown of users and groups, and how its writes
// of a user's accounts leave other tenants alone.

/// Whether the account id is one of the principal's (compared without case).
bool inAccountsOf(const policy::Principal& principal, const std::string& accountId);

/// Removes from a user's JSON the accounts a scoped principal does not belong to: they are other
/// tenants' business. Unscoped principals see everything.
void hideOtherAccounts(const policy::Principal& principal, Poco::JSON::Object& user);

/// What a scoped principal writes as a user's accounts replaces only its own: the user's other
/// accounts, which it was not shown, are added back to `after` (so a read-modify-PUT does not try
/// to remove them). Nothing changes when `after` states no accounts.
void keepOtherAccounts(const policy::Principal& principal, const Poco::JSON::Object& before,
                       Poco::JSON::Object& after);

/// What a scoped principal sees of groups and their members; nullopt for an unscoped one.
std::optional<ldap::AccountScope> groupScopeOf(const policy::Principal& principal);

}  // namespace scimgate::gateway
