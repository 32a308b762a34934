#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter_helpers.h"
#include "scim/filter.h"
#include "test_helpers.h"

namespace scim = scimgate::scim;

using scimgate::testing::canonical;
using scimgate::testing::InvalidCase;
using scimgate::testing::positionIn;

namespace {

// ---------------------------------------------------------------------------------------------
// Invalid filters.

const std::vector<InvalidCase> kInvalidFilters = {
    // Empty input and LDAP injection attempts.
    {"", 0},
    {"   ", 0},
    {"\t", 0},
    {"*)(uid=*", 0},
    {"*", 0},
    {"(uid=*)", 4},
    {"(&(uid=a)(objectClass=*))", 1},
    {R"(userName eq "a")(uid=*)", 15},
    {R"(userName eq "a" or uid=*)", 22},
    {R"(userName == "a")", 9},
    {R"(userName = "a")", 9},
    {R"(userName != "a")", 9},
    {R"(userName eq 'a')", 12},
    {R"(userName eq "a"; drop table)", 15},
    {R"(userName eq "a" || title pr)", 16},
    {R"(userName eq "a" && title pr)", 16},
    {R"(userName eq "a" | title pr)", 16},
    {"userName eq \"a\" \xe2\x88\xa7 title pr", 16},
    {R"(userName eq "a" ! title pr)", 16},
    // Missing pieces.
    {R"(userName)", 8},
    {R"(userName eq)", 11},
    {R"(userName eq )", 12},
    {R"(userName "a")", 9},
    {R"(eq "a")", 3},
    {R"(userName eq "a" and)", 19},
    {R"(userName eq "a" or)", 18},
    {R"(userName eq "a" and )", 20},
    {R"(and)", 3},
    {R"(userName eq "a" and and)", 23},
    {R"(or userName eq "a")", 3},
    {R"(userName eq "a" or or title pr)", 22},
    {R"(not)", 3},
    {R"(not userName eq "a")", 4},
    {R"(not "a")", 4},
    {R"(userName eq "a" and not)", 23},
    {R"(not ())", 5},
    // Unknown operators.
    {R"(userName xx "a")", 9},
    {R"(userName equals "a")", 9},
    {R"(userName eqq "a")", 9},
    {R"(userName e "a")", 9},
    {R"(userName like "a%")", 9},
    {R"(userName eq "a" xor title pr)", 16},
    {R"(userName eq "a" andnot title pr)", 16},
    // `pr` takes no value; other operators need one.
    {R"(title pr "x")", 9},
    {R"(title pr true)", 9},
    {R"(title pr null)", 9},
    {R"(title pr 1)", 9},
    {R"(title pr pr)", 9},
    {R"(userName pr eq "a")", 12},
    // Quoted values must be complete JSON strings; a bare word is read as a string (see below).
    {R"(userName eq bjensen@example.com)", 19},  // a bare word stops at the @
    {R"(userName eq "a" "b")", 16},
    {R"(userName eq true false)", 17},
    {R"(userName eq null null)", 17},
    {R"(x eq (1))", 5},
    {R"(x eq [1])", 5},
    // Missing spaces around values.
    {R"(userName eq"a")", 11},
    {R"(userName eq "a"and title pr)", 15},
    {R"(x eq "a""b")", 8},
    // Unterminated strings and bad escapes.
    {R"(userName eq "unterminated)", 12},
    {R"(userName eq ")", 12},
    {R"(userName eq "a\")", 12},
    {R"(userName eq "a\)", 12},
    {R"(userName eq "\x")", 13},
    {R"(userName eq "\a")", 13},
    {R"(userName eq "\')", 13},
    {R"(userName eq "\U0041")", 13},
    {R"(userName eq "\u")", 13},
    {R"(userName eq "\u12")", 13},
    {R"(userName eq "\u12")", 13},
    {R"(userName eq "\u12G4")", 13},
    {R"(userName eq "\uZZZZ")", 13},
    {R"(userName eq "\u+123")", 13},
    {R"(userName eq "\uD800")", 13},
    {R"(userName eq "\uDBFF")", 13},
    {R"(userName eq "\uDC00")", 13},
    {R"(userName eq "\uDFFF\uD800")", 13},
    {R"(userName eq "\uD800\u0041")", 13},
    {R"(userName eq "\uD800\uD800")", 13},
    {R"(userName eq "\uD800\n")", 13},
    {R"(userName eq "\uD800\u12")", 19},
    {R"(userName eq "ok\uD83Dx")", 15},
    // Raw control characters, NUL bytes and invalid UTF-8.
    {"userName eq \"a\nb\"", 14},
    {"userName eq \"a\tb\"", 14},
    {std::string("userName eq \"a\0b\"", 17), 14},
    {std::string("userName\0 eq \"a\"", 16), 8},
    {std::string("\0", 1), 0},
    {std::string("userName eq \"a\"\0", 16), 15},
    {std::string("user\0Name eq \"a\"", 16), 4},
    {"userName eq \"\xff\"", 13},
    {"userName eq \"\xc3\"", 13},
    {"userName eq \"\xc3(\"", 13},
    {"userName eq \"\xc0\xaf\"", 13},
    {"userName eq \"\xed\xa0\x80\"", 13},
    {"userName eq \"\xf4\x90\x80\x80\"", 13},
    {"userName eq \"\xe2\x82\"", 13},
    {"us\xc3\xa9rName eq \"a\"", 2},
    // The first problem in the text is reported, whether the lexer or the parser finds it.
    {R"(1x eq "\q")", 0},
    {R"(userName xx "\q")", 9},
    {R"(userName eq "\q")", 13},
    {R"(title pr "\q")", 10},
    {R"(not "\q")", 5},
    {R"(userName eq "a" and \)", 20},
    // Attribute names.
    {R"(1userName eq "a")", 0},
    {R"(_x eq 1)", 0},
    {R"(-x eq 1)", 0},
    {R"($ eq 1)", 0},
    {R"($1 eq 1)", 0},
    {R"(.x eq 1)", 0},
    {R"(+x eq 1)", 0},
    {R"(na+me eq 1)", 2},
    {R"(name. eq 1)", 5},
    {R"(name..x eq 1)", 5},
    {R"(name.given.x eq 1)", 10},
    {R"(name.1x eq 1)", 5},
    {R"(name.$ eq 1)", 5},
    {R"(:userName eq 1)", 0},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User: eq 1)", 43},
    {R"(urn:ietf:params:scim:schemas:core:2.0 eq 1)", 34},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:1x eq 1)", 43},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:name.given.x eq 1)", 53},
    {R"(2.0:User:userName eq "a")", 0},
    {R"("userName" eq "a")", 0},
    {R"(42 eq 42)", 0},
    {R"(true)", 4},
    // Parentheses.
    {R"(()", 1},
    {R"())", 0},
    {R"(())", 1},
    {R"((userName eq "a")", 16},
    {R"(((userName eq "a"))", 18},
    {R"(userName eq "a"))", 15},
    {R"((userName eq "a")))", 17},
    {R"((userName eq "a") title pr)", 18},
    {R"(userName eq "a" and ()", 21},
    {R"(userName eq "a" and (title pr)", 29},
    {R"(not (userName eq "a")", 20},
    {R"(userName (eq "a"))", 9},
    {R"(userName eq ("a"))", 12},
    {R"(not ((a pr))))", 12},
    // Value paths.
    {R"(emails[type eq "work")", 21},
    {R"(emails[type eq "work" and value co "x")", 38},
    {R"(emails[)", 7},
    {R"(emails[])", 7},
    {R"(emails[type eq "work"]])", 22},
    {R"(emails]type eq "work"])", 6},
    {R"(emails[type eq "work")])", 21},
    {R"((emails[type eq "work"))", 22},
    {R"(emails[(type eq "work"])", 22},
    {R"(emails[type eq "a"[x eq "b"]])", 18},
    {R"(emails[type[value eq "a"]])", 11},
    {R"(emails[type eq "a" and x[y eq "b"]])", 24},
    {R"(emails[not (x[y eq "b"])])", 13},
    {R"(emails[type eq "work"][x eq 1])", 22},
    {R"(emails[type eq "work"].value eq "x")", 22},
    {R"(emails[type eq "work"] extra)", 23},
    {R"(emails.value[type eq "work"])", 12},
    {R"(emails[type eq "work"] eq "x")", 23},
    {R"([type eq "work"])", 0},
    {R"(emails[type eq])", 14},
    {R"(emails[[type eq "work"]])", 7},
};

TEST_CASE("parseFilter rejects malformed and hostile filters with a position", "[scim][filter]") {
  const InvalidCase c = GENERATE(from_range(kInvalidFilters));
  CAPTURE(c.filter);
  auto parsed = scim::parseFilter(c.filter);
  INFO("parsed as: " << (parsed.ok() ? scim::toString(**parsed) : std::string("-")));
  REQUIRE_FALSE(parsed.ok());
  CAPTURE(parsed.error().detail);
  CHECK(parsed.error().kind == scim::ErrorKind::InvalidFilter);
  const std::optional<std::size_t> position = positionIn(parsed.error().detail);
  REQUIRE(position.has_value());
  CHECK(*position == c.position);
  CHECK(*position <= c.filter.size());
}

TEST_CASE("error details name what was expected", "[scim][filter]") {
  struct DetailCase {
    std::string filter;
    std::string detail;
  };
  const std::vector<DetailCase> cases = {
      {"", "empty filter at 0"},
      {R"(userName eq "a"))", "unexpected ')' at 15"},
      {R"(userName "a")", "expected a comparison operator, found string at 9"},
      {R"(userName)", "expected a comparison operator, found end of input at 8"},
      {R"(userName xx "a")", "unknown comparison operator 'xx' at 9"},
      {R"(title pr "x")", "'pr' takes no value at 9"},
      {R"(userName eq)", "expected a value, found end of input at 11"},
      {R"(userName eq "abc)", "unterminated string at 12"},
      {R"(emails[type eq "work")", "expected ']', found end of input at 21"},
      {R"((a pr)", "expected ')', found end of input at 5"},
      {R"(emails[type[value eq "a"]])", "nested value path not allowed at 11"},
      {R"(x eq "\q")", "invalid escape 'q' at 6"},
      {R"(x eq "\uD800")", "unpaired UTF-16 surrogate in \\u escape at 6"},
      {"*)(uid=*", "unexpected character '*' at 0"},
      {std::string("a\0", 2), "unexpected character byte 0x00 at 1"},
      {R"(1x eq 1)", "attribute name must start with a letter at 0"},
      {R"(a pr b pr)", "expected 'and', 'or' or end of filter, found 'b' at 5"},
      {R"(not a pr)", "expected '(' after 'not' at 4"},
  };
  for (const DetailCase& c : cases) {
    CAPTURE(c.filter);
    auto parsed = scim::parseFilter(c.filter);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().detail == c.detail);
  }
}

TEST_CASE("error details do not echo string values or unquoted values", "[scim][filter]") {
  const std::vector<std::string> filters = {
      R"(password eq "hunter2)",
      R"(password eq "hunter2" "hunter2")",
      R"(password eq "hunter2\q")",
  };
  for (const std::string& filter : filters) {
    CAPTURE(filter);
    auto parsed = scim::parseFilter(filter);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().detail.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("parseFilter bounds nesting depth instead of overflowing the stack", "[scim][filter]") {
  const auto nested = [](int levels, std::string_view open, std::string_view close) {
    std::string text;
    for (int i = 0; i < levels; ++i) text += open;
    text += "title pr";
    for (int i = 0; i < levels; ++i) text += close;
    return text;
  };

  SECTION("64 levels of parentheses are accepted") {
    CHECK(scim::parseFilter(nested(64, "(", ")")).ok());
  }
  SECTION("64 levels of not are accepted") {
    CHECK(scim::parseFilter(nested(64, "not (", ")")).ok());
  }
  SECTION("65 levels of parentheses are rejected at the 65th '('") {
    auto parsed = scim::parseFilter(nested(65, "(", ")"));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == scim::ErrorKind::InvalidFilter);
    CHECK(positionIn(parsed.error().detail) == std::optional<std::size_t>(64));
  }
  SECTION("1000 levels of parentheses are rejected") {
    auto parsed = scim::parseFilter(nested(1000, "(", ")"));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == scim::ErrorKind::InvalidFilter);
    CHECK(positionIn(parsed.error().detail) == std::optional<std::size_t>(64));
  }
  SECTION("1000 levels of not are rejected at the 65th '('") {
    auto parsed = scim::parseFilter(nested(1000, "not (", ")"));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == scim::ErrorKind::InvalidFilter);
    CHECK(positionIn(parsed.error().detail) == std::optional<std::size_t>(64 * 5 + 4));
  }
  SECTION("100000 unbalanced '(' are rejected") {
    auto parsed = scim::parseFilter(std::string(100000, '('));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == scim::ErrorKind::InvalidFilter);
  }
  SECTION("mixed parentheses and not count together") {
    std::string text;
    for (int i = 0; i < 40; ++i) text += "(not (";
    text += "title pr";
    for (int i = 0; i < 40; ++i) text += "))";
    auto parsed = scim::parseFilter(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == scim::ErrorKind::InvalidFilter);
  }
  SECTION("value path brackets count as a level") {
    std::string text = nested(63, "(", ")");
    text.replace(text.find("title pr"), 8, R"(emails[type eq "work"])");
    CHECK(scim::parseFilter(text).ok());
    auto tooDeep = scim::parseFilter("(" + text + ")");
    REQUIRE_FALSE(tooDeep.ok());
    CHECK(tooDeep.error().kind == scim::ErrorKind::InvalidFilter);
  }
}

TEST_CASE("parseFilter bounds the number of attribute expressions", "[scim][filter]") {
  const auto chain = [](int terms, std::string_view joiner) {
    std::string text = "a pr";
    for (int i = 1; i < terms; ++i) text += std::string(joiner) + "a pr";
    return text;
  };
  SECTION("1000 terms joined by or are accepted, evaluated and printed") {
    auto parsed = scim::parseFilter(chain(1000, " or "));
    REQUIRE(parsed.ok());
    Poco::JSON::Object resource;
    resource.set("a", "x");
    CHECK(scim::matches(**parsed, resource, {}));
    CHECK(scim::toString(**parsed).size() > 8000);
  }
  SECTION("1001 terms are rejected") {
    auto parsed = scim::parseFilter(chain(1001, " and "));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == scim::ErrorKind::InvalidFilter);
    CHECK(positionIn(parsed.error().detail) == std::optional<std::size_t>(1000 * 9));
  }
}

TEST_CASE("every prefix of a valid filter parses or fails with an in-range position",
          "[scim][filter]") {
  const std::vector<std::string> filters = {
      R"(userType ne "Employee" and not (emails co "example.com" or emails.value co "x"))",
      R"(emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"])",
      R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "\u00e9")",
      R"(meta.lastModified gt "2011-05-13T04:42:34Z" and loginCount ge -1.5e3)",
  };
  for (const std::string& filter : filters) {
    for (std::size_t length = 0; length <= filter.size(); ++length) {
      const std::string prefix = filter.substr(0, length);
      CAPTURE(prefix);
      auto parsed = scim::parseFilter(prefix);
      if (parsed.ok()) {
        CHECK(canonical(scim::toString(**parsed)) == scim::toString(**parsed));
        continue;
      }
      CHECK(parsed.error().kind == scim::ErrorKind::InvalidFilter);
      const std::optional<std::size_t> position = positionIn(parsed.error().detail);
      REQUIRE(position.has_value());
      CHECK(*position <= prefix.size());
    }
  }
}

TEST_CASE("replacing any byte with a hostile one never crashes the parser", "[scim][filter]") {
  const std::string filter =
      R"(userType eq "E" and emails[type eq "work" or not (value co "x")] or title pr)";
  const std::string hostile = std::string("()[]\"\\ .:$\x00\xff", 12);
  for (std::size_t i = 0; i < filter.size(); ++i) {
    for (const char replacement : hostile) {
      std::string mutated = filter;
      mutated[i] = replacement;
      auto parsed = scim::parseFilter(mutated);
      if (parsed.ok()) continue;
      CAPTURE(mutated, parsed.error().detail);
      CHECK(parsed.error().kind == scim::ErrorKind::InvalidFilter);
      const std::optional<std::size_t> position = positionIn(parsed.error().detail);
      REQUIRE(position.has_value());
      CHECK(*position <= mutated.size());
    }
  }
}

}  // namespace
