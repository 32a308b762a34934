#pragma once
// Where the directory keeps users and each kind of group: one set of container DNs for the user
// and group directories. Internal to ldap/.

#include <string>
#include <string_view>

#include "ldap/settings.h"
#include "scim/group.h"

namespace scimgate::ldap::detail {

/// Whether `dn` names an entry below `container`: its last RDNs are `container`, compared
/// without case (as configured: DNs are not normalised).
bool isUnder(std::string_view dn, std::string_view container);

struct Containers {
  explicit Containers(const Settings& settings);

  std::string base;      // the suffix: searches for any user or group start here
  std::string people;    // users
  std::string groups;    // kind group
  std::string roles;     // kind role: cn=<role name>
  std::string queues;    // kind queue
  std::string accounts;  // kind account

  const std::string& of(scim::GroupKind kind) const;
  /// The kind of the groups kept in the container `dn` is under (Group when none).
  scim::GroupKind kindOf(std::string_view dn) const;
};

}  // namespace scimgate::ldap::detail
