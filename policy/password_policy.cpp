#include "policy/password_policy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <system_error>

namespace scimgate::policy {
namespace {

std::size_t utf8Length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Simple case folding for the scripts names are most often written in. Every mapping below stays
// inside U+0080..U+07FF, so a two-byte sequence folds to a two-byte sequence.
char32_t foldCodePoint(char32_t cp) {
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;  // Latin-1: À..Þ except ×
  if ((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
      (cp >= 0x14A && cp <= 0x177)) {
    return cp | 1;  // Latin Extended-A pairs with the capital on the even code point
  }
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
    return (cp & 1) != 0 ? cp + 1 : cp;  // ... and the pairs with the capital on the odd one
  }
  if (cp == 0x178) return 0xFF;                                     // Ÿ
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;  // Greek capitals
  if (cp == 0x386) return 0x3AC;                                    // Greek capitals with tonos
  if (cp >= 0x388 && cp <= 0x38A) return cp + 0x25;
  if (cp == 0x38C) return 0x3CC;
  if (cp == 0x38E || cp == 0x38F) return cp + 0x3F;
  if (cp == 0x3C2) return 0x3C3;  // final sigma folds to sigma, as in Unicode case folding
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;  // Cyrillic А..Я
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;  // Cyrillic Ѐ..Џ
  return cp;
}

// Case-folded copy; bytes that are not ASCII letters or a foldable two-byte sequence (including
// invalid UTF-8) are copied unchanged.
std::string foldCase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out += static_cast<char>(std::tolower(lead));
      continue;
    }
    const bool twoByte = lead >= 0xC2 && lead <= 0xDF && i + 1 < text.size() &&
                         (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80;
    if (!twoByte) {
      out += text[i];
      continue;
    }
    const auto trail = static_cast<unsigned char>(text[i + 1]);
    const char32_t folded =
        foldCodePoint(static_cast<char32_t>(((lead & 0x1Fu) << 6) | (trail & 0x3Fu)));
    out += static_cast<char>(0xC0 | (folded >> 6));
    out += static_cast<char>(0x80 | (folded & 0x3F));
    ++i;
  }
  return out;
}

bool isNameDelimiter(char c) {
  return c == ' ' || c == '\t' || c == '-' || c == '.' || c == ',' || c == '_' || c == '#' ||
         c == '@';
}

// The strings the "not your name" rule looks for, already case-folded. Windows' complexity rule
// works the same way: tokens of the display name split at delimiters, tokens under three
// characters ignored (one- and two-letter parts such as "Al" would reject too much).
std::vector<std::string> namePartsOf(const PasswordContext& context) {
  std::vector<std::string> parts;
  const auto addWhole = [&parts](std::string_view part) {
    if (utf8Length(part) >= 3) parts.push_back(foldCase(part));
  };
  const auto addTokens = [&](std::string_view name) {
    std::size_t start = 0;
    while (start <= name.size()) {
      std::size_t end = start;
      while (end < name.size() && !isNameDelimiter(name[end])) ++end;
      addWhole(name.substr(start, end - start));
      start = end + 1;
    }
  };
  // The whole userName, and for "barbara.jensen@example.com" the local part and its tokens; not
  // the domain, whose tokens ("com") would reject ordinary words ("welcome").
  addWhole(context.userName);
  const std::string_view local =
      std::string_view(context.userName).substr(0, context.userName.find('@'));
  addWhole(local);
  addTokens(local);
  for (const std::string* name : {&context.givenName, &context.familyName, &context.displayName}) {
    addWhole(*name);
    addTokens(*name);
  }
  return parts;
}

bool isOnBlocklist(std::string_view password, const std::vector<std::string>& blocklist) {
  if (blocklist.empty()) return false;
  const std::string folded = foldCase(password);
  return std::any_of(blocklist.begin(), blocklist.end(), [&folded](const std::string& entry) {
    return entry.size() == folded.size() && foldCase(entry) == folded;
  });
}

bool isSchemeChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '+';
}

bool isCryptIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

std::string_view trimmed(std::string_view line) {
  const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!line.empty() && isSpace(line.front())) line.remove_prefix(1);
  while (!line.empty() && isSpace(line.back())) line.remove_suffix(1);
  return line;
}

}  // namespace

bool isPreHashedPassword(std::string_view password) {
  // RFC 3112 / OpenLDAP userPassword syntax: "{SCHEME}" followed by the encoded hash. slapd
  // would store such a value as it is, bypassing both its hashing and this policy.
  if (password.size() >= 3 && password.front() == '{') {
    const std::size_t close = password.find('}');
    if (close != std::string_view::npos && close >= 2) {
      const std::string_view scheme = password.substr(1, close - 1);
      if (std::all_of(scheme.begin(), scheme.end(), isSchemeChar)) return true;
    }
  }
  // crypt(3) modular format: "$id$..." (MD5 "$1$", bcrypt "$2b$", SHA-crypt "$5$"/"$6$",
  // yescrypt "$y$", Argon2 "$argon2id$").
  if (password.size() >= 3 && password.front() == '$') {
    const std::size_t close = password.find('$', 1);
    if (close != std::string_view::npos && close >= 2) {
      const std::string_view id = password.substr(1, close - 1);
      if (std::all_of(id.begin(), id.end(), isCryptIdChar)) return true;
    }
  }
  return false;
}

std::vector<std::string> unmetPasswordRules(std::string_view password, const PasswordRules& rules,
                                            const PasswordContext& context) {
  if (isPreHashedPassword(password)) return {std::string(kPreHashedRule)};

  std::vector<std::string> unmet;
  const std::size_t length = utf8Length(password);
  if (length < rules.minLength) {
    unmet.push_back("use at least " + std::to_string(rules.minLength) + " characters");
  }
  if (length > rules.maxLength) {
    unmet.push_back("use at most " + std::to_string(rules.maxLength) + " characters");
  }
  bool lowerSeen = false;
  bool upperSeen = false;
  bool digitSeen = false;
  bool specialSeen = false;
  for (char ch : password) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::islower(c)) {
      lowerSeen = true;
    } else if (std::isupper(c)) {
      upperSeen = true;
    } else if (std::isdigit(c)) {
      digitSeen = true;
    } else {
      specialSeen = true;  // punctuation, spaces and non-ASCII characters count as special
    }
  }
  if (rules.requireLower && !lowerSeen) unmet.push_back("include a lower-case letter");
  if (rules.requireUpper && !upperSeen) unmet.push_back("include an upper-case letter");
  if (rules.requireDigit && !digitSeen) unmet.push_back("include a digit");
  if (rules.requireSpecial && !specialSeen) {
    unmet.push_back("include a special character such as ! or #");
  }
  if (rules.rejectUserNameParts) {
    const std::string haystack = foldCase(password);
    const std::vector<std::string> parts = namePartsOf(context);
    if (std::any_of(parts.begin(), parts.end(), [&haystack](const std::string& part) {
          return haystack.find(part) != std::string::npos;
        })) {
      unmet.emplace_back(kNamePartRule);
    }
  }
  if (isOnBlocklist(password, rules.blocklist)) unmet.emplace_back(kBlocklistRule);
  return unmet;
}

bool isConfirmationMatching(std::string_view password, std::string_view confirmation) {
  // Both values come from the same person, but the compare costs nothing to make constant-time
  // and keeps this helper safe to reuse.
  unsigned char difference = password.size() == confirmation.size() ? 0 : 1;
  const std::size_t n = std::min(password.size(), confirmation.size());
  for (std::size_t i = 0; i < n; ++i) {
    difference |= static_cast<unsigned char>(password[i] ^ confirmation[i]);
  }
  return difference == 0;
}

std::vector<std::string> unmetPasswordChangeRules(std::string_view password,
                                                  std::string_view confirmation,
                                                  const PasswordRules& rules,
                                                  const PasswordContext& context) {
  std::vector<std::string> unmet = unmetPasswordRules(password, rules, context);
  if (!isConfirmationMatching(password, confirmation)) unmet.emplace_back(kConfirmationRule);
  return unmet;
}

PasswordBlocklistFile loadPasswordBlocklist(const std::filesystem::path& path) {
  PasswordBlocklistFile result;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    result.error = "cannot read the password blocklist " + path.string() + ": it is a directory";
    return result;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int code = errno != 0 ? errno : ENOENT;
    result.error = "cannot read the password blocklist " + path.string() + ": " +
                   std::generic_category().message(code);
    return result;
  }
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view entry = trimmed(line);
    if (!entry.empty()) result.entries.emplace_back(entry);
  }
  if (in.bad()) {
    result.entries.clear();
    result.error = "cannot read the password blocklist " + path.string() + ": read error";
  }
  return result;
}

}  // namespace scimgate::policy
