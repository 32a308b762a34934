#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "scim/filter.h"

namespace scim = scimgate::scim;

namespace {

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
