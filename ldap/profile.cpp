#include "ldap/settings.h"

namespace scimgate::ldap {

std::optional<Profile> profileNamed(std::string_view name) {
  if (name == "openldap") return Profile{};
  if (name == "389ds") {
    Profile p;
    p.name = "389ds";
    p.idAttribute = "nsUniqueId";
    p.idForm = Profile::IdForm::NsUniqueId;
    p.versionAttribute = "entryUSN";  // the USN plugin: changes on every write of the entry
    p.assertionControl = false;       // 389 2.3 does not offer RFC 4528
    p.lockAttribute = "nsAccountLock";
    p.lockValue = "TRUE";
    p.lockoutAttributes = {"accountUnlockTime", "passwordRetryCount"};
    p.passwordSetAttribute = "pwdUpdateTime";  // passwordTrackUpdateTime: on
    p.passwordModifyOperation = false;         // 389 allows it only over TLS
    p.emptyGroupPlaceholder = false;           // 389's groupOfNames may hold no member
    p.valuesReturnFilter = false;
    return p;
  }
  return std::nullopt;
}

}  // namespace scimgate::ldap
