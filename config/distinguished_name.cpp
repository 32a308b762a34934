#include "config/distinguished_name.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

namespace scimgate::config {
namespace {

// RFC 4514 escaping of one attribute value (decoded).
std::string escapeValue(const std::string& value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool edge = (i == 0 && (c == ' ' || c == '#')) || (i + 1 == value.size() && c == ' ');
    if (edge || std::strchr(",+\"\\<>;", c) != nullptr) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// One "type=value" with blanks around '=' dropped and the value decoded (backslash escapes, hex
// pairs, or a quoted string); nullopt when it is not one.
std::optional<std::string> canonicalAttribute(std::string_view text) {
  const auto trim = [](std::string_view part) {
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ' &&
           (part.size() < 2 || part[part.size() - 2] != '\\'))
      part.remove_suffix(1);
    return part;
  };
  const auto equals = text.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  const std::string_view type = trim(text.substr(0, equals));
  std::string_view raw = trim(text.substr(equals + 1));
  if (type.empty() || raw.empty()) return std::nullopt;
  for (const char c : type) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return std::nullopt;
  }
  std::string value;
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
    value = std::string(raw.substr(1, raw.size() - 2));
  } else {
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        value.push_back(raw[i]);
        continue;
      }
      if (i + 1 >= raw.size()) return std::nullopt;
      if (i + 2 < raw.size() && std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
          std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
        value.push_back(
            static_cast<char>(std::stoi(std::string(raw.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
      } else {
        value.push_back(raw[++i]);
      }
    }
  }
  std::string upperType(type);
  for (auto& c : upperType) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upperType + "=" + escapeValue(value);
}

// Splits at `separator` outside backslash escapes and quotes.
std::vector<std::string_view> splitName(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      quoted = !quoted;
    } else if (text[i] == separator && !quoted) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

}  // namespace

std::optional<std::string> canonicalSubject(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.rfind("subject=", 0) == 0) text.remove_prefix(8);
  if (text.empty()) return std::nullopt;
  // openssl's forms list the most significant name first ("/C=x/O=y/CN=z", "C = x, O = y,
  // CN = z"); RFC 4514 lists it last. openssl's own form has blanks around '='.
  std::vector<std::string_view> rdns;
  bool mostSignificantFirst = false;
  if (text.front() == '/') {
    rdns = splitName(text.substr(1), '/');
    mostSignificantFirst = true;
  } else {
    rdns = splitName(text, ',');
    mostSignificantFirst = text.find(" = ") != std::string_view::npos;
  }
  if (mostSignificantFirst) std::reverse(rdns.begin(), rdns.end());
  std::string canonical;
  for (const auto rdn : rdns) {
    std::string joined;
    for (const auto attribute : splitName(rdn, '+')) {
      auto one = canonicalAttribute(attribute);
      if (!one) return std::nullopt;
      joined += (joined.empty() ? "" : "+") + *one;
    }
    canonical += (canonical.empty() ? "" : ",") + joined;
  }
  return canonical;
}

}  // namespace scimgate::config
