#include "ldap/detail/text.h"
#include "ldap/escape.h"
#include "ldap/settings.h"

namespace scimgate::ldap {
namespace {

std::string hexDigits(std::string_view text) {
  std::string hex;
  for (char c : detail::lower(text)) {
    if (c != '-') hex += c;
  }
  return hex;
}

}  // namespace

std::string Profile::idFromDirectory(std::string_view value) const {
  const std::string hex = hexDigits(value);
  if (idForm == IdForm::NsUniqueId && hex.size() == 32) {
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20);
  }
  return detail::lower(value);
}

std::string Profile::filterForId(std::string_view id) const {
  if (!detail::isUuid(id)) return {};
  std::string value = detail::lower(id);
  if (idForm == IdForm::NsUniqueId) {
    const std::string hex = hexDigits(id);
    value =
        hex.substr(0, 8) + "-" + hex.substr(8, 8) + "-" + hex.substr(16, 8) + "-" + hex.substr(24);
  }
  return "(" + idAttribute + "=" + escapeFilterValue(value) + ")";
}

std::string Profile::versionFrom(
    const std::function<std::string(const std::string&)>& firstValue) const {
  std::string version = firstValue(versionAttribute);
  if (!versionAlso.empty()) version += "/" + firstValue(versionAlso);
  return version;
}

std::string Profile::filterForVersion(const std::string& version) const {
  if (versionAlso.empty()) return "(" + versionAttribute + "=" + escapeFilterValue(version) + ")";
  const auto slash = version.rfind('/');
  const std::string first = slash == std::string::npos ? version : version.substr(0, slash);
  const std::string also = slash == std::string::npos ? "" : version.substr(slash + 1);
  return "(&(" + versionAttribute + "=" + escapeFilterValue(first) + ")(" + versionAlso + "=" +
         escapeFilterValue(also) + "))";
}

std::vector<std::string> Profile::versionAttributes() const {
  if (versionAlso.empty()) return {versionAttribute};
  return {versionAttribute, versionAlso};
}

std::optional<Profile> profileNamed(std::string_view name) {
  if (name == "openldap") return Profile{};
  if (name == "389ds") {
    Profile p;
    p.name = "389ds";
    p.idAttribute = "nsUniqueId";
    p.idForm = Profile::IdForm::NsUniqueId;
    // entryUSN (the USN plugin) can repeat or go back after a failed write (389 2.3, upstream
    // issue 6250), modifyTimestamp has one-second steps: together they tell versions apart.
    p.versionAttribute = "modifyTimestamp";
    p.versionAlso = "entryUSN";
    p.assertionControl = false;  // 389 2.3 does not offer RFC 4528
    p.lockAttribute = "nsAccountLock";
    p.lockValue = "TRUE";
    p.lockoutAttributes = {"accountUnlockTime", "passwordRetryCount"};
    p.passwordSetAttribute = "pwdUpdateTime";  // passwordTrackUpdateTime: on
    p.passwordModifyOperation = false;         // 389 allows it only over TLS
    p.emptyGroupPlaceholder = false;           // 389's groupOfNames may hold no member
    p.sortOrderingRules = false;
    return p;
  }
  return std::nullopt;
}

}  // namespace scimgate::ldap
