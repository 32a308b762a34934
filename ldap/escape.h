#pragma once

#include <string>
#include <string_view>

namespace scimgate::ldap {

/// Escapes an attribute value for use in a DN (RFC 4514 2.4): `, + " \ < > ;` and `=` are
/// backslash-escaped, a leading space or `#` and a trailing space are escaped, NUL and other
/// control bytes become `\XX`. UTF-8 passes through unchanged.
std::string escapeDnValue(std::string_view value);

/// Escapes an assertion value for use in a search filter (RFC 4515 3): `*`, `(`, `)`, `\` and NUL
/// become `\2a`, `\28`, `\29`, `\5c`, `\00`. UTF-8 passes through unchanged.
std::string escapeFilterValue(std::string_view value);

/// Builds `attr=value` with the value escaped (RFC 4514), ready to prefix a parent DN.
std::string makeRdn(std::string_view attribute, std::string_view value);

}  // namespace scimgate::ldap
