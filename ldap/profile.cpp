#include <cctype>

#include "ldap/escape.h"
#include "ldap/settings.h"

namespace scimgate::ldap {
namespace {

std::string hexDigits(std::string_view text) {
  std::string hex;
  for (char c : text) {
    if (c != '-') hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return hex;
}

bool isUuidText(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : std::isxdigit(static_cast<unsigned char>(id[i])) == 0) return false;
  }
  return true;
}

}  // namespace

std::string Profile::idFromDirectory(std::string_view value) const {
  const std::string hex = hexDigits(value);
  if (idForm == IdForm::NsUniqueId && hex.size() == 32) {
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20);
  }
  std::string out(value);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Profile::filterForId(std::string_view id) const {
  if (!isUuidText(id)) return {};
  const std::string hex = hexDigits(id);
  std::string value = idFromDirectory(id);
  if (idForm == IdForm::NsUniqueId) {
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
