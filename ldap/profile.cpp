#include <cstdlib>

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

// objectGUID's 16 bytes in GUID string order: the first three fields are little-endian.
constexpr int kGuidOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

}  // namespace

std::string Profile::idFromDirectory(std::string_view value) const {
  if (idForm == IdForm::Guid) {
    if (value.size() != 16) return {};
    static const char digits[] = "0123456789abcdef";
    std::string text;
    for (int i = 0; i < 16; ++i) {
      const auto byte = static_cast<unsigned char>(value[kGuidOrder[i]]);
      if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
      text += digits[byte >> 4];
      text += digits[byte & 0x0f];
    }
    return text;
  }
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
  if (idForm == IdForm::Guid) {
    // Every byte escaped (RFC 4515), in the order objectGUID keeps them.
    const std::string hex = hexDigits(id);
    std::string filter = "(" + idAttribute + "=";
    for (int i = 0; i < 16; ++i) {
      const int at = kGuidOrder[i];  // the permutation is its own inverse
      filter += "\\" + hex.substr(static_cast<std::size_t>(at) * 2, 2);
    }
    return filter + ")";
  }
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

bool Profile::isLocked(const std::string& value) const {
  if (lockBit == 0) return detail::lower(value) == detail::lower(lockValue);
  char* end = nullptr;
  const long long number = std::strtoll(value.c_str(), &end, 10);
  return !value.empty() && (number & lockBit) != 0;
}

std::vector<std::string> Profile::lockValues(const std::string& value, bool lock) const {
  if (lockBit == 0) return lock ? std::vector<std::string>{lockValue} : std::vector<std::string>{};
  // AD: a normal account (512) unless the entry says otherwise; only the lock bit changes.
  const long long number = value.empty() ? 512 : std::strtoll(value.c_str(), nullptr, 10);
  return {std::to_string(lock ? (number | lockBit) : (number & ~static_cast<long long>(lockBit)))};
}

bool Profile::hasPassword(const std::string& value) const { return !value.empty() && value != "0"; }

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
  if (name == "activedirectory") {
    Profile p;
    p.name = "activedirectory";
    p.idAttribute = "objectGUID";
    p.idForm = Profile::IdForm::Guid;
    p.versionAttribute = "uSNChanged";  // raised by every write that changes the entry
    p.assertionControl = false;         // AD has neither the Assertion nor the Post-Read control
    p.dnAttribute = "distinguishedName";
    p.createdAttribute = "whenCreated";  // stored: createTimeStamp is constructed on Windows
    p.modifiedAttribute = "whenChanged";
    p.userClass = "user";
    p.userObjectClasses = {"top", "person", "organizationalPerson", "user", "scimgateUser"};
    p.userRdnAttribute = "cn";
    p.deriveCn = false;
    p.accountNames = true;
    p.groupClass = "group";
    p.groupObjectClasses = {"top", "group", "scimgateGroup"};
    p.lockAttribute = "userAccountControl";
    p.lockValue.clear();
    p.lockBit = 2;  // ACCOUNTDISABLE
    p.lockUntilPassword = true;
    p.lockoutAttributes = {"lockoutTime"};
    p.lockoutClearValue = "0";
    p.passwordSetAttribute = "pwdLastSet";
    p.passwordModifyOperation = false;
    p.passwordAttribute = "unicodePwd";
    p.emptyGroupPlaceholder = false;
    p.sortOrderingRules = false;
    p.memberDuplicatesRefused = true;
    p.caseExactMatching = false;
    p.gatewayChecksMail = true;
    return p;
  }
  return std::nullopt;
}

}  // namespace scimgate::ldap
