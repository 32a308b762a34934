#include "ldap/mapping.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ldap/settings.h"
#include "scim/filter.h"
#include "scim/schema.h"

namespace ldap = scimgate::ldap;
namespace scim = scimgate::scim;

namespace {

using Poco::JSON::Object;

const std::string kEnterprise(scim::kEnterpriseUserSchema);
const std::string kScimgate(scim::kScimgateUserSchema);

Object::Ptr parseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Object::Ptr>();
}

/// Poco objects (not created with preserveInsertionOrder) keep their keys sorted, so the
/// stringified form is canonical.
std::string canonicalJson(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

const ldap::UserMapping& defaultMapping() {
  static const ldap::UserMapping mapping = [] {
    auto created = ldap::UserMapping::create(ldap::defaultUserMapping());
    REQUIRE(created.ok());
    return *created;
  }();
  return mapping;
}

/// A user as Microsoft Entra ID provisions it, already canonical (as parseUserInput leaves it).
const char* const kEntraUser = R"({
  "userName": "ada.lovelace@example.com",
  "externalId": "5d7b1e2c-0a1f-4f43-9d0b-6b2b0c1e9a11",
  "name": {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"},
  "displayName": "Ada Lovelace - Engineering",
  "title": "Principal Engineer",
  "emails": [
    {"value": "ada.personal@example.org", "type": "home"},
    {"value": "ada.lovelace@example.com", "type": "work", "primary": true}
  ],
  "phoneNumbers": [
    {"value": "+44 20 7946 0000", "type": "work"},
    {"value": "+44 7700 900123", "type": "mobile"}
  ],
  "addresses": [
    {"type": "work", "streetAddress": "1 Analytical Way", "locality": "London",
     "postalCode": "EC1A 1BB", "country": "GB", "primary": true}
  ],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "department": "Engineering",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
  },
  "urn:scimgate:params:scim:schemas:extension:2.0:User": {"skills": ["billing", "french"]}
})";

std::vector<std::string> valuesOf(const ldap::Attributes& attributes, const std::string& name) {
  auto it = attributes.find(name);
  return it == attributes.end() ? std::vector<std::string>{} : it->second;
}

using Values = std::vector<std::string>;

}  // namespace

TEST_CASE("the default mapping writes each mapped SCIM attribute to its LDAP attribute",
          "[ldap][mapping]") {
  const auto user = parseObject(kEntraUser);
  const ldap::Attributes attributes = defaultMapping().toLdap(*user);

  CHECK(valuesOf(attributes, "uid") == Values{"ada.lovelace@example.com"});
  CHECK(valuesOf(attributes, "scimgateExternalId") ==
        Values{"5d7b1e2c-0a1f-4f43-9d0b-6b2b0c1e9a11"});
  CHECK(valuesOf(attributes, "givenName") == Values{"Ada"});
  CHECK(valuesOf(attributes, "sn") == Values{"Lovelace"});
  CHECK(valuesOf(attributes, "cn") == Values{"Ada Lovelace - Engineering"});
  CHECK(valuesOf(attributes, "displayName") == Values{"Ada Lovelace - Engineering"});
  CHECK(valuesOf(attributes, "title") == Values{"Principal Engineer"});
  // Every email is searchable in mail, the primary first.
  CHECK(valuesOf(attributes, "mail") ==
        Values{"ada.lovelace@example.com", "ada.personal@example.org"});
  CHECK(valuesOf(attributes, "telephoneNumber") == Values{"+44 20 7946 0000"});
  CHECK(valuesOf(attributes, "mobile") == Values{"+44 7700 900123"});
  CHECK(valuesOf(attributes, "employeeNumber") == Values{"701984"});
  CHECK(valuesOf(attributes, "departmentNumber") == Values{"Engineering"});
  CHECK(valuesOf(attributes, "scimgateSkill") == Values{"billing", "french"});

  // Nothing else but the remainder: no empty attribute, nothing unmapped.
  std::vector<std::string> names;
  for (const auto& [name, values] : attributes) {
    names.push_back(name);
    CAPTURE(name);
    CHECK_FALSE(values.empty());
  }
  CHECK(names == std::vector<std::string>{"cn", "departmentNumber", "displayName", "employeeNumber",
                                          "givenName", "mail", "mobile", "scimgateExternalId",
                                          "scimgateResource", "scimgateSkill", "sn",
                                          "telephoneNumber", "title", "uid"});
}

TEST_CASE("the remainder attribute holds exactly the SCIM data no mapped attribute holds",
          "[ldap][mapping]") {
  const auto user = parseObject(kEntraUser);
  const ldap::Attributes attributes = defaultMapping().toLdap(*user);
  const auto remainder = valuesOf(attributes, ldap::kResourceAttribute);
  REQUIRE(remainder.size() == 1);
  const auto rest = parseObject(remainder.front());

  const auto expected = parseObject(R"({
    "name": {"formatted": "Ada Lovelace"},
    "emails": [{"value": "ada.personal@example.org", "type": "home"},
               {"value": "ada.lovelace@example.com", "type": "work", "primary": true}],
    "phoneNumbers": [{"type": "work"}, {"type": "mobile"}],
    "addresses": [{"type": "work", "streetAddress": "1 Analytical Way", "locality": "London",
                   "postalCode": "EC1A 1BB", "country": "GB", "primary": true}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
      "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}}
  })");
  CHECK(canonicalJson(*rest) == canonicalJson(*expected));
}

TEST_CASE("a user read back from its LDAP attributes equals the user written", "[ldap][mapping]") {
  const auto user = parseObject(kEntraUser);
  const auto readBack = defaultMapping().toScim(defaultMapping().toLdap(*user));
  REQUIRE(readBack);

  // The directory adds what it derives: active and the lifecycle status.
  auto expected = parseObject(kEntraUser);
  expected->set("active", true);
  expected->getObject(kScimgate)->set("status", "active");
  CHECK(canonicalJson(*readBack) == canonicalJson(*expected));
}

TEST_CASE("a stored inactive status reads back as active false", "[ldap][mapping]") {
  auto attributes = defaultMapping().toLdap(*parseObject(R"({"userName": "bjensen"})"));
  attributes[ldap::kStatusAttribute] = {"INACTIVE"};
  const auto user = defaultMapping().toScim(attributes);
  CHECK(user->getValue<bool>("active") == false);
  CHECK(user->getObject(kScimgate)->getValue<std::string>("status") == "inactive");
}

TEST_CASE("active is not stored as data by toLdap", "[ldap][mapping]") {
  const auto attributes =
      defaultMapping().toLdap(*parseObject(R"({"userName": "bjensen", "active": false})"));
  for (const auto& [name, values] : attributes) {
    CAPTURE(name);
    for (const auto& value : values) CHECK(value.find("active") == std::string::npos);
  }
}

TEST_CASE("a user without familyName gets sn from userName and reads back no familyName",
          "[ldap][mapping]") {
  const auto user = parseObject(R"({"userName": "bjensen", "name": {"givenName": "Barbara"}})");
  const auto attributes = defaultMapping().toLdap(*user);
  CHECK(valuesOf(attributes, "sn") == Values{"bjensen"});
  CHECK(valuesOf(attributes, "cn") == Values{"Barbara"});
  CHECK(valuesOf(attributes, "givenName") == Values{"Barbara"});

  const auto readBack = defaultMapping().toScim(attributes);
  REQUIRE(readBack->has("name"));
  const auto name = readBack->getObject("name");
  CHECK(name->getValue<std::string>("givenName") == "Barbara");
  CHECK_FALSE(name->has("familyName"));
  CHECK_FALSE(readBack->has("$synthesized"));
}

TEST_CASE(
    "cn is derived from displayName, then the formatted name, then the name parts, then "
    "userName",
    "[ldap][mapping]") {
  struct Case {
    const char* json;
    const char* cn;
  };
  const std::vector<Case> cases = {
      {R"({"userName": "u", "displayName": "D", "name": {"formatted": "F"}})", "D"},
      {R"({"userName": "u", "name": {"formatted": "F", "givenName": "G"}})", "F"},
      {R"({"userName": "u", "name": {"givenName": "G", "familyName": "S"}})", "G S"},
      {R"({"userName": "u", "name": {"familyName": "S"}})", "S"},
      {R"({"userName": "u"})", "u"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    CHECK(valuesOf(defaultMapping().toLdap(*parseObject(c.json)), "cn") == Values{c.cn});
  }
}

TEST_CASE("without a primary flag the emails map to mail in their order", "[ldap][mapping]") {
  const auto user = parseObject(R"({"userName": "bjensen", "emails": [
      {"value": "first@example.com", "type": "work"},
      {"value": "second@example.com", "type": "home"}]})");
  const auto attributes = defaultMapping().toLdap(*user);
  CHECK(valuesOf(attributes, "mail") == Values{"first@example.com", "second@example.com"});

  const auto readBack = defaultMapping().toScim(attributes);
  auto expected = parseObject(R"({"userName": "bjensen", "active": true, "emails": [
      {"value": "first@example.com", "type": "work"},
      {"value": "second@example.com", "type": "home"}],
      "urn:scimgate:params:scim:schemas:extension:2.0:User": {"status": "active"}})");
  CHECK(canonicalJson(*readBack) == canonicalJson(*expected));
}

TEST_CASE("emails follow mail when the directory changes it behind the gateway",
          "[ldap][mapping]") {
  const auto user = parseObject(R"({"userName": "bjensen", "emails": [
      {"value": "work@example.com", "type": "work", "primary": true},
      {"value": "home@example.org", "type": "home"}]})");
  auto attributes = defaultMapping().toLdap(*user);

  SECTION("a value removed from mail disappears, the others keep their type") {
    attributes["mail"] = {"WORK@example.com"};
    const auto readBack = defaultMapping().toScim(attributes);
    auto expected = parseObject(R"({"userName": "bjensen", "active": true, "emails": [
        {"value": "WORK@example.com", "type": "work", "primary": true}],
        "urn:scimgate:params:scim:schemas:extension:2.0:User": {"status": "active"}})");
    CHECK(canonicalJson(*readBack) == canonicalJson(*expected));
  }
  SECTION("a value added to mail appears as an email without type") {
    attributes["mail"].push_back("desk@example.net");
    const auto readBack = defaultMapping().toScim(attributes);
    auto expected = parseObject(R"({"userName": "bjensen", "active": true, "emails": [
        {"value": "work@example.com", "type": "work", "primary": true},
        {"value": "home@example.org", "type": "home"}, {"value": "desk@example.net"}],
        "urn:scimgate:params:scim:schemas:extension:2.0:User": {"status": "active"}})");
    CHECK(canonicalJson(*readBack) == canonicalJson(*expected));
  }
  SECTION("mail removed altogether leaves no emails") {
    attributes.erase("mail");
    const auto readBack = defaultMapping().toScim(attributes);
    CHECK_FALSE(readBack->has("emails"));
  }
  SECTION("mail written by hand, with no stored details, reads as emails, the first primary") {
    ldap::Attributes bare = {{"uid", {"bjensen"}}, {"mail", {"a@example.com", "b@example.com"}}};
    const auto readBack = defaultMapping().toScim(bare);
    auto expected = parseObject(R"({"userName": "bjensen", "active": true, "emails": [
        {"value": "a@example.com", "primary": true}, {"value": "b@example.com"}],
        "urn:scimgate:params:scim:schemas:extension:2.0:User": {"status": "active"}})");
    CHECK(canonicalJson(*readBack) == canonicalJson(*expected));
  }
}

TEST_CASE("a phone type the user does not have produces no LDAP attribute", "[ldap][mapping]") {
  // An attribute with no values would make the LDAP add fail (RFC 4511 4.7).
  const auto user = parseObject(R"({"userName": "bjensen",
      "phoneNumbers": [{"value": "+1 555 0199", "type": "mobile"}]})");
  const auto attributes = defaultMapping().toLdap(*user);
  CHECK(valuesOf(attributes, "mobile") == Values{"+1 555 0199"});
  CHECK(attributes.count("telephoneNumber") == 0);
  for (const auto& [name, values] : attributes) {
    CAPTURE(name);
    CHECK_FALSE(values.empty());
  }
}

TEST_CASE("a minimal user maps to uid, cn and sn only", "[ldap][mapping]") {
  const auto attributes = defaultMapping().toLdap(*parseObject(R"({"userName": "bjensen"})"));
  CHECK(valuesOf(attributes, "uid") == Values{"bjensen"});
  CHECK(valuesOf(attributes, "cn") == Values{"bjensen"});
  CHECK(valuesOf(attributes, "sn") == Values{"bjensen"});
  for (const auto& [name, values] : attributes) {
    CAPTURE(name);
    CHECK_FALSE(values.empty());
    CHECK((name == "uid" || name == "cn" || name == "sn" || name == ldap::kResourceAttribute));
  }
  const auto readBack = defaultMapping().toScim(attributes);
  const auto expected = parseObject(R"({"userName": "bjensen", "active": true,
      "urn:scimgate:params:scim:schemas:extension:2.0:User": {"status": "active"}})");
  CHECK(canonicalJson(*readBack) == canonicalJson(*expected));
}

TEST_CASE("LDAP attribute names are looked up case-insensitively", "[ldap][mapping]") {
  ldap::Attributes entry;
  entry["UID"] = {"bjensen"};
  entry["GIVENNAME"] = {"Barbara"};
  const auto user = defaultMapping().toScim(entry);
  CHECK(user->getValue<std::string>("userName") == "bjensen");
  CHECK(user->getObject("name")->getValue<std::string>("givenName") == "Barbara");
}

TEST_CASE("a broken remainder attribute still gives the mapped attributes", "[ldap][mapping]") {
  ldap::Attributes entry;
  entry["uid"] = {"bjensen"};
  entry[ldap::kResourceAttribute] = {"{not json"};
  const auto user = defaultMapping().toScim(entry);
  CHECK(user->getValue<std::string>("userName") == "bjensen");
  CHECK(user->getValue<bool>("active") == true);
}

TEST_CASE("mapping creation rejects a table it cannot apply", "[ldap][mapping]") {
  struct Case {
    const char* why;
    std::map<std::string, std::string> table;
    const char* detailMentions;
  };
  const std::vector<Case> cases = {
      {"unknown attribute", {{"userName", "uid"}, {"shoeSize", "x"}}, "shoeSize"},
      {"unknown sub-attribute", {{"userName", "uid"}, {"name.nickName", "x"}}, "nickName"},
      {"unknown URN", {{"userName", "uid"}, {"urn:example:nope:2.0:User:foo", "x"}}, "URN"},
      {"complex without sub-attribute", {{"userName", "uid"}, {"name", "x"}}, "sub-attribute"},
      {"multi-valued complex without selector",
       {{"userName", "uid"}, {"emails.value", "mail"}},
       "emails"},
      {"bad selector", {{"userName", "uid"}, {"emails[work].value", "mail"}}, "selector"},
      {"[all] beside another mapping of the same values",
       {{"userName", "uid"}, {"emails[all].value", "mail"}, {"emails[type=home].value", "x"}},
       "[all]"},
      {"selector on a single-valued attribute",
       {{"userName", "uid"}, {"name[primary].givenName", "x"}},
       "multi-valued"},
      {"LDAP attribute used twice", {{"userName", "uid"}, {"displayName", "UID"}}, "twice"},
      {"empty LDAP attribute", {{"userName", "uid"}, {"title", ""}}, "empty"},
      {"userName not mapped", {{"displayName", "displayName"}}, "userName"},
      {"empty table", {}, "userName"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.why);
    auto created = ldap::UserMapping::create(c.table);
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().kind == scim::ErrorKind::InvalidValue);
    CHECK_THAT(created.error().detail, Catch::Contains(c.detailMentions));
  }
}

TEST_CASE("mapping creation accepts URN-prefixed and case-insensitive paths", "[ldap][mapping]") {
  auto created = ldap::UserMapping::create(
      {{"USERNAME", "uid"},
       {"urn:ietf:params:scim:schemas:core:2.0:User:displayName", "displayName"},
       {kEnterprise + ":EmployeeNumber", "employeeNumber"},
       {"phoneNumbers[type=fax].value", "facsimileTelephoneNumber"}});
  REQUIRE(created.ok());
  const auto attributes = created->toLdap(*parseObject(R"({"userName": "bjensen",
      "displayName": "Babs",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42"},
      "phoneNumbers": [{"value": "+1 555 0100", "type": "fax"}]})"));
  CHECK(valuesOf(attributes, "uid") == Values{"bjensen"});
  CHECK(valuesOf(attributes, "displayName") == Values{"Babs"});
  CHECK(valuesOf(attributes, "employeeNumber") == Values{"42"});
  CHECK(valuesOf(attributes, "facsimileTelephoneNumber") == Values{"+1 555 0100"});
}

TEST_CASE("readAttributes lists the mapped, remainder, status and operational attributes",
          "[ldap][mapping]") {
  const auto names = defaultMapping().readAttributes(ldap::Profile{});
  for (const char* name :
       {"uid", "mail", "sn", "scimgateSkill", "scimgateResource", "scimgateStatus", "entryUUID",
        "entryCSN", "createTimestamp", "modifyTimestamp"}) {
    CAPTURE(name);
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  }
}

TEST_CASE("a SCIM filter becomes the equivalent escaped LDAP filter", "[ldap][mapping][filter]") {
  struct Case {
    const char* scim;
    const char* ldap;
  };
  const std::vector<Case> cases = {
      {R"(userName eq "bjensen")", "(uid=bjensen)"},
      {R"(USERNAME Eq "bjensen")", "(uid=bjensen)"},
      {R"(userName ne "bjensen")", "(!(uid=bjensen))"},
      {R"(userName co "jen")", "(uid=*jen*)"},
      {R"(userName sw "bj")", "(uid=bj*)"},
      {R"(userName ew "sen")", "(uid=*sen)"},
      // Ordering only where the LDAP attribute has an ORDERING rule (uid has none: below).
      {R"(externalId gt "m")", "(&(scimgateExternalId>=m)(!(scimgateExternalId=m)))"},
      {R"(externalId ge "m")", "(scimgateExternalId>=m)"},
      {R"(externalId lt "m")", "(&(scimgateExternalId<=m)(!(scimgateExternalId=m)))"},
      {R"(externalId le "m")", "(scimgateExternalId<=m)"},
      {R"(title pr)", "(title=*)"},
      {R"(name.familyName eq "Jensen")", "(sn=Jensen)"},
      {R"(name.givenName sw "Bar")", "(givenName=Bar*)"},
      {R"(displayName eq "Babs Jensen")", "(displayName=Babs Jensen)"},
      {R"(externalId eq "e-1")", "(scimgateExternalId=e-1)"},
      {R"(userName eq "a" and title pr)", "(&(uid=a)(title=*))"},
      {R"(userName eq "a" or userName eq "b")", "(|(uid=a)(uid=b))"},
      {R"(userName eq "a" or userName eq "b" and title pr)", "(|(uid=a)(&(uid=b)(title=*)))"},
      {R"(not (userName eq "a"))", "(!(uid=a))"},
      {R"(not (title pr) and (userName sw "a" or userName sw "b"))",
       "(&(!(title=*))(|(uid=a*)(uid=b*)))"},
      {R"(emails.value eq "bjensen@example.com")", "(mail=bjensen@example.com)"},
      // One SCIM attribute in two LDAP attributes: any may match; ne and absence need all.
      {R"(phoneNumbers.value eq "555")", "(|(mobile=555)(telephoneNumber=555))"},
      {R"(phoneNumbers co "55")", "(|(mobile=*55*)(telephoneNumber=*55*))"},
      {R"(phoneNumbers.value ne "555")", "(&(!(mobile=555))(!(telephoneNumber=555)))"},
      {R"(phoneNumbers pr)", "(|(mobile=*)(telephoneNumber=*))"},
      {R"(phoneNumbers.value eq null)", "(&(!(mobile=*))(!(telephoneNumber=*)))"},
      {R"(emails eq "bjensen@example.com")", "(mail=bjensen@example.com)"},
      {R"(emails co "@example.com")", "(mail=*@example.com*)"},
      {R"(emails[value eq "bjensen@example.com"])", "(mail=bjensen@example.com)"},
      {R"(emails[value ew "@example.com"])", "(mail=*@example.com)"},
      {R"(emails pr)", "(mail=*)"},
      {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen")", "(uid=bjensen)"},
      {R"(urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "J")", "(sn=J)"},
      {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984")",
       "(employeeNumber=701984)"},
      {R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Eng")",
       "(departmentNumber=Eng)"},
      {R"(urn:scimgate:params:scim:schemas:extension:2.0:User:skills eq "billing")",
       "(scimgateSkill=billing)"},
      {R"(id eq "2819c223-7f76-453a-919d-413861904646")",
       "(entryUUID=2819c223-7f76-453a-919d-413861904646)"},
      {R"(meta.created gt "2015-10-10T14:38:21.8617979-07:00")",
       "(&(createTimestamp>=20151010213821.861797Z)(!(createTimestamp=20151010213821.861797Z)))"},
      {R"(meta.created ge "2015-10-10T14:38:21Z")", "(createTimestamp>=20151010143821Z)"},
      {R"(meta.lastModified lt "2026-01-01T00:00:00+01:00")",
       "(&(modifyTimestamp<=20251231230000Z)(!(modifyTimestamp=20251231230000Z)))"},
      {R"(meta.created pr)", "(createTimestamp=*)"},
      {R"(active eq true)", "(!(scimgateStatus=inactive))"},
      {R"(active eq false)", "(scimgateStatus=inactive)"},
      {R"(active ne true)", "(scimgateStatus=inactive)"},
      {R"(active ne false)", "(!(scimgateStatus=inactive))"},
      {R"(active pr)", "(objectClass=*)"},
      {R"(title eq null)", "(!(title=*))"},
      {R"(title ne null)", "(title=*)"},
      {R"(userName eq "*)(uid=*")", "(uid=\\2a\\29\\28uid=\\2a)"},
      {R"(userName co "*)(|(objectClass=*")", "(uid=*\\2a\\29\\28|\\28objectClass=\\2a*)"},
      {R"(userName eq "back\\slash")", "(uid=back\\5cslash)"},
      {R"(userName eq "nul\u0000byte")", "(uid=nul\\00byte)"},
      {R"(displayName eq "Zoë Çelik")", "(displayName=Zoë Çelik)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.scim);
    auto parsed = scim::parseFilter(c.scim);
    REQUIRE(parsed.ok());
    auto translated = defaultMapping().toLdapFilter(**parsed);
    REQUIRE(translated.ok());
    CHECK(*translated == c.ldap);
  }
}

TEST_CASE("gt, ge, lt and le on an attribute without an ORDERING rule are InvalidFilter",
          "[ldap][mapping][filter]") {
  // RFC 4512 4.1.2: slapd evaluates >= on uid, mail or cn as Undefined and matches nothing.
  for (const char* text : {R"(userName gt "m")", R"(emails.value ge "m")", R"(displayName lt "m")",
                           R"(name.givenName le "m")"}) {
    CAPTURE(text);
    auto parsed = scim::parseFilter(text);
    REQUIRE(parsed.ok());
    auto translated = defaultMapping().toLdapFilter(**parsed);
    REQUIRE_FALSE(translated.ok());
    CHECK(translated.error().kind == scim::ErrorKind::InvalidFilter);
    CHECK(translated.error().detail.find("ORDERING") != std::string::npos);
  }
  CHECK(ldap::hasOrderingRule("createTimestamp"));
  CHECK(ldap::hasOrderingRule("scimgateTimezone"));
  CHECK_FALSE(ldap::hasOrderingRule("scimgateResource"));
  CHECK_FALSE(ldap::hasOrderingRule("uid"));
  CHECK_FALSE(ldap::hasOrderingRule("mail"));
}

TEST_CASE("a number or boolean literal is written as LDAP text", "[ldap][mapping][filter]") {
  auto created = ldap::UserMapping::create(
      {{"userName", "uid"}, {kEnterprise + ":employeeNumber", "employeeNumber"}});
  REQUIRE(created.ok());
  auto parsed = scim::parseFilter(
      R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 42)");
  REQUIRE(parsed.ok());
  auto translated = created->toLdapFilter(**parsed);
  REQUIRE(translated.ok());
  CHECK(*translated == "(employeeNumber=42)");
}

TEST_CASE("a filter on an unknown or unmapped attribute is an invalid filter",
          "[ldap][mapping][filter]") {
  for (const char* text : {
           R"(password eq "x")",
           R"(foo eq "x")",
           R"(groups.value eq "x")",
           R"(groups[value eq "x"])",
           R"(emails.type eq "work")",
           R"(emails[type eq "work"])",
           R"(emails[type eq "work" and value co "@"])",
           R"(name.formatted eq "x")",
           R"(addresses.locality eq "London")",
           R"(urn:example:unknown:2.0:User:foo eq "x")",
           R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x")",
           R"(userName eq "a" and foo eq "x")",
           R"(foo eq "x" or userName eq "a")",
           R"(not (foo pr))",
           R"(active eq "yes")",
           R"(active gt true)",
           R"(title gt null)",
           R"(meta.created gt "yesterday")",
           R"(meta.version eq "W/\"1\"")",
       }) {
    CAPTURE(text);
    auto parsed = scim::parseFilter(text);
    REQUIRE(parsed.ok());
    auto translated = defaultMapping().toLdapFilter(**parsed);
    REQUIRE_FALSE(translated.ok());
    CHECK(translated.error().kind == scim::ErrorKind::InvalidFilter);
  }
}

TEST_CASE("ldapAttributeFor names the mapped attribute of a path, or nothing", "[ldap][mapping]") {
  struct Case {
    scim::AttrPath path;
    const char* ldap;
  };
  const std::vector<Case> cases = {
      {{"", "userName", ""}, "uid"},
      {{"", "username", ""}, "uid"},
      {{"", "name", "familyName"}, "sn"},
      {{"", "emails", "value"}, "mail"},
      {{"", "emails", ""}, "mail"},
      {{"", "emails", "type"}, ""},
      {{std::string(scim::kUserSchema), "userName", ""}, "uid"},
      {{kEnterprise, "department", ""}, "departmentNumber"},
      {{"", "department", ""}, ""},
      {{"urn:nope", "userName", ""}, ""},
      {{"", "password", ""}, ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path.schema, c.path.attribute, c.path.subAttribute);
    CHECK(defaultMapping().ldapAttributeFor(c.path) == c.ldap);
  }
}

TEST_CASE("RFC 3339 date-times become GeneralizedTime in UTC", "[ldap][mapping][time]") {
  struct Case {
    const char* rfc3339;
    const char* generalized;
  };
  const std::vector<Case> cases = {
      {"2015-10-10T14:38:21Z", "20151010143821Z"},
      {"2015-10-10t14:38:21z", "20151010143821Z"},
      {"2015-10-10T14:38:21.5Z", "20151010143821.5Z"},
      {"2015-10-10T14:38:21.8617979Z", "20151010143821.861797Z"},
      {"2015-10-10T14:38:21.8617979-07:00", "20151010213821.861797Z"},
      {"2015-10-10T14:38:21+00:00", "20151010143821Z"},
      {"2015-10-10T14:38:21+02:00", "20151010123821Z"},
      {"2015-10-10T00:30:00+01:00", "20151009233000Z"},
      {"2016-03-01T00:30:00+01:00", "20160229233000Z"},
      {"2015-12-31T23:30:00-01:00", "20160101003000Z"},
      {"2015-10-10T14:38:21+05:30", "20151010090821Z"},
      // Bad input.
      {"", ""},
      {"yesterday", ""},
      {"2015-10-10", ""},
      {"2015-10-10T14:38", ""},
      {"2015-10-10T14:38:21", ""},
      {"2015-10-10 14:38:21Z", ""},
      {"2015/10/10T14:38:21Z", ""},
      {"2015-10-10T14:38:21.Z", ""},
      {"2015-10-10T14:38:21+0700", ""},
      {"2015-10-10T14:38:21+07", ""},
      {"2015-13-01T00:00:00Z", ""},
      {"2015-02-30T00:00:00Z", ""},
      {"2015-10-10T24:00:00Z", ""},
      {"2015-10-10T14:60:00Z", ""},
      {"2015-10-10T14:38:21ZZ", ""},
      {"2015-1a-10T14:38:21Z", ""},
      {"2015-10-10T14:38:21Z*)(uid=*", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.rfc3339);
    CHECK(ldap::toGeneralizedTime(c.rfc3339) == c.generalized);
  }
}

TEST_CASE("GeneralizedTime becomes an RFC 3339 date-time in UTC", "[ldap][mapping][time]") {
  struct Case {
    const char* generalized;
    const char* rfc3339;
  };
  const std::vector<Case> cases = {
      {"20151010143821Z", "2015-10-10T14:38:21Z"},
      {"20151010143821.861797Z", "2015-10-10T14:38:21.861797Z"},
      {"20151010143821,5Z", "2015-10-10T14:38:21.5Z"},
      {"20151010143821-0700", "2015-10-10T21:38:21Z"},
      {"20151010143821+07", "2015-10-10T07:38:21Z"},
      {"20151010143821.5+0530", "2015-10-10T09:08:21.5Z"},
      {"20151231233000-0100", "2016-01-01T00:30:00Z"},
      {"20160301003000+0100", "2016-02-29T23:30:00Z"},
      // Bad input.
      {"", ""},
      {"garbage", ""},
      {"2015101014", ""},
      {"20151010143821", ""},
      {"20151010143821Zjunk", ""},
      {"20151010143821.Z", ""},
      {"20151010143821+7", ""},
      {"20151010143821+2400", ""},
      {"20151310143821Z", ""},
      {"2015-10-10T14:38:21Z", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.generalized);
    CHECK(ldap::fromGeneralizedTime(c.generalized) == c.rfc3339);
  }
}

TEST_CASE("a date-time survives the trip to GeneralizedTime and back", "[ldap][mapping][time]") {
  for (const char* value :
       {"2015-10-10T14:38:21Z", "2026-11-23T10:57:01.123456Z", "2000-02-29T23:59:59Z"}) {
    CAPTURE(value);
    CHECK(ldap::fromGeneralizedTime(ldap::toGeneralizedTime(value)) == value);
  }
}

TEST_CASE("a projection reads only the LDAP attributes behind the SCIM attributes it shows",
          "[ldap][mapping]") {
  const auto mapping = defaultMapping();
  auto has = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  SECTION("userName alone needs uid, not the JSON remainder") {
    const auto names = mapping.readAttributesFor({"id", "userName"}, ldap::Profile{});
    CHECK(has(names, "uid"));
    CHECK(has(names, "entryUUID"));
    CHECK_FALSE(has(names, "mail"));
    CHECK_FALSE(has(names, ldap::kResourceAttribute));
  }
  SECTION("a complex attribute also needs the remainder (types, primary flags, formatted name)") {
    const auto names = mapping.readAttributesFor({"emails"}, ldap::Profile{});
    CHECK(has(names, "mail"));
    CHECK(has(names, ldap::kResourceAttribute));
    CHECK_FALSE(has(names, "uid"));
  }
  SECTION("an unmapped attribute lives only in the remainder") {
    const auto names = mapping.readAttributesFor({"addresses"}, ldap::Profile{});
    CHECK(has(names, ldap::kResourceAttribute));
  }
  SECTION("extension attributes are named with their URN") {
    const auto names = mapping.readAttributesFor(
        {"urn:scimgate:params:scim:schemas:extension:2.0:User:skills"}, ldap::Profile{});
    CHECK(has(names, "scimgateSkill"));
    CHECK_FALSE(has(names, ldap::kResourceAttribute));
  }
}
