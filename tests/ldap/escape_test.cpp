#include "ldap/escape.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ldap = scimgate::ldap;

namespace {

using namespace std::string_literals;

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// A strict RFC 4514 3 reading of one escaped attribute value: `\` followed by a special
/// character or two hex digits; unescaped specials, NUL, a bare leading space or '#' and a bare
/// trailing space are rejected (nullopt), so an escaper that forgets one is caught.
std::optional<std::string> unescapeDnValue(std::string_view text) {
  constexpr std::string_view kMustEscape = ",+\"\\<>;";
  constexpr std::string_view kEscapable = ",+\"\\<>; #=";
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) return std::nullopt;
      const char next = text[i + 1];
      if (kEscapable.find(next) != std::string_view::npos) {
        out += next;
        ++i;
        continue;
      }
      if (i + 2 >= text.size() || hexDigit(next) < 0 || hexDigit(text[i + 2]) < 0) {
        return std::nullopt;
      }
      out += static_cast<char>(hexDigit(next) * 16 + hexDigit(text[i + 2]));
      i += 2;
      continue;
    }
    if (c == '\0' || kMustEscape.find(c) != std::string_view::npos) return std::nullopt;
    if (i == 0 && (c == ' ' || c == '#')) return std::nullopt;
    if (i + 1 == text.size() && c == ' ') return std::nullopt;
    out += c;
  }
  return out;
}

/// RFC 4515 3: the assertion value of a filter, `\XX` only.
std::optional<std::string> unescapeFilterValue(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '*' || c == '(' || c == ')' || c == '\0') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i + 2 >= text.size() || hexDigit(text[i + 1]) < 0 || hexDigit(text[i + 2]) < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(hexDigit(text[i + 1]) * 16 + hexDigit(text[i + 2]));
    i += 2;
  }
  return out;
}

struct EscapeCase {
  std::string input;
  std::string expected;
};

/// Values a hostile or careless client could send as a userName.
const std::vector<std::string>& hostileValues() {
  static const std::vector<std::string> values = {
      ",",
      "+",
      "\"",
      "\\",
      "<",
      ">",
      ";",
      "=",
      "#",
      " ",
      "  ",
      "a,b=c+d",
      "uid=admin,ou=people,dc=example,dc=com",
      " leading",
      "trailing ",
      " both ",
      "#hash",
      "mid#dle",
      "nul\0byte"s,
      "\0"s,
      "tab\there\nnewline\rcr\x1f\x7f",
      "*)(uid=*",
      "*)(|(objectClass=*))",
      "\\2a\\28",
      "Zoë Çelik",
      "日本語ユーザー",
      "emoji-😀",
      "",
  };
  return values;
}

}  // namespace

TEST_CASE("DN value escaping backslash-escapes each RFC 4514 special character", "[ldap][escape]") {
  const std::vector<EscapeCase> cases = {
      {",", "\\,"},           {"+", "\\+"},
      {"\"", "\\\""},         {"\\", "\\\\"},
      {"<", "\\<"},           {">", "\\>"},
      {";", "\\;"},           {"=", "\\="},
      {"a,b", "a\\,b"},       {"Smith, John", "Smith\\, John"},
      {"a+b=c", "a\\+b\\=c"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(ldap::escapeDnValue(c.input) == c.expected);
  }
}

TEST_CASE("DN value escaping escapes a leading space or '#' and a trailing space only",
          "[ldap][escape]") {
  const std::vector<EscapeCase> cases = {
      {" alice", "\\ alice"}, {"alice ", "alice\\ "}, {" alice ", "\\ alice\\ "},
      {"al ice", "al ice"},   {" ", "\\ "},           {"  ", "\\ \\ "},
      {"   ", "\\  \\ "},     {"#alice", "\\#alice"}, {"al#ice", "al#ice"},
      {"alice#", "alice#"},   {"##", "\\##"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(ldap::escapeDnValue(c.input) == c.expected);
  }
}

TEST_CASE("DN value escaping turns NUL and control bytes into hex pairs", "[ldap][escape]") {
  const std::vector<EscapeCase> cases = {
      {"\0"s, "\\00"}, {"a\0b"s, "a\\00b"}, {"\t", "\\09"},   {"line\nbreak", "line\\0abreak"},
      {"\r", "\\0d"},  {"\x1f", "\\1f"},    {"\x7f", "\\7f"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(ldap::escapeDnValue(c.input) == c.expected);
  }
}

TEST_CASE("DN value escaping leaves UTF-8 and the empty string unchanged", "[ldap][escape]") {
  for (const std::string value : {"Zoë Çelik", "日本語ユーザー", "emoji-😀", "Ελληνικά", ""}) {
    CAPTURE(value);
    CHECK(ldap::escapeDnValue(value) == value);
  }
}

TEST_CASE("an escaped DN value reads back as the original value", "[ldap][escape]") {
  for (const auto& value : hostileValues()) {
    CAPTURE(value);
    const std::string escaped = ldap::escapeDnValue(value);
    CAPTURE(escaped);
    const auto unescaped = unescapeDnValue(escaped);
    REQUIRE(unescaped.has_value());
    CHECK(*unescaped == value);
  }
}

TEST_CASE("an escaped DN value cannot end the RDN or start another one", "[ldap][escape]") {
  for (const auto& value : hostileValues()) {
    CAPTURE(value);
    const std::string escaped = ldap::escapeDnValue(value);
    // Every ',', '+' and ';' in the result is preceded by an odd run of backslashes.
    for (std::size_t i = 0; i < escaped.size(); ++i) {
      if (escaped[i] != ',' && escaped[i] != '+' && escaped[i] != ';') continue;
      std::size_t backslashes = 0;
      for (std::size_t j = i; j > 0 && escaped[j - 1] == '\\'; --j) ++backslashes;
      CHECK(backslashes % 2 == 1);
    }
    CHECK(escaped.find('\0') == std::string::npos);
  }
}

TEST_CASE("makeRdn joins the attribute and the escaped value", "[ldap][escape]") {
  CHECK(ldap::makeRdn("uid", "bjensen") == "uid=bjensen");
  CHECK(ldap::makeRdn("uid", "admin,ou=people") == "uid=admin\\,ou\\=people");
  CHECK(ldap::makeRdn("cn", " #x ") == "cn=\\ #x\\ ");
  CHECK(ldap::makeRdn("uid", "") == "uid=");
}

TEST_CASE("filter value escaping hex-escapes the RFC 4515 special characters", "[ldap][escape]") {
  const std::vector<EscapeCase> cases = {
      {"*", "\\2a"},
      {"(", "\\28"},
      {")", "\\29"},
      {"\\", "\\5c"},
      {"\0"s, "\\00"},
      {"*)(uid=*", "\\2a\\29\\28uid=\\2a"},
      {"*)(|(objectClass=*))", "\\2a\\29\\28|\\28objectClass=\\2a\\29\\29"},
      {"a\0b"s, "a\\00b"},
      {"\\2a", "\\5c2a"},
      {"bjensen", "bjensen"},
      {"", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(ldap::escapeFilterValue(c.input) == c.expected);
  }
}

TEST_CASE("filter value escaping leaves DN specials, spaces and UTF-8 alone", "[ldap][escape]") {
  for (const std::string value : {",+\"<>;=#", " leading", "trailing ", "Zoë Çelik",
                                  "日本語ユーザー", "emoji-😀", "a&b|c!d"}) {
    CAPTURE(value);
    CHECK(ldap::escapeFilterValue(value) == value);
  }
}

TEST_CASE("an escaped filter value reads back as the original and holds no filter syntax",
          "[ldap][escape]") {
  for (const auto& value : hostileValues()) {
    CAPTURE(value);
    const std::string escaped = ldap::escapeFilterValue(value);
    CAPTURE(escaped);
    const auto unescaped = unescapeFilterValue(escaped);
    REQUIRE(unescaped.has_value());
    CHECK(*unescaped == value);
  }
}

TEST_CASE("an Active Directory logon name is the start of userName, within AD's rules",
          "[ldap][escape]") {
  auto account = [](std::string_view userName) {
    auto name = ldap::accountNameFor(userName);
    return name.ok() ? *name : "<refused: " + name.error().detail + ">";
  };
  CHECK(account("ann") == "ann");
  CHECK(account("ann.smith@example.com") == "ann.smith");
  // 20 characters, counted as characters (UTF-8), not bytes; no trailing dot or space.
  CHECK(account("Runscope123Abcdefgh123@atko.com") == "Runscope123Abcdefgh1");
  CHECK(account("jürgen-müller-ölmann-xyz@example.com") == "jürgen-müller-ölmann");
  CHECK(account("abcdefghijklmnopqrs.tuv") == "abcdefghijklmnopqrs");
  CHECK(account("a@b@c") == "a");
  for (const std::string bad : {"a+b@example.com", "a\"b", "x[1]", "c:d", "e;f", "g|h", "i=j", "k*",
                                "l?", "m<n>", "o/p", "q\\r", "s,t", "tab\tname"}) {
    CAPTURE(bad);
    auto refused = ldap::accountNameFor(bad);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == scimgate::scim::ErrorKind::InvalidValue);
    CHECK(refused.error().detail.find("sAMAccountName") != std::string::npos);
  }
  for (const std::string empty : {"@example.com", "...@example.com"}) {
    CAPTURE(empty);
    CHECK_FALSE(ldap::accountNameFor(empty).ok());
  }
  // The cn holds the whole userName: at most 64 characters.
  CHECK(ldap::accountNameFor(std::string(64, 'a')).ok());
  auto tooLong = ldap::accountNameFor(std::string(65, 'a'));
  REQUIRE_FALSE(tooLong.ok());
  CHECK(tooLong.error().detail.find("64") != std::string::npos);
}
