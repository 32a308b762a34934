#include "scim/filter.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace scim = scimgate::scim;

namespace {

/// The position at the end of an error detail ("... at 14"), or nullopt when there is none.
std::optional<std::size_t> positionIn(const std::string& detail) {
  const std::size_t marker = detail.rfind(" at ");
  if (marker == std::string::npos || marker + 4 >= detail.size()) return std::nullopt;
  std::size_t position = 0;
  for (std::size_t i = marker + 4; i < detail.size(); ++i) {
    if (detail[i] < '0' || detail[i] > '9') return std::nullopt;
    position = position * 10 + static_cast<std::size_t>(detail[i] - '0');
  }
  return position;
}

std::string canonical(std::string_view text) {
  auto parsed = scim::parseFilter(text);
  if (!parsed.ok()) return "error: " + parsed.error().detail;
  return scim::toString(**parsed);
}

// ---------------------------------------------------------------------------------------------
// Valid filters and their canonical text.

struct ValidCase {
  std::string filter;
  std::string expected;
};

const std::vector<ValidCase> kValidFilters = {
    // Every comparison operator, any case.
    {R"(userName eq "bjensen")", R"((userName eq "bjensen"))"},
    {R"(userName Eq "john")", R"((userName eq "john"))"},
    {R"(userName EQ "john")", R"((userName eq "john"))"},
    {R"(userName ne "john")", R"((userName ne "john"))"},
    {R"(userName NE "john")", R"((userName ne "john"))"},
    {R"(userName co "oh")", R"((userName co "oh"))"},
    {R"(userName Co "oh")", R"((userName co "oh"))"},
    {R"(userName sw "J")", R"((userName sw "J"))"},
    {R"(userName SW "J")", R"((userName sw "J"))"},
    {R"(userName ew "n")", R"((userName ew "n"))"},
    {R"(userName eW "n")", R"((userName ew "n"))"},
    {R"(loginCount gt 5)", R"((loginCount gt 5))"},
    {R"(loginCount GT 5)", R"((loginCount gt 5))"},
    {R"(loginCount ge 5)", R"((loginCount ge 5))"},
    {R"(loginCount lt 5)", R"((loginCount lt 5))"},
    {R"(loginCount le 5)", R"((loginCount le 5))"},
    {R"(loginCount Le 5)", R"((loginCount le 5))"},
    {R"(title pr)", R"((title pr))"},
    {R"(title PR)", R"((title pr))"},
    {R"(title Pr)", R"((title pr))"},
    // Attribute names keep the caller's spelling.
    {R"(USERNAME eq "a")", R"((USERNAME eq "a"))"},
    {R"(uSeRnAmE eq "a")", R"((uSeRnAmE eq "a"))"},
    {R"(x-y_z9 eq 1)", R"((x-y_z9 eq 1))"},
    {R"(a$ eq 1)", R"((a$ eq 1))"},
    {R"($ref eq "https://example.com/Users/1")", R"(($ref eq "https://example.com/Users/1"))"},
    {R"(members.$ref pr)", R"((members.$ref pr))"},
    // Keywords are only keywords where they stand: these are attributes named and/or/not.
    {R"(and eq "x")", R"((and eq "x"))"},
    {R"(or pr)", R"((or pr))"},
    {R"(not pr)", R"((not pr))"},
    {R"(not eq "x")", R"((not eq "x"))"},
    {R"(eq eq "x")", R"((eq eq "x"))"},
    {R"(pr pr)", R"((pr pr))"},
    {R"(not[type eq "x"])", R"(not[(type eq "x")])"},
    // Sub-attributes and schema URNs.
    {R"(name.familyName co "O'Malley")", R"((name.familyName co "O'Malley"))"},
    {R"(name.givenName eq "Barbara")", R"((name.givenName eq "Barbara"))"},
    {R"(emails.value co "@example.org")", R"((emails.value co "@example.org"))"},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J")",
     R"((urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"))"},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "B")",
     R"((urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "B"))"},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915")",
     R"((urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915"))"},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr)",
     R"((urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr))"},
    {R"(URN:IETF:params:scim:schemas:core:2.0:User:userName eq "a")",
     R"((URN:IETF:params:scim:schemas:core:2.0:User:userName eq "a"))"},
    {R"(urn:example:my-company:2.0:User:costCenter eq "4130")",
     R"((urn:example:my-company:2.0:User:costCenter eq "4130"))"},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"])",
     R"(urn:ietf:params:scim:schemas:core:2.0:User:emails[(type eq "work")])"},
    {R"(meta.lastModified gt "2011-05-13T04:42:34Z")",
     R"((meta.lastModified gt "2011-05-13T04:42:34Z"))"},
    {R"(meta.lastModified ge "2011-05-13T04:42:34Z")",
     R"((meta.lastModified ge "2011-05-13T04:42:34Z"))"},
    {R"(meta.lastModified lt "2011-05-13T04:42:34Z")",
     R"((meta.lastModified lt "2011-05-13T04:42:34Z"))"},
    {R"(meta.lastModified le "2011-05-13T04:42:34Z")",
     R"((meta.lastModified le "2011-05-13T04:42:34Z"))"},
    {R"(meta.resourceType eq "User")", R"((meta.resourceType eq "User"))"},
    // RFC 7644 3.4.2.2 examples.
    {R"(title pr and userType eq "Employee")", R"(((title pr) and (userType eq "Employee")))"},
    {R"(title pr or userType eq "Intern")", R"(((title pr) or (userType eq "Intern")))"},
    {R"(schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")",
     R"((schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"))"},
    {R"(userType eq "Employee" and (emails co "example.com" or emails.value co "example.org"))",
     R"(((userType eq "Employee") and ((emails co "example.com") or )"
     R"((emails.value co "example.org"))))"},
    {R"(userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org"))",
     R"(((userType ne "Employee") and (not ((emails co "example.com") or )"
     R"((emails.value co "example.org")))))"},
    {R"(userType eq "Employee" and (emails.type eq "work"))",
     R"(((userType eq "Employee") and (emails.type eq "work")))"},
    {R"(userType eq "Employee" and emails[type eq "work" and value co "@example.com"])",
     R"(((userType eq "Employee") and emails[((type eq "work") and (value co "@example.com"))]))"},
    {R"(emails[type eq "work" and value co "@example.com"] or )"
     R"(ims[type eq "xmpp" and value co "@foo.com"])",
     R"((emails[((type eq "work") and (value co "@example.com"))] or )"
     R"(ims[((type eq "xmpp") and (value co "@foo.com"))]))"},
    // Precedence: not > and > or; and/or associate to the left.
    {R"(a pr or b pr and c pr)", R"(((a pr) or ((b pr) and (c pr))))"},
    {R"(a pr and b pr or c pr)", R"((((a pr) and (b pr)) or (c pr)))"},
    {R"(a pr and b pr and c pr)", R"((((a pr) and (b pr)) and (c pr)))"},
    {R"(a pr or b pr or c pr)", R"((((a pr) or (b pr)) or (c pr)))"},
    {R"(a pr or b pr and c pr or d pr)", R"((((a pr) or ((b pr) and (c pr))) or (d pr)))"},
    {R"(a pr and b pr or c pr and d pr)", R"((((a pr) and (b pr)) or ((c pr) and (d pr))))"},
    {R"((a pr or b pr) and c pr)", R"((((a pr) or (b pr)) and (c pr)))"},
    {R"(a pr and (b pr or c pr))", R"(((a pr) and ((b pr) or (c pr))))"},
    {R"(not (a pr) and b pr)", R"(((not (a pr)) and (b pr)))"},
    {R"(not (a pr) or b pr)", R"(((not (a pr)) or (b pr)))"},
    {R"(a pr and not (b pr))", R"(((a pr) and (not (b pr))))"},
    {R"(not (a pr or b pr))", R"((not ((a pr) or (b pr))))"},
    {R"(not(a pr))", R"((not (a pr)))"},
    {R"(NOT (a pr))", R"((not (a pr)))"},
    {R"(Not (a pr))", R"((not (a pr)))"},
    {R"(not (not (a pr)))", R"((not (not (a pr))))"},
    {R"(a pr AND b pr)", R"(((a pr) and (b pr)))"},
    {R"(a pr And b pr)", R"(((a pr) and (b pr)))"},
    {R"(a pr OR b pr)", R"(((a pr) or (b pr)))"},
    {R"(a pr oR b pr)", R"(((a pr) or (b pr)))"},
    {R"((a pr))", R"((a pr))"},
    {R"(((a pr)))", R"((a pr))"},
    {R"((((((a pr))))))", R"((a pr))"},
    {R"(( a pr ))", R"((a pr))"},
    {R"((a pr)and(b pr))", R"(((a pr) and (b pr)))"},
    // Literals.
    {R"(x eq 42)", R"((x eq 42))"},
    {R"(x eq 0)", R"((x eq 0))"},
    {R"(x eq -0)", R"((x eq -0))"},
    {R"(x eq -1)", R"((x eq -1))"},
    {R"(x eq 1.5)", R"((x eq 1.5))"},
    {R"(x eq -1.5e3)", R"((x eq -1.5e3))"},
    {R"(x eq 1E+2)", R"((x eq 1E+2))"},
    {R"(x eq 2e-10)", R"((x eq 2e-10))"},
    {R"(x eq 0.001)", R"((x eq 0.001))"},
    {R"(x eq 12345678901234567890)", R"((x eq 12345678901234567890))"},
    {R"(x eq true)", R"((x eq true))"},
    {R"(x eq TRUE)", R"((x eq true))"},
    {R"(x eq True)", R"((x eq true))"},
    {R"(x ne false)", R"((x ne false))"},
    {R"(x eq False)", R"((x eq false))"},
    {R"(x eq null)", R"((x eq null))"},
    {R"(x eq NULL)", R"((x eq null))"},
    {R"(x ne null)", R"((x ne null))"},
    {R"(x eq "")", R"((x eq ""))"},
    {R"(x eq "true")", R"((x eq "true"))"},
    {R"(x eq "42")", R"((x eq "42"))"},
    {R"(x eq " spaced  out ")", R"((x eq " spaced  out "))"},
    {R"(x eq "a and b or c")", R"((x eq "a and b or c"))"},
    {R"(x eq "(x)[y]")", R"((x eq "(x)[y]"))"},
    // JSON escapes are decoded and re-quoted.
    {R"(x eq "a\"b")", R"((x eq "a\"b"))"},
    {R"(x eq "a\\b")", R"((x eq "a\\b"))"},
    {R"(x eq "a\/b")", R"((x eq "a/b"))"},
    {R"(x eq "\b\f\n\r\t")", R"((x eq "\b\f\n\r\t"))"},
    {R"(x eq "\u0041")", R"((x eq "A"))"},
    {R"(x eq "\u00e9")", "(x eq \"\xc3\xa9\")"},
    {R"(x eq "\u00E9")", "(x eq \"\xc3\xa9\")"},
    {R"(x eq "\u20AC")", "(x eq \"\xe2\x82\xac\")"},
    {R"(x eq "\uD83D\uDE00")", "(x eq \"\xf0\x9f\x98\x80\")"},
    {R"(x eq "\ud83d\ude00")", "(x eq \"\xf0\x9f\x98\x80\")"},
    {R"(x eq "\u0001")", R"((x eq "\u0001"))"},
    {R"(x eq "\u001f")", R"((x eq "\u001f"))"},
    {R"(x eq "\u007f")", R"((x eq "\u007f"))"},
    {R"(x eq "\u0000")", R"((x eq "\u0000"))"},
    {R"(x eq "\u0022")", R"((x eq "\""))"},
    {R"(x eq "\u005C")", R"((x eq "\\"))"},
    {"x eq \"\xc3\xa9t\xc3\xa9\"", "(x eq \"\xc3\xa9t\xc3\xa9\")"},
    {"x eq \"\xe6\x97\xa5\xe6\x9c\xac\"", "(x eq \"\xe6\x97\xa5\xe6\x9c\xac\")"},
    {"x eq \"\xf0\x9f\x98\x80\"", "(x eq \"\xf0\x9f\x98\x80\")"},
    {R"(displayName co "*)(uid=*")", R"((displayName co "*)(uid=*"))"},
    // Whitespace is tolerated between tokens.
    {R"(  userName   eq   "a"  )", R"((userName eq "a"))"},
    {"userName\teq\t\"a\"", R"((userName eq "a"))"},
    {"userName eq \"a\"\r\n and title pr", R"(((userName eq "a") and (title pr)))"},
    {R"(not  (  a pr  )  )", R"((not (a pr)))"},
    // Value paths.
    {R"(emails[type eq "work"])", R"(emails[(type eq "work")])"},
    {R"(emails[ type eq "work" ])", R"(emails[(type eq "work")])"},
    {R"(emails [type eq "work"])", R"(emails[(type eq "work")])"},
    {R"(emails[type pr])", R"(emails[(type pr)])"},
    {R"(emails[not (type eq "work")])", R"(emails[(not (type eq "work"))])"},
    {R"(emails[(type eq "work")])", R"(emails[(type eq "work")])"},
    {R"(emails[type eq "work" or (type eq "home" and value ew "@example.com")])",
     R"(emails[((type eq "work") or ((type eq "home") and (value ew "@example.com")))])"},
    {R"(emails[(type eq "work" or type eq "home") and primary eq true])",
     R"(emails[(((type eq "work") or (type eq "home")) and (primary eq true))])"},
    {R"(emails[type eq "work"] and not (emails[type eq "home"]))",
     R"((emails[(type eq "work")] and (not (emails[(type eq "home")]))))"},
    {R"(not (emails[type eq "work"]))", R"((not (emails[(type eq "work")])))"},
    {R"((emails[type eq "work"]))", R"(emails[(type eq "work")])"},
    {R"(emails[type eq "work"]and title pr)", R"((emails[(type eq "work")] and (title pr)))"},
    {R"(members[value eq "2819c223-7f76-453a-919d-413861904646"])",
     R"(members[(value eq "2819c223-7f76-453a-919d-413861904646")])"},
    {R"(EMAILS[TYPE EQ "work" AND PRIMARY EQ TRUE])",
     R"(EMAILS[((TYPE eq "work") and (PRIMARY eq true))])"},
    {R"(addresses[postalCode sw "9" and region eq "CA"] or title pr)",
     R"((addresses[((postalCode sw "9") and (region eq "CA"))] or (title pr)))"},
};

TEST_CASE("parseFilter accepts RFC 7644 filters and prints them canonically", "[scim][filter]") {
  const ValidCase c = GENERATE(from_range(kValidFilters));
  CAPTURE(c.filter);
  auto parsed = scim::parseFilter(c.filter);
  INFO("error: " << (parsed.ok() ? std::string("none") : parsed.error().detail));
  REQUIRE(parsed.ok());
  CHECK(scim::toString(**parsed) == c.expected);
}

TEST_CASE("canonical filter text parses back to the same canonical text", "[scim][filter]") {
  const ValidCase c = GENERATE(from_range(kValidFilters));
  CAPTURE(c.filter, c.expected);
  CHECK(canonical(c.expected) == c.expected);
}

// ---------------------------------------------------------------------------------------------
// Attribute path splitting.

struct PathCase {
  std::string filter;
  std::string schema;
  std::string attribute;
  std::string subAttribute;
};

const std::vector<PathCase> kPathSplits = {
    {R"(userName eq "a")", "", "userName", ""},
    {R"(name.givenName eq "a")", "", "name", "givenName"},
    {R"(NAME.GIVENNAME eq "a")", "", "NAME", "GIVENNAME"},
    {R"(members.$ref pr)", "", "members", "$ref"},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a")",
     "urn:ietf:params:scim:schemas:core:2.0:User", "userName", ""},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "a")",
     "urn:ietf:params:scim:schemas:core:2.0:User", "name", "givenName"},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "a")",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "value"},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr)",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", ""},
    {R"(urn:ietf:params:scim:schemas:core:2.0:Group:displayName pr)",
     "urn:ietf:params:scim:schemas:core:2.0:Group", "displayName", ""},
    {R"(urn:x:y pr)", "urn:x", "y", ""},
    {R"(emails[type eq "work"])", "", "emails", ""},
};

TEST_CASE("attribute paths split into schema URN, attribute and sub-attribute", "[scim][filter]") {
  const PathCase c = GENERATE(from_range(kPathSplits));
  CAPTURE(c.filter);
  auto parsed = scim::parseFilter(c.filter);
  REQUIRE(parsed.ok());
  const scim::AttrPath& path = (*parsed)->path;
  CHECK(path.schema == c.schema);
  CHECK(path.attribute == c.attribute);
  CHECK(path.subAttribute == c.subAttribute);
}

TEST_CASE("literals carry their type and decoded text", "[scim][filter]") {
  struct LiteralCase {
    std::string filter;
    scim::Literal::Type type;
    std::string text;
    bool boolean;
  };
  using Type = scim::Literal::Type;
  const std::vector<LiteralCase> cases = {
      {R"(x eq "abc")", Type::String, "abc", false},
      {R"(x eq "")", Type::String, "", false},
      {R"(x eq "a\nb")", Type::String, "a\nb", false},
      {R"(x eq "\u0000")", Type::String, std::string(1, '\0'), false},
      {R"(x eq "\uD834\uDD1E")", Type::String, "\xf0\x9d\x84\x9e", false},
      {R"(x eq "2011-05-13T04:42:34Z")", Type::String, "2011-05-13T04:42:34Z", false},
      {R"(x eq 42)", Type::Number, "42", false},
      {R"(x eq -1.5e3)", Type::Number, "-1.5e3", false},
      {R"(x eq true)", Type::Boolean, "true", true},
      {R"(x eq tRuE)", Type::Boolean, "true", true},
      {R"(x eq false)", Type::Boolean, "false", false},
      {R"(x eq FALSE)", Type::Boolean, "false", false},
      {R"(x eq null)", Type::Null, "null", false},
      {R"(x eq Null)", Type::Null, "null", false},
  };
  for (const LiteralCase& c : cases) {
    CAPTURE(c.filter);
    auto parsed = scim::parseFilter(c.filter);
    REQUIRE(parsed.ok());
    CHECK((*parsed)->value.type == c.type);
    CHECK((*parsed)->value.text == c.text);
    CHECK((*parsed)->value.boolean == c.boolean);
  }
}

TEST_CASE("the AST has the documented shape", "[scim][filter]") {
  auto parsed = scim::parseFilter(R"(userType eq "x" and not (emails[type eq "work"]))");
  REQUIRE(parsed.ok());
  const scim::Filter& root = **parsed;
  REQUIRE(root.kind == scim::Filter::Kind::And);
  REQUIRE(root.left);
  REQUIRE(root.right);
  CHECK(root.left->kind == scim::Filter::Kind::Compare);
  CHECK(root.left->op == scim::CompareOp::Eq);
  CHECK(root.left->path.attribute == "userType");
  REQUIRE(root.right->kind == scim::Filter::Kind::Not);
  REQUIRE(root.right->left);
  const scim::Filter& valuePath = *root.right->left;
  CHECK(valuePath.kind == scim::Filter::Kind::ValuePath);
  CHECK(valuePath.path.attribute == "emails");
  REQUIRE(valuePath.left);
  CHECK(valuePath.left->kind == scim::Filter::Kind::Compare);
  CHECK(valuePath.left->path.attribute == "type");
  CHECK(valuePath.left->value.text == "work");
  CHECK_FALSE(valuePath.right);
}

TEST_CASE("AttrPath::dotted joins attribute and sub-attribute without the schema",
          "[scim][filter]") {
  CHECK(scim::AttrPath{"", "userName", ""}.dotted() == "userName");
  CHECK(scim::AttrPath{"", "name", "givenName"}.dotted() == "name.givenName");
  CHECK(scim::AttrPath{"urn:x:2.0:User", "manager", "value"}.dotted() == "manager.value");
}

TEST_CASE("toString prints hand-built trees", "[scim][filter]") {
  auto compare = std::make_unique<scim::Filter>();
  compare->path = {"", "title", ""};
  compare->op = scim::CompareOp::Pr;
  auto negated = std::make_unique<scim::Filter>();
  negated->kind = scim::Filter::Kind::Not;
  negated->left = std::move(compare);
  auto userName = std::make_unique<scim::Filter>();
  userName->path = {"", "userName", ""};
  userName->value = {scim::Literal::Type::String, "a\"\\\x01", false};
  scim::Filter root;
  root.kind = scim::Filter::Kind::And;
  root.left = std::move(userName);
  root.right = std::move(negated);
  CHECK(scim::toString(root) == R"(((userName eq "a\"\\\u0001") and (not (title pr))))");
}

// ---------------------------------------------------------------------------------------------
// Invalid filters.

struct InvalidCase {
  std::string filter;
  std::size_t position;
};

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

// ---------------------------------------------------------------------------------------------
// PATCH paths.

struct PatchCase {
  std::string path;
  std::string schema;
  std::string attribute;
  std::string attrSub;
  std::string valueFilter;  // canonical, "" when absent
  std::string subAttribute;
};

const std::vector<PatchCase> kValidPatchPaths = {
    {"userName", "", "userName", "", "", ""},
    {"USERNAME", "", "USERNAME", "", "", ""},
    {"name.familyName", "", "name", "familyName", "", ""},
    {"members", "", "members", "", "", ""},
    {"members.$ref", "", "members", "$ref", "", ""},
    {"  userName  ", "", "userName", "", "", ""},
    {R"(emails[type eq "work"])", "", "emails", "", R"((type eq "work"))", ""},
    {R"(emails[type eq "work"].value)", "", "emails", "", R"((type eq "work"))", "value"},
    {R"(emails[type eq "work"].$ref)", "", "emails", "", R"((type eq "work"))", "$ref"},
    {R"(emails[TYPE EQ "work"].Value)", "", "emails", "", R"((TYPE eq "work"))", "Value"},
    {R"(members[value eq "2819c223-7f76-453a-919d-413861904646"])", "", "members", "",
     R"((value eq "2819c223-7f76-453a-919d-413861904646"))", ""},
    {R"(members[value eq "2819c223-7f76-453a-919d-413861904646"].display)", "", "members", "",
     R"((value eq "2819c223-7f76-453a-919d-413861904646"))", "display"},
    {R"(addresses[type eq "work" and primary eq true].streetAddress)", "", "addresses", "",
     R"(((type eq "work") and (primary eq true)))", "streetAddress"},
    {R"(emails[type eq "work" or (type eq "home" and value ew "@example.com")].display)", "",
     "emails", "", R"(((type eq "work") or ((type eq "home") and (value ew "@example.com"))))",
     "display"},
    {R"(emails[not (primary pr)])", "", "emails", "", R"((not (primary pr)))", ""},
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "", "", ""},
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "value", "", ""},
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "employeeNumber", "", "", ""},
    {"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
     "urn:ietf:params:scim:schemas:core:2.0:User", "name", "givenName", "", ""},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value)",
     "urn:ietf:params:scim:schemas:core:2.0:User", "emails", "", R"((type eq "work"))", "value"},
    // The bare extension URN splits like any other path; callers reject it.
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0", "User", "", "", ""},
};

TEST_CASE("parsePatchPath splits RFC 7644 3.5.2 paths", "[scim][filter][patch]") {
  const PatchCase c = GENERATE(from_range(kValidPatchPaths));
  CAPTURE(c.path);
  auto parsed = scim::parsePatchPath(c.path);
  INFO("error: " << (parsed.ok() ? std::string("none") : parsed.error().detail));
  REQUIRE(parsed.ok());
  CHECK(parsed->attr.schema == c.schema);
  CHECK(parsed->attr.attribute == c.attribute);
  CHECK(parsed->attr.subAttribute == c.attrSub);
  if (c.valueFilter.empty()) {
    CHECK_FALSE(parsed->valueFilter);
  } else {
    REQUIRE(parsed->valueFilter);
    CHECK(scim::toString(*parsed->valueFilter) == c.valueFilter);
  }
  CHECK(parsed->subAttribute == c.subAttribute);
}

const std::vector<InvalidCase> kInvalidPatchPaths = {
    {"", 0},
    {"  ", 0},
    {"1abc", 0},
    {"_abc", 0},
    {"$", 0},
    {"name.", 5},
    {"name.given.x", 10},
    {"user name", 5},
    {"userName eq \"a\"", 9},
    {"title pr", 6},
    {"(userName)", 0},
    {"\"userName\"", 0},
    {"emails]", 6},
    {"emails[", 7},
    {"emails[]", 7},
    {R"(emails[type eq "work")", 21},
    {R"(emails[type eq "work"]value)", 22},
    {R"(emails[type eq "work"] .value)", 23},
    {R"(emails[type eq "work"]. value)", 23},
    {R"(emails[type eq "work"].)", 23},
    {R"(emails[type eq "work"].value.x)", 28},
    {R"(emails[type eq "work"].1x)", 23},
    {R"(emails[type eq "work"][x eq 1])", 22},
    {R"(emails[type eq "work"]])", 22},
    {R"(emails[type[value eq "a"]])", 11},
    {R"(emails[type eq])", 14},
    {R"(emails[type eq "\x"])", 16},
    {R"(name.familyName[x eq 1])", 15},
    {"urn:ietf:params:scim:schemas:core:2.0:User:", 43},
    {":userName", 0},
    {std::string("user\0name", 9), 4},
    {"emails[type eq \"work\"]\xff", 22},
};

TEST_CASE("parsePatchPath rejects malformed paths as InvalidPath with a position",
          "[scim][filter][patch]") {
  const InvalidCase c = GENERATE(from_range(kInvalidPatchPaths));
  CAPTURE(c.filter);
  auto parsed = scim::parsePatchPath(c.filter);
  REQUIRE_FALSE(parsed.ok());
  CAPTURE(parsed.error().detail);
  CHECK(parsed.error().kind == scim::ErrorKind::InvalidPath);
  const std::optional<std::size_t> position = positionIn(parsed.error().detail);
  REQUIRE(position.has_value());
  CHECK(*position == c.position);
}

// ---------------------------------------------------------------------------------------------
// matches().

constexpr std::string_view kUserJson = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "BJensen",
  "userName": "bjensen@example.com",
  "name": {
    "formatted": "Ms. Barbara J Jensen III",
    "familyName": "Jensen",
    "givenName": "Barbara",
    "middleName": ""
  },
  "displayName": "Babs Jensen",
  "nickName": null,
  "title": "Tour Guide",
  "userType": "Employee",
  "preferredLanguage": "en-US",
  "active": true,
  "loginCount": 42,
  "score": 3.5,
  "emails": [
    {"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs@jensen.org", "type": "home"}
  ],
  "phoneNumbers": [],
  "ims": [null],
  "photos": {},
  "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"}],
  "tags": ["alpha", "Beta"],
  "meta": {
    "resourceType": "User",
    "created": "2010-01-23T04:56:22Z",
    "lastModified": "2011-05-13T04:42:34Z",
    "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
  },
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "costCenter": "4130",
    "organization": "Universal Studios",
    "department": "Tour Operations",
    "manager": {
      "value": "26118915-6090-4610-87e4-49d8ca9f808d",
      "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
      "displayName": "John Smith"
    }
  }
})";

Poco::JSON::Object::Ptr parseUser() {
  Poco::JSON::Parser parser;
  return parser.parse(std::string(kUserJson)).extract<Poco::JSON::Object::Ptr>();
}

// id and externalId are caseExact (RFC 7643 3.1); everything else here compares ignoring case.
bool userCaseExact(const scim::AttrPath& path) {
  return path.subAttribute.empty() && (path.attribute == "id" || path.attribute == "externalId");
}

struct MatchCase {
  std::string filter;
  bool expected;
};

const std::vector<MatchCase> kUserMatches = {
    // Strings, with and without case.
    {R"(userName eq "bjensen@example.com")", true},
    {R"(userName eq "BJENSEN@EXAMPLE.COM")", true},
    {R"(USERNAME eq "bjensen@example.com")", true},
    {R"(username EQ "bjensen@example.com")", true},
    {R"(userName eq "bjensen")", false},
    {R"(userName ne "bjensen")", true},
    {R"(userName ne "bjensen@example.com")", false},
    {R"(userName ne "BJensen@Example.com")", false},
    {R"(userName co "jensen")", true},
    {R"(userName co "JENSEN")", true},
    {R"(userName co "")", true},
    {R"(userName co "smith")", false},
    {R"(userName sw "bj")", true},
    {R"(userName sw "BJ")", true},
    {R"(userName sw "jensen")", false},
    {R"(userName ew "example.com")", true},
    {R"(userName ew "EXAMPLE.COM")", true},
    {R"(userName ew "example")", false},
    {R"(userName gt "a")", true},
    {R"(userName gt "c")", false},
    {R"(userName lt "c")", true},
    {R"(userName lt "a")", false},
    {R"(userName ge "bjensen@example.com")", true},
    {R"(userName le "bjensen@example.com")", true},
    {R"(userName gt "bjensen@example.com")", false},
    {R"(userName lt "bjensen@example.com")", false},
    {R"(userName gt "BJENSEN")", true},
    {R"(externalId eq "BJensen")", true},
    {R"(externalId eq "bjensen")", false},
    {R"(externalId ne "bjensen")", true},
    {R"(externalId co "Jen")", true},
    {R"(externalId co "jen")", false},
    {R"(externalId sw "BJ")", true},
    {R"(externalId sw "bj")", false},
    {R"(id eq "2819c223-7f76-453a-919d-413861904646")", true},
    {R"(id eq "2819C223-7F76-453A-919D-413861904646")", false},
    {R"(displayName co "babs")", true},
    {R"(preferredLanguage eq "en-us")", true},
    // Presence.
    {R"(title pr)", true},
    {R"(TITLE pr)", true},
    {R"(nickName pr)", false},
    {R"(name.middleName pr)", false},
    {R"(phoneNumbers pr)", false},
    {R"(ims pr)", false},
    {R"(photos pr)", false},
    {R"(missing pr)", false},
    {R"(name pr)", true},
    {R"(name.givenName pr)", true},
    {R"(name.missing pr)", false},
    {R"(emails pr)", true},
    {R"(emails.value pr)", true},
    {R"(emails.primary pr)", true},
    {R"(emails.display pr)", false},
    {R"(meta pr)", true},
    {R"(active pr)", true},
    {R"(loginCount pr)", true},
    {R"(tags pr)", true},
    // null.
    {R"(nickName eq null)", true},
    {R"(nickName ne null)", false},
    {R"(missing eq null)", true},
    {R"(missing ne null)", false},
    {R"(name.middleName eq null)", true},
    {R"(phoneNumbers eq null)", true},
    {R"(title eq null)", false},
    {R"(title ne null)", true},
    {R"(title co null)", false},
    {R"(nickName gt null)", false},
    // Absent attributes.
    {R"(missing eq "x")", false},
    {R"(missing ne "x")", true},
    {R"(missing co "")", false},
    {R"(missing gt 0)", false},
    {R"(not (missing eq "x"))", true},
    // Complex sub-attributes.
    {R"(name.givenName eq "Barbara")", true},
    {R"(NAME.GIVENNAME eq "barbara")", true},
    {R"(name.familyName eq "Smith")", false},
    {R"(name.formatted co "J Jensen")", true},
    {R"(name eq "Barbara")", false},
    {R"(title.x eq "Tour Guide")", false},
    // Schema URNs: the core schema is the top level, an extension its own object.
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com")", true},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "Barbara")", true},
    {R"(URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName eq "bjensen@example.com")", true},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:employeeNumber pr)", false},
    {R"(urn:ietf:params:scim:schemas:core:2.0:Group:displayName pr)", false},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984")",
     true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7019")",
     false},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter sw "41")", true},
    {R"(URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:COSTCENTER eq "4130")", true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq )"
     R"("26118915-6090-4610-87e4-49d8ca9f808d")",
     true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915")",
     false},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName sw "john")",
     true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref co "Users")", true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr)", true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq )"
     R"("26118915-6090-4610-87e4-49d8ca9f808d")",
     true},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName pr)", false},
    {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[displayName eq )"
     R"("John Smith"])",
     true},
    {R"(urn:ietf:params:scim:schemas:extension:other:2.0:User:employeeNumber pr)", false},
    {R"(employeeNumber eq "701984")", false},
    {R"(manager.value pr)", false},
    // Booleans.
    {R"(active eq true)", true},
    {R"(active eq TRUE)", true},
    {R"(active eq false)", false},
    {R"(active ne false)", true},
    {R"(active ne true)", false},
    {R"(active eq "true")", false},
    {R"(active eq 1)", false},
    {R"(active gt false)", false},
    {R"(active co true)", false},
    {R"(userName eq true)", false},
    // Numbers.
    {R"(loginCount eq 42)", true},
    {R"(loginCount eq 42.0)", true},
    {R"(loginCount eq 4.2e1)", true},
    {R"(loginCount eq 43)", false},
    {R"(loginCount ne 41)", true},
    {R"(loginCount ne 42)", false},
    {R"(loginCount gt 41)", true},
    {R"(loginCount gt 42)", false},
    {R"(loginCount ge 42)", true},
    {R"(loginCount lt 42.5)", true},
    {R"(loginCount lt 42)", false},
    {R"(loginCount le 42)", true},
    {R"(loginCount gt -1)", true},
    {R"(loginCount lt -1e3)", false},
    {R"(loginCount gt 12345678901234567890)", false},
    {R"(loginCount eq "42")", false},
    {R"(loginCount co 4)", false},
    {R"(loginCount sw 4)", false},
    {R"(score eq 3.5)", true},
    {R"(score eq 35e-1)", true},
    {R"(score gt 3)", true},
    {R"(score lt 3)", false},
    {R"(score lt 3.5)", false},
    {R"(score le 3.5)", true},
    {R"(title gt 1)", false},
    {R"(title eq 1)", false},
    // Dates are strings; RFC 3339 timestamps order lexically.
    {R"(meta.lastModified gt "2011-05-13T04:42:33Z")", true},
    {R"(meta.lastModified gt "2011-05-13T04:42:34Z")", false},
    {R"(meta.lastModified ge "2011-05-13T04:42:34Z")", true},
    {R"(meta.lastModified eq "2011-05-13T04:42:34Z")", true},
    {R"(meta.lastModified lt "2012-01-01T00:00:00Z")", true},
    {R"(meta.lastModified lt "2010-01-01T00:00:00Z")", false},
    {R"(meta.lastModified le "2011-05-13T04:42:34Z")", true},
    {R"(meta.created le "2010-01-23T04:56:22Z")", true},
    {R"(meta.created lt "2010-01-23T04:56:22Z")", false},
    {R"(meta.lastModified sw "2011-05")", true},
    {R"(meta.lastModified gt "2011-01-01T00:00:00Z" and meta.lastModified lt "2011-12-31T23:59:59Z")",
     true},
    {R"(meta.lastModified gt "2012-01-01T00:00:00Z" or meta.created lt "2010-01-01T00:00:00Z")",
     false},
    {R"(meta.resourceType eq "user")", true},
    {R"(meta.location ew "413861904646")", true},
    // Multi-valued attributes: any value matches; complex ones compare through "value".
    {R"(emails co "example.com")", true},
    {R"(emails co "jensen.org")", true},
    {R"(emails eq "babs@jensen.org")", true},
    {R"(emails eq "BABS@JENSEN.ORG")", true},
    {R"(emails co "example.net")", false},
    {R"(emails sw "babs")", true},
    {R"(emails ew ".org")", true},
    {R"(emails ne "babs@jensen.org")", false},
    {R"(emails ne "nobody@example.com")", true},
    {R"(emails.value co "jensen.org")", true},
    {R"(emails.value eq "bjensen@example.com")", true},
    {R"(emails.type eq "home")", true},
    {R"(emails.type eq "other")", false},
    {R"(emails.type ne "work")", false},
    {R"(emails.type ne "other")", true},
    {R"(emails.primary eq true)", true},
    {R"(emails.primary eq false)", false},
    {R"(emails.primary ne true)", false},
    {R"(groups.display eq "Tour Guides")", true},
    {R"(groups eq "e9e30dba-f08f-4109-8486-d5c6a331660a")", true},
    {R"(groups.value sw "E9E30DBA")", true},
    {R"(tags eq "beta")", true},
    {R"(tags eq "ALPHA")", true},
    {R"(tags eq "gamma")", false},
    {R"(tags co "lph")", true},
    {R"(tags ne "alpha")", false},
    {R"(tags gt "b")", true},
    {R"(tags gt "c")", false},
    {R"(phoneNumbers eq "555")", false},
    {R"(phoneNumbers ne "555")", true},
    {R"(ims eq "x")", false},
    // Value paths: one value must satisfy the whole inner filter.
    {R"(emails[type eq "work"])", true},
    {R"(emails[type eq "other"])", false},
    {R"(EMAILS[TYPE EQ "WORK"])", true},
    {R"(emails[type eq "work" and value co "@example.com"])", true},
    {R"(emails[type eq "work" and value co "jensen.org"])", false},
    {R"(emails[type eq "home" and value co "jensen.org"])", true},
    {R"(emails[type eq "home" and primary eq true])", false},
    {R"(emails[type eq "work" and primary eq true])", true},
    {R"(emails[primary pr])", true},
    {R"(emails[type eq "home" and primary pr])", false},
    {R"(emails[type eq "home" and not (primary pr)])", true},
    {R"(emails[not (primary pr)])", true},
    {R"(emails[not (type pr)])", false},
    {R"(emails[type eq "work" or type eq "other"])", true},
    {R"(emails[type eq "x" or (type eq "home" and value ew "@jensen.org")])", true},
    {R"(emails[primary eq null])", true},
    {R"(emails[primary ne null])", true},
    {R"(emails[type eq null])", false},
    {R"(emails[display pr])", false},
    {R"(emails[value gt "c"])", false},
    {R"(emails[value lt "c"])", true},
    {R"(name[givenName eq "Barbara"])", true},
    {R"(name[givenName eq "Barbara" and familyName eq "Jensen"])", true},
    {R"(name[givenName eq "Barbara" and familyName eq "Smith"])", false},
    {R"(meta[lastModified gt "2011-01-01"])", true},
    {R"(groups[display co "guides"])", true},
    {R"(missing[x eq 1])", false},
    {R"(userName[x eq 1])", false},
    {R"(tags[value eq "alpha"])", false},
    {R"(phoneNumbers[type eq "work"])", false},
    {R"(not (emails[type eq "other"]))", true},
    {R"(not (emails[type eq "work"]))", false},
    // Logic.
    {R"(not (userName eq "x"))", true},
    {R"(not (userName pr))", false},
    {R"(not (not (userName pr)))", true},
    {R"(title pr and userType eq "Employee")", true},
    {R"(title pr and userType eq "Intern")", false},
    {R"(title pr or userType eq "Intern")", true},
    {R"(missing pr or userType eq "Intern")", false},
    {R"(missing pr or userType eq "Intern" or active eq true)", true},
    {R"(missing pr and userType eq "Intern" or active eq true)", true},
    {R"(missing pr and (userType eq "Intern" or active eq true))", false},
    {R"(not (missing pr) and not (nickName pr))", true},
    {R"(userType eq "Employee" and emails[type eq "work"])", true},
    {R"(userType eq "Contractor" and emails[type eq "work"])", false},
    {R"(userType eq "Contractor" or emails[type eq "work"])", true},
    {R"(userType eq "Employee" and (emails co "example.com" or emails.value co "example.org"))",
     true},
    {R"(userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org"))",
     false},
    {R"(userType eq "Employee" and not (emails co "example.net" or emails.value co "example.org"))",
     true},
    {R"(emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"])", true},
    {R"(emails[type eq "other"] or ims[type eq "xmpp"])", false},
};

TEST_CASE("matches evaluates filters against a realistic User", "[scim][filter][matches]") {
  static const Poco::JSON::Object::Ptr user = parseUser();
  const MatchCase c = GENERATE(from_range(kUserMatches));
  CAPTURE(c.filter);
  auto parsed = scim::parseFilter(c.filter);
  INFO("error: " << (parsed.ok() ? std::string("none") : parsed.error().detail));
  REQUIRE(parsed.ok());
  CHECK(scim::matches(**parsed, *user, userCaseExact) == c.expected);
}

TEST_CASE("matches asks caseExact with the path relative to the resource",
          "[scim][filter][matches]") {
  const Poco::JSON::Object::Ptr user = parseUser();
  struct LookupCase {
    std::string filter;
    std::string expected;  // schema + ":" + dotted, schema empty when absent
  };
  const std::vector<LookupCase> cases = {
      {R"(userName eq "x")", ":userName"},
      {R"(name.givenName eq "x")", ":name.givenName"},
      {R"(emails.value eq "x")", ":emails.value"},
      {R"(emails eq "x")", ":emails.value"},
      {R"(emails[value eq "x"])", ":emails.value"},
      {R"(emails[type eq "x"])", ":emails.type"},
      {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x")",
       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"},
      {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq "x"])",
       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"},
  };
  for (const LookupCase& c : cases) {
    CAPTURE(c.filter);
    std::set<std::string> seen;
    const scim::CaseExactLookup record = [&seen](const scim::AttrPath& path) {
      seen.insert(path.schema + ":" + path.dotted());
      return false;
    };
    auto parsed = scim::parseFilter(c.filter);
    REQUIRE(parsed.ok());
    (void)scim::matches(**parsed, *user, record);
    CHECK(seen == std::set<std::string>{c.expected});
  }
}

TEST_CASE("matches treats an empty caseExact lookup as case-insensitive",
          "[scim][filter][matches]") {
  const Poco::JSON::Object::Ptr user = parseUser();
  auto parsed = scim::parseFilter(R"(externalId eq "bjensen")");
  REQUIRE(parsed.ok());
  CHECK(scim::matches(**parsed, *user, scim::CaseExactLookup{}));
}

TEST_CASE("matches reads objects built in code as well as parsed JSON", "[scim][filter][matches]") {
  using Poco::JSON::Array;
  using Poco::JSON::Object;
  Object resource;
  resource.set("userName", std::string("alice"));
  resource.set("big", static_cast<Poco::UInt64>(18446744073709551615ULL));
  resource.set("negative", static_cast<Poco::Int64>(-5));
  resource.set("ratio", 0.25);
  resource.set("flag", false);
  Object name;  // held by value, not through a Ptr
  name.set("givenName", std::string("Alice"));
  resource.set("name", name);
  Array::Ptr emails = new Array;
  Object::Ptr work = new Object;
  work->set("type", std::string("work"));
  work->set("value", std::string("alice@example.com"));
  emails->add(work);
  emails->add(Poco::Dynamic::Var());  // a null element
  resource.set("emails", emails);
  Array plain;  // held by value
  plain.add(std::string("x"));
  resource.set("plain", plain);
  resource.set("nullObject", Object::Ptr());
  resource.set("nullArray", Array::Ptr());

  const std::vector<MatchCase> cases = {
      {R"(userName eq "ALICE")", true},
      {R"(big gt 18446744073709551614)", true},
      {R"(big gt 0)", true},
      {R"(big gt -1)", true},
      {R"(big eq 18446744073709551615)", true},
      {R"(negative lt 0)", true},
      {R"(negative eq -5)", true},
      {R"(negative gt -5.5)", true},
      {R"(ratio eq 0.25)", true},
      {R"(ratio lt 1)", true},
      {R"(flag eq false)", true},
      {R"(flag eq true)", false},
      {R"(flag pr)", true},
      {R"(name.givenName eq "alice")", true},
      {R"(name[givenName sw "Al"])", true},
      {R"(emails[type eq "work"])", true},
      {R"(emails co "example")", true},
      {R"(emails pr)", true},
      {R"(plain eq "x")", true},
      {R"(plain pr)", true},
      {R"(nullObject pr)", false},
      {R"(nullObject eq null)", true},
      {R"(nullObject.x pr)", false},
      {R"(nullObject[x pr])", false},
      {R"(nullArray pr)", false},
      {R"(nullArray eq "x")", false},
      {R"(nullArray[x pr])", false},
  };
  for (const MatchCase& c : cases) {
    CAPTURE(c.filter);
    auto parsed = scim::parseFilter(c.filter);
    REQUIRE(parsed.ok());
    CHECK(scim::matches(**parsed, resource, {}) == c.expected);
  }
}

TEST_CASE("matches uses the top level for a core URN when the resource lists no schemas",
          "[scim][filter][matches]") {
  Poco::JSON::Object resource;
  resource.set("userName", std::string("alice"));
  auto parsed = scim::parseFilter(R"(urn:ietf:params:scim:schemas:core:2.0:User:userName pr)");
  REQUIRE(parsed.ok());
  CHECK(scim::matches(**parsed, resource, {}));
}

}  // namespace

TEST_CASE("a bare word where a value belongs is read as a string, as Entra ID sends it",
          "[scim][filter]") {
  // Microsoft's Entra ID test collection sends unquoted values; RFC 7644 wants JSON literals.
  // Reading a bare word as the string it spells changes no valid filter.
  struct Case {
    std::string filter;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      {"userName sw O", R"((userName sw "O"))"},
      {"userName eq abc", R"((userName eq "abc"))"},
      {"meta.Created gt 2015-10-10T14:38:21.8617979-07:00",
       R"((meta.Created gt "2015-10-10T14:38:21.8617979-07:00"))"},
      {"name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)",
       R"(((name.FamilyName eq "Employee") and ((emails.Value co "example.com") or (emails.Value co "example.org"))))"},
      {"x eq 01", R"((x eq "01"))"},
      {"x eq 1.5.5", R"((x eq "1.5.5"))"},
      {"x eq tru", R"((x eq "tru"))"},
      {"title eq pr", R"((title eq "pr"))"},
      {"x eq 42", "(x eq 42)"},
      {"x eq true", "(x eq true)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.filter);
    auto parsed = scim::parseFilter(c.filter);
    REQUIRE(parsed.ok());
    CHECK(scim::toString(**parsed) == c.canonical);
  }
}
