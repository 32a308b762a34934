#include "ldap/escape.h"

namespace scimgate::ldap {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void appendHex(std::string& out, unsigned char c) {
  out += '\\';
  out += kHex[c >> 4];
  out += kHex[c & 0x0f];
}

}  // namespace

std::string escapeDnValue(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool first = i == 0;
    const bool last = i + 1 == value.size();
    switch (c) {
      case ',':
      case '+':
      case '"':
      case '\\':
      case '<':
      case '>':
      case ';':
      case '=':
        out += '\\';
        out += static_cast<char>(c);
        continue;
      default:
        break;
    }
    // RFC 4514 2.4: a leading space or '#', and a trailing space, must be escaped.
    if ((first && (c == ' ' || c == '#')) || (last && c == ' ')) {
      out += '\\';
      out += static_cast<char>(c);
      continue;
    }
    if (c < 0x20 || c == 0x7f) {
      appendHex(out, c);
      continue;
    }
    out += static_cast<char>(c);
  }
  return out;
}

std::string escapeFilterValue(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
      appendHex(out, c);
    } else {
      out += ch;
    }
  }
  return out;
}

scim::Result<void> checkRdnValue(std::string_view scimName, std::string_view value) {
  std::size_t length = 0;
  for (const char c : value) {
    // slapd's normalised DN writes RFC 4514 specials as \XX: three bytes each.
    length += std::string_view(",+\"\\<>;=").find(c) == std::string_view::npos ? 1 : 3;
  }
  if (length <= kMaxRdnValueBytes) return {};
  return scim::makeError(scim::ErrorKind::InvalidValue,
                         "attribute '" + std::string(scimName) +
                             "' is too long for the directory: " + std::to_string(length) +
                             " bytes, at most " + std::to_string(kMaxRdnValueBytes) +
                             " (UTF-8; each of , + \" \\ < > ; = counts as 3)");
}

std::string makeRdn(std::string_view attribute, std::string_view value) {
  std::string rdn(attribute);
  rdn += '=';
  rdn += escapeDnValue(value);
  return rdn;
}

}  // namespace scimgate::ldap
