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

/// Active Directory: the sAMAccountName (pre-Windows 2000 logon name) for a userName: the part
/// before the first '@' (all of it when there is none), cut to AD's 20 characters, without
/// trailing dots. InvalidValue, saying why, when it holds a character AD refuses there
/// (" [ ] : ; | = + * ? < > / \ , or a control character) or nothing is left; also when userName
/// is longer than the 64 characters of the cn it names (the RDN).
scim::Result<std::string> accountNameFor(std::string_view userName);
/// The second choice when accountNameFor's is taken (two userNames alike in their first 20
/// characters, or in the part before '@'): its first 15 characters, '-' and 4 hex digits of a
/// hash of the whole userName, so the same userName always gets the same name.
std::string accountNameFallback(std::string_view userName, const std::string& first);

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
