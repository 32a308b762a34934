#pragma once
// Passwords through the Password Modify extended operation (RFC 3062): the server hashes them and
// applies its policy. Internal to ldap/.

#include <string>
#include <string_view>

#include "ldap/detail/pool.h"
#include "ldap/detail/util.h"

namespace scimgate::ldap::detail {

/// Sets the password of the entry `dn` as the gateway's service account: an administrator's
/// reset. InvalidValue with the directory's reason when it refuses the password.
Result<void> resetPassword(Pool& pool, const std::string& dn, const std::string& password);

/// The user `dn` changes their own password, on a connection bound as them with `current`, so
/// the directory applies its policy for users. See Directory::changeOwnPassword.
Result<void> changeOwnPassword(Pool& pool, const std::string& dn, std::string_view current,
                               std::string_view next);

}  // namespace scimgate::ldap::detail
