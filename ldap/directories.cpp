#include <stdexcept>

#include "ldap/detail/context.h"
#include "ldap/directory.h"

namespace scimgate::ldap {

Directories makeLdapDirectories(const Settings& settings, Faults faults) {
  auto mapping = UserMapping::create(
      settings.userMapping.empty() ? defaultUserMapping(settings.profile) : settings.userMapping,
      settings.profile);
  if (!mapping) throw std::invalid_argument(mapping.error().detail);
  auto context = std::make_shared<detail::Context>(settings, std::move(faults));
  return {detail::makeUserDirectory(context, std::move(*mapping)),
          detail::makeGroupDirectory(context)};
}

}  // namespace scimgate::ldap
