#include "ldap/escape.h"

#include <cctype>
#include <cstdint>

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

namespace {

// Characters (code points) of UTF-8 text; a continuation byte does not start one.
bool startsCharacter(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

std::size_t characters(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) count += startsCharacter(c) ? 1 : 0;
  return count;
}

}  // namespace

scim::Result<std::string> accountNameFor(std::string_view userName) {
  constexpr std::size_t kMaxCn = 64;
  constexpr std::size_t kMaxAccountName = 20;
  const std::string given(userName);
  if (characters(userName) > kMaxCn) {
    return scim::makeError(scim::ErrorKind::InvalidValue,
                           "userName '" + given + "' is too long for Active Directory: " +
                               std::to_string(characters(userName)) +
                               " characters, at most 64 (the cn of the account)");
  }
  const std::string_view local = userName.substr(0, userName.find('@'));
  for (const char c : local) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F ||
        std::string_view("\"[]:;|=+*?<>/\\,").find(c) != std::string_view::npos) {
      const std::string shown =
          byte < 0x20 || byte == 0x7F ? "a control character" : "'" + std::string(1, c) + "'";
      return scim::makeError(scim::ErrorKind::InvalidValue,
                             "userName '" + given +
                                 "' cannot name an Active Directory account: its logon name " +
                                 "(sAMAccountName, the part before '@') may not contain " + shown +
                                 "; AD refuses \" [ ] : ; | = + * ? < > / \\ and ,");
    }
  }
  std::string account;
  std::size_t count = 0;
  for (std::size_t i = 0; i < local.size(); ++i) {
    if (startsCharacter(local[i]) && ++count > kMaxAccountName) break;
    account += local[i];
  }
  while (!account.empty() && (account.back() == '.' || account.back() == ' ')) account.pop_back();
  if (account.empty()) {
    return scim::makeError(scim::ErrorKind::InvalidValue,
                           "userName '" + given + "' cannot name an Active Directory account: " +
                               "nothing is left for its logon name (sAMAccountName) before '@'");
  }
  return account;
}

std::string accountNameFallback(std::string_view userName, const std::string& first) {
  std::uint32_t hash = 2166136261u;  // FNV-1a over the lower-case userName
  for (const char c : userName) {
    hash ^= static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(c)));
    hash *= 16777619u;
  }
  std::string name;
  std::size_t count = 0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (startsCharacter(first[i]) && ++count > 15) break;
    name += first[i];
  }
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.pop_back();
  static const char digits[] = "0123456789abcdef";
  name += '-';
  for (int shift = 12; shift >= 0; shift -= 4) name += digits[(hash >> shift) & 0xF];
  return name;
}

std::string makeRdn(std::string_view attribute, std::string_view value) {
  std::string rdn(attribute);
  rdn += '=';
  rdn += escapeDnValue(value);
  return rdn;
}

}  // namespace scimgate::ldap
