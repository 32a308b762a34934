#include "scim/text.h"

#include <cstdio>

namespace scimgate::scim {
namespace {

// The length of the well-formed UTF-8 sequence at `at`, or 0 when the bytes there are not one.
std::size_t sequenceLength(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[at + k]);
    if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return 0;
  }
  return length;
}

std::string hexByte(unsigned char byte) {
  char out[8];
  std::snprintf(out, sizeof out, "\\x%02X", byte);
  return out;
}

bool isControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

}  // namespace

std::optional<std::size_t> invalidUtf8At(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = sequenceLength(text, at);
    if (length == 0) return at;
    at += length;
  }
  return std::nullopt;
}

std::string escapeInvalidUtf8(std::string_view text) {
  if (!invalidUtf8At(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = sequenceLength(text, at);
    if (length == 0) {
      out += hexByte(static_cast<unsigned char>(text[at]));
      ++at;
      continue;
    }
    out.append(text.substr(at, length));
    at += length;
  }
  return out;
}

Result<void> checkText(const std::string& path, std::string_view text, TextKind kind) {
  if (auto bad = invalidUtf8At(text)) {
    return makeError(ErrorKind::InvalidValue, "attribute '" + path + "' is not valid UTF-8 (byte " +
                                                  hexByte(static_cast<unsigned char>(text[*bad])) +
                                                  " at offset " + std::to_string(*bad) + ")");
  }
  for (std::size_t at = 0; at < text.size(); ++at) {
    const auto c = static_cast<unsigned char>(text[at]);
    if (!isControl(c)) continue;
    if (kind == TextKind::MultiLine && (c == '\t' || c == '\n' || c == '\r')) continue;
    char code[8];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned int>(c));
    return makeError(ErrorKind::InvalidValue,
                     "attribute '" + path + "' must not contain the control character " + code +
                         " (at offset " + std::to_string(at) + ")" +
                         (kind == TextKind::MultiLine
                              ? std::string("; only tab, line feed and carriage return may appear")
                              : std::string("; it is a single-line value")));
  }
  return {};
}

}  // namespace scimgate::scim
