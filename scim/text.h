#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "scim/result.h"

namespace scimgate::scim {

/// Whether a string value may span lines. RFC 7643 4.1.2 lets an address's `formatted` and
/// `streetAddress` contain newlines; every other string is one line.
enum class TextKind { SingleLine, MultiLine };

/// Checks a string value before it is written anywhere: InvalidValue naming `path` when it is not
/// valid UTF-8 or holds a control character (any of U+0000-U+001F and U+007F in single-line text;
/// in multi-line text all of them but TAB, LF and CR). The detail shows the character in U+
/// notation (e.g. U+0000) and its byte offset. Values are never truncated or cleaned: they are
/// taken whole or refused.
Result<void> checkText(const std::string& path, std::string_view text,
                       TextKind kind = TextKind::SingleLine);

/// The byte offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no
/// overlong forms, no surrogates, nothing above U+10FFFF), or nullopt when `text` is valid.
std::optional<std::size_t> invalidUtf8At(std::string_view text);

/// `text` with every byte that is not part of well-formed UTF-8 written as `\xHH` (upper-case
/// hex), so that it can be echoed in a JSON answer; valid text comes back unchanged.
std::string escapeInvalidUtf8(std::string_view text);

}  // namespace scimgate::scim
