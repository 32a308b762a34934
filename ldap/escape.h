#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "scim/result.h"

namespace scimgate::ldap {

/// The longest RDN value the gateway writes (userName as uid=..., a group's displayName as
/// cn=...), in bytes as the directory normalises it: UTF-8, with each of `, + " \ < > ; =` as
/// three (`\2C`). OpenLDAP 2.5 (mdb) answers "other error" (80) to a non-root add or rename
/// beyond 241 of them; README "Length limits".
inline constexpr std::size_t kMaxRdnValueBytes = 240;

/// InvalidValue naming `scimName` and the limit when `value` is longer than kMaxRdnValueBytes as
/// counted above: checked before an add or rename instead of letting the directory fail with 500.
scim::Result<void> checkRdnValue(std::string_view scimName, std::string_view value);

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
