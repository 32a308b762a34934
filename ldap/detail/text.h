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

}  // namespace scimgate::ldap::detail
