#include "ldap/detail/containers.h"

#include "scim/schema.h"

namespace scimgate::ldap::detail {

bool isUnder(std::string_view dn, std::string_view container) {
  if (dn.size() <= container.size() + 1) return false;
  return dn[dn.size() - container.size() - 1] == ',' &&
         scim::equalsIgnoreCase(dn.substr(dn.size() - container.size()), container);
}

Containers::Containers(const Settings& settings)
    : base(settings.baseDn),
      people(settings.peopleDn),
      groups("ou=groups," + settings.baseDn),
      roles(settings.rolesDn.empty() ? "ou=roles," + settings.baseDn : settings.rolesDn),
      queues("ou=queues," + settings.baseDn),
      accounts("ou=accounts," + settings.baseDn) {}

const std::string& Containers::of(scim::GroupKind kind) const {
  switch (kind) {
    case scim::GroupKind::Group:
      return groups;
    case scim::GroupKind::Role:
      return roles;
    case scim::GroupKind::Queue:
      return queues;
    case scim::GroupKind::Account:
      return accounts;
  }
  return groups;
}

scim::GroupKind Containers::kindOf(std::string_view dn) const {
  if (isUnder(dn, roles)) return scim::GroupKind::Role;
  if (isUnder(dn, queues)) return scim::GroupKind::Queue;
  if (isUnder(dn, accounts)) return scim::GroupKind::Account;
  return scim::GroupKind::Group;
}

}  // namespace scimgate::ldap::detail
