#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "filter_helpers.h"
#include "scim/filter.h"

namespace scim = scimgate::scim;

using scimgate::testing::canonical;

namespace {

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
    {R"(a pr and b pr and c pr)", R"(((a pr) and (b pr) and (c pr)))"},
    {R"(a pr or b pr or c pr)", R"(((a pr) or (b pr) or (c pr)))"},
    {R"(a pr or b pr and c pr or d pr)", R"(((a pr) or ((b pr) and (c pr)) or (d pr)))"},
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
      {"name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co "
       "example.org)",
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

TEST_CASE("a long and/or chain prints flat and parses again to the same text", "[scim][filter]") {
  // Found by the filter fuzzer: a chain of more than 64 terms printed as one parenthesis per
  // term, deeper than the parser accepts, so what toString printed was not a filter.
  for (const char* op : {" and ", " or "}) {
    std::string chain = "a pr";
    for (int i = 1; i < 100; ++i) chain += op + std::string("x") + std::to_string(i) + " eq \"v\"";
    CAPTURE(op);
    auto parsed = scim::parseFilter(chain);
    REQUIRE(parsed.ok());
    const std::string printed = scim::toString(**parsed);
    auto again = scim::parseFilter(printed);
    REQUIRE(again.ok());
    CHECK(scim::toString(**again) == printed);
  }
  auto mixed = scim::parseFilter("a pr and (b pr and c pr) and d pr or e pr or f pr");
  REQUIRE(mixed.ok());
  CHECK(scim::toString(**mixed) ==
        "(((a pr) and ((b pr) and (c pr)) and (d pr)) or (e pr) or (f pr))");
}
