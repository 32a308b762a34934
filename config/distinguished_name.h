#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scimgate::config {

/// A distinguished name as certificate subjects are compared: RFC 4514 order (most significant
/// last) and escaping, attribute types upper-case, no blanks around '=' and ','; nullopt when
/// `text` is not a distinguished name. Also takes what `openssl x509 -noout -subject` prints
/// ("subject=C = x, O = y, CN = z" or "/C=x/O=y/CN=z", most significant first), so an operator can
/// paste it. Values keep their case; compare two with a case-insensitive match.
std::optional<std::string> canonicalSubject(std::string_view text);

}  // namespace scimgate::config
