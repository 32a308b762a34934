#pragma once
// The directory-wide lock of changes that may take Administrators away. Internal to ldap/.

#include <memory>

#include "ldap/detail/containers.h"
#include "ldap/detail/pool.h"
#include "ldap/directory.h"

namespace scimgate::ldap::detail {

/// Takes the lock: adds the entry cn=scimgate-administrators-lock under the roles container,
/// which only one writer can do (alreadyExists for the others, who wait and try again). The lease
/// deletes it. A lock left by a gateway that died is broken once it has expired (30 s), with an
/// Assertion on its entryCSN so that two breakers cannot both take it. Unavailable when it stays
/// taken for 5 s.
Result<std::unique_ptr<HeldLock>> lockAdministrators(Pool& pool, const Containers& containers);

}  // namespace scimgate::ldap::detail
