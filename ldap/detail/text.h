#pragma once
// Text helpers shared inside ldap/ (no libldap). Internal to ldap/.

#include <cctype>
#include <string>
#include <string_view>

namespace scimgate::ldap::detail {

/// ASCII lower case: for ids (hex), DNs as keys, kind and status names.
inline std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// RFC 4122 textual form: anything else cannot be a SCIM id and is simply not found.
inline bool isUuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : std::isxdigit(static_cast<unsigned char>(id[i])) == 0) return false;
  }
  return true;
}

}  // namespace scimgate::ldap::detail
