#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace scimgate::policy::detail {

/// ASCII case-insensitive equality (role, operation and attribute names, email addresses).
inline bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace scimgate::policy::detail
