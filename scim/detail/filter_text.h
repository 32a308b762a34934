#pragma once

#include <cstddef>
#include <string_view>

// The characters of the filter language (RFC 7644 3.4.2.2), shared by the lexer, the parser and
// the evaluator. ASCII only, whatever the C locale says. Only scim/ includes this header.
namespace scimgate::scim::detail {

inline constexpr std::string_view kHexDigits = "0123456789abcdef";

inline char toLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (toLowerAscii(a[i]) != toLowerAscii(b[i])) return false;
  }
  return true;
}

inline bool isAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
inline bool isDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 7643 2.1: nameChar = "$" / "-" / "_" / DIGIT / ALPHA.
inline bool isNameChar(char c) {
  return isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '$';
}

}  // namespace scimgate::scim::detail
