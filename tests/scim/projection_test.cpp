#include "scim/projection.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "scim/schema.h"
#include "scim/user.h"
#include "test_helpers.h"

namespace scim = scimgate::scim;

using scimgate::testing::parseObject;
using scimgate::testing::positionIn;

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const std::string kCore(scim::kUserSchema);
const std::string kEnterprise(scim::kEnterpriseUserSchema);
const std::string kScimgate(scim::kScimgateUserSchema);

// A full User as GET /Users/{id} serves it, plus a password that must never leave.
const std::string kFullUser = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
              "urn:scimgate:params:scim:schemas:extension:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "bjensen-hr-701984",
  "userName": "bjensen@example.com",
  "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen",
           "givenName": "Barbara"},
  "displayName": "Babs Jensen",
  "password": "t1meMa$heen",
  "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
             {"value": "babs@jensen.org", "type": "home"}],
  "phoneNumbers": [{"value": "+1-555-555-8377", "type": "work", "primary": true}],
  "active": true,
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
  },
  "urn:scimgate:params:scim:schemas:extension:2.0:User": {
    "status": "active",
    "skills": ["billing", "spanish"]
  },
  "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
           "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff591\"",
           "location": "https://scim.example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
})";

Object::Ptr fullUser() { return parseObject(kFullUser); }

/// Poco objects keep their keys sorted, so the stringified form is canonical.
std::string canonicalJson(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(value, out);
  return out.str();
}

/// The canonical form of a JSON literal, to compare against. (Poco 1.11 parses only objects and
/// arrays at the top level, so the literal is wrapped.)
std::string canonical(const std::string& json) {
  return canonicalJson(parseObject(R"({"v": )" + json + "}")->get("v"));
}

scim::Projection parsed(const std::string& attributes, const std::string& excluded = "") {
  auto projection = scim::parseProjection(attributes, excluded, scim::userResourceType());
  INFO("attributes=" << attributes << " excludedAttributes=" << excluded);
  REQUIRE(projection.ok());
  return *projection;
}

Object::Ptr projectUser(const std::string& attributes, const std::string& excluded = "") {
  return scim::project(*fullUser(), parsed(attributes, excluded), scim::userResourceType());
}

std::vector<std::string> keysOf(const Object& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::vector<std::string> sorted(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  return values;
}

std::vector<std::string> schemasOf(const Object& object) {
  std::vector<std::string> schemas;
  const Array::Ptr array = object.getArray("schemas");
  REQUIRE_FALSE(array.isNull());
  for (std::size_t i = 0; i < array->size(); ++i) {
    schemas.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
  }
  return schemas;
}

const std::vector<std::string> kEveryReturnedKey = {
    "schemas", "id",     "externalId",   "userName",  "name",    "displayName",
    "emails",  "active", "phoneNumbers", kEnterprise, kScimgate, "meta"};

std::vector<std::string> everyReturnedKeyBut(const std::vector<std::string>& removed) {
  std::vector<std::string> keys;
  for (const auto& key : kEveryReturnedKey) {
    if (std::find(removed.begin(), removed.end(), key) == removed.end()) keys.push_back(key);
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------
// Which top-level attributes survive.

struct KeysCase {
  std::string what;
  std::string attributes;
  std::string excluded;
  std::vector<std::string> expectedKeys;
};

const std::vector<KeysCase> kKeysCases = {
    {"no projection keeps all but never-returned", "", "", kEveryReturnedKey},
    {"blank lists are no projection", "  ", " , ", kEveryReturnedKey},
    {"attributes=userName keeps the always ones and userName",
     "userName",
     "",
     {"schemas", "id", "userName"}},
    {"names compare case-insensitively", "USERNAME", "", {"schemas", "id", "userName"}},
    {"mixed case", "uSeRnAmE", "", {"schemas", "id", "userName"}},
    {"a core URN prefix is accepted", kCore + ":userName", "", {"schemas", "id", "userName"}},
    {"a lower-case core URN prefix is accepted",
     "urn:ietf:params:scim:schemas:core:2.0:user:username",
     "",
     {"schemas", "id", "userName"}},
    {"whitespace around items is allowed",
     "  userName ,\tdisplayName  ",
     "",
     {"schemas", "id", "userName", "displayName"}},
    {"empty items are skipped",
     ",userName,,displayName,",
     "",
     {"schemas", "id", "userName", "displayName"}},
    {"a complex attribute", "name", "", {"schemas", "id", "name"}},
    {"a multi-valued attribute", "emails", "", {"schemas", "id", "emails"}},
    {"a boolean", "active", "", {"schemas", "id", "active"}},
    {"externalId is a common attribute", "externalId", "", {"schemas", "id", "externalId"}},
    {"meta is returned only when named", "meta", "", {"schemas", "id", "meta"}},
    {"naming id alone keeps just the always ones", "id", "", {"schemas", "id"}},
    {"naming schemas alone keeps just the always ones", "schemas", "", {"schemas", "id"}},
    {"a whole extension by its URN", kEnterprise, "", {"schemas", "id", kEnterprise}},
    {"an extension URN compares case-insensitively",
     "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER",
     "",
     {"schemas", "id", kEnterprise}},
    {"an extension attribute by URN:name",
     kEnterprise + ":employeeNumber",
     "",
     {"schemas", "id", kEnterprise}},
    {"the scimgate extension", kScimgate + ":skills", "", {"schemas", "id", kScimgate}},
    {"the whole core schema by its URN",
     kCore,
     "",
     {"schemas", "id", "userName", "name", "displayName", "emails", "phoneNumbers", "active"}},
    {"unknown names are ignored", "userName,nickname2,foo", "", {"schemas", "id", "userName"}},
    {"an unknown schema is ignored",
     "urn:example:params:scim:Thing:foo,userName",
     "",
     {"schemas", "id", "userName"}},
    {"a Group attribute on a User is ignored",
     "urn:ietf:params:scim:schemas:core:2.0:Group:members,userName",
     "",
     {"schemas", "id", "userName"}},
    {"an unknown sub-attribute is ignored",
     "userName,name.nickname",
     "",
     {"schemas", "id", "userName"}},
    {"a sub-attribute of a simple attribute is ignored",
     "userName,displayName.value",
     "",
     {"schemas", "id", "userName"}},
    {"a list of only unknown names counts as absent", "foo,bar", "", kEveryReturnedKey},
    {"password is never returned even when named", "password", "", {"schemas", "id"}},
    {"password named with others", "userName,PASSWORD", "", {"schemas", "id", "userName"}},
    {"Entra quirk: a value filter names the whole attribute",
     R"(emails[type eq "work"])",
     "",
     {"schemas", "id", "emails"}},
    {"a comma inside a value filter does not split the list",
     R"(emails[value eq "a,b"],userName)",
     "",
     {"schemas", "id", "emails", "userName"}},
    {"attributes wins when both are given", "userName", "userName", {"schemas", "id", "userName"}},
    {"an all-unknown attributes list lets excludedAttributes apply", "foo", "emails",
     everyReturnedKeyBut({"emails"})},
    {"excludedAttributes=emails,meta", "", "emails,meta", everyReturnedKeyBut({"emails", "meta"})},
    {"excluded names compare case-insensitively", "", " EMAILS , Meta ",
     everyReturnedKeyBut({"emails", "meta"})},
    {"excluding id has no effect", "", "id", kEveryReturnedKey},
    {"excluding schemas has no effect", "", "schemas", kEveryReturnedKey},
    {"excluding password changes nothing", "", "password", kEveryReturnedKey},
    {"excluding externalId", "", "externalId", everyReturnedKeyBut({"externalId"})},
    {"excluding a whole extension", "", kEnterprise, everyReturnedKeyBut({kEnterprise})},
    {"excluding every attribute of an extension removes its object", "",
     kEnterprise + ":employeeNumber," + kEnterprise + ":manager",
     everyReturnedKeyBut({kEnterprise})},
    {"excluding one extension attribute keeps the object", "", kEnterprise + ":manager",
     kEveryReturnedKey},
    {"excluding unknown names is ignored", "", "foo,urn:example:x:y", kEveryReturnedKey},
    {"excluding the core URN removes the core attributes",
     "",
     kCore,
     {"schemas", "id", "externalId", kEnterprise, kScimgate, "meta"}},
    {"excluding a value-filtered attribute excludes all of it", "", R"(emails[type eq "home"])",
     everyReturnedKeyBut({"emails"})},
    {"a sub-attribute no value has leaves nothing of the attribute",
     "phoneNumbers.display",
     "",
     {"schemas", "id"}},
};

TEST_CASE("projection keeps exactly the attributes the lists and `returned` allow",
          "[scim][projection]") {
  for (const auto& c : kKeysCases) {
    SECTION(c.what) {
      const Object::Ptr out = projectUser(c.attributes, c.excluded);
      CHECK(keysOf(*out) == sorted(c.expectedKeys));
      CHECK_FALSE(out->has("password"));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// What survives inside the attributes.

struct ValueCase {
  std::string what;
  std::string attributes;
  std::string excluded;
  std::string key;       // the attribute to compare
  std::string expected;  // its JSON
};

const std::vector<ValueCase> kValueCases = {
    {"a named sub-attribute keeps only it", "name.givenName", "", "name",
     R"({"givenName": "Barbara"})"},
    {"sub-attribute names compare case-insensitively", "Name.GivenName", "", "name",
     R"({"givenName": "Barbara"})"},
    {"two sub-attributes of one attribute", "name.givenName,name.familyName", "", "name",
     R"({"givenName": "Barbara", "familyName": "Jensen"})"},
    {"a sub-attribute and its parent give the whole parent", "name.givenName,name", "", "name",
     R"({"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen",
         "givenName": "Barbara"})"},
    {"a sub-attribute of a multi-valued attribute from every value", "emails.value", "", "emails",
     R"([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}])"},
    {"two sub-attributes of a multi-valued attribute", "emails.value,EMAILS.TYPE", "", "emails",
     R"([{"value": "bjensen@example.com", "type": "work"},
         {"value": "babs@jensen.org", "type": "home"}])"},
    {"a sub-attribute only some values have keeps those values", "emails.primary", "", "emails",
     R"([{"primary": true}])"},
    {"a whole multi-valued attribute keeps every sub-attribute", "emails", "", "emails",
     R"([{"value": "bjensen@example.com", "type": "work", "primary": true},
         {"value": "babs@jensen.org", "type": "home"}])"},
    {"Entra quirk: a value filter does not select values", R"(emails[type eq "work"])", "",
     "emails",
     R"([{"value": "bjensen@example.com", "type": "work", "primary": true},
         {"value": "babs@jensen.org", "type": "home"}])"},
    {"a value filter followed by a sub-attribute names the sub-attribute",
     R"(emails[type eq "work"].value)", "", "emails",
     R"([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}])"},
    {"a meta sub-attribute", "meta.created", "", "meta", R"({"created": "2010-01-23T04:56:22Z"})"},
    {"meta sub-attributes compare case-insensitively", "META.LASTMODIFIED,meta.version", "", "meta",
     R"({"lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff591\""})"},
    {"a meta sub-attribute behind the core URN", kCore + ":meta.location", "", "meta",
     R"({"location": "https://scim.example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"})"},
    {"an extension attribute keeps only it in the extension object",
     kEnterprise + ":employeeNumber", "", kEnterprise, R"({"employeeNumber": "701984"})"},
    {"an extension sub-attribute", kEnterprise + ":manager.value", "", kEnterprise,
     R"({"manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}})"},
    {"an extension attribute name compares case-insensitively", kScimgate + ":SKILLS", "",
     kScimgate, R"({"skills": ["billing", "spanish"]})"},
    {"a whole extension keeps its whole object", kEnterprise, "", kEnterprise,
     R"({"employeeNumber": "701984",
         "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d",
                     "displayName": "John Smith"}})"},
    {"excluding a sub-attribute removes only it", "", "name.familyName", "name",
     R"({"formatted": "Ms. Barbara J Jensen III", "givenName": "Barbara"})"},
    {"excluding a sub-attribute of a multi-valued attribute removes it from every value", "",
     "emails.primary,emails.TYPE", "emails",
     R"([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}])"},
    {"excluding a meta sub-attribute", "", "meta.location,meta.version", "meta",
     R"({"resourceType": "User", "created": "2010-01-23T04:56:22Z",
         "lastModified": "2011-05-13T04:42:34Z"})"},
    {"excluding an extension sub-attribute", "", kEnterprise + ":manager.displayName", kEnterprise,
     R"({"employeeNumber": "701984",
         "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}})"},
    {"excluding one extension attribute keeps the others", "", kScimgate + ":skills", kScimgate,
     R"({"status": "active"})"},
    {"id is kept verbatim", "userName", "", "id", R"("2819c223-7f76-453a-919d-413861904646")"},
};

TEST_CASE("projection keeps the named sub-attributes and drops the excluded ones",
          "[scim][projection]") {
  for (const auto& c : kValueCases) {
    SECTION(c.what) {
      const Object::Ptr out = projectUser(c.attributes, c.excluded);
      REQUIRE(out->has(c.key));
      CHECK(canonicalJson(out->get(c.key)) == canonical(c.expected));
    }
  }
}

TEST_CASE("projection by sub-attribute drops the other attributes", "[scim][projection]") {
  const Object::Ptr out = projectUser("name.givenName");
  CHECK(keysOf(*out) == sorted({"schemas", "id", "name"}));
}

// ---------------------------------------------------------------------------------------------
// schemas

struct SchemasCase {
  std::string what;
  std::string attributes;
  std::string excluded;
  std::vector<std::string> expected;
};

const std::vector<SchemasCase> kSchemasCases = {
    {"no projection lists every extension present", "", "", {kCore, kEnterprise, kScimgate}},
    {"core attributes only list the core schema", "userName,emails", "", {kCore}},
    {"an extension attribute lists its extension",
     kEnterprise + ":employeeNumber",
     "",
     {kCore, kEnterprise}},
    {"a whole extension lists it", "userName," + kScimgate, "", {kCore, kScimgate}},
    {"an excluded extension is unlisted", "", kEnterprise, {kCore, kScimgate}},
    {"an emptied extension is unlisted",
     "",
     kScimgate + ":status," + kScimgate + ":skills",
     {kCore, kEnterprise}},
    {"the core schema stays when every core attribute is excluded",
     "",
     kCore,
     {kCore, kEnterprise, kScimgate}},
    {"the core schema stays when only an extension is named", kScimgate, "", {kCore, kScimgate}},
};

TEST_CASE("projection lists in schemas only the schemas still present", "[scim][projection]") {
  for (const auto& c : kSchemasCases) {
    SECTION(c.what) {
      const Object::Ptr out = projectUser(c.attributes, c.excluded);
      CHECK(schemasOf(*out) == c.expected);
    }
  }
}

TEST_CASE("projection adds schemas even when the resource lacks them", "[scim][projection]") {
  Object::Ptr resource = fullUser();
  resource->remove("schemas");
  const Object::Ptr out = scim::project(*resource, parsed("userName"), scim::userResourceType());
  CHECK(schemasOf(*out) == std::vector<std::string>{kCore});
}

// ---------------------------------------------------------------------------------------------
// Input and output independence.

TEST_CASE("projection never mutates its input", "[scim][projection]") {
  const Object::Ptr input = fullUser();
  const std::string before = canonicalJson(input);
  for (const auto& [attributes, excluded] : std::vector<std::pair<std::string, std::string>>{
           {"", ""},
           {"name.givenName,emails.value", ""},
           {"", "emails.type,meta," + kEnterprise + ":manager.value"},
           {kEnterprise, ""}}) {
    (void)scim::project(*input, parsed(attributes, excluded), scim::userResourceType());
    CHECK(canonicalJson(input) == before);
  }
}

TEST_CASE("projection output shares no objects with its input", "[scim][projection]") {
  const Object::Ptr input = fullUser();
  const std::string before = canonicalJson(input);
  const Object::Ptr out = scim::project(*input, scim::Projection{}, scim::userResourceType());
  out->getObject("name")->set("givenName", "Changed");
  out->getArray("emails")->getObject(0)->set("value", "changed@example.com");
  out->getObject(kEnterprise)->getObject("manager")->set("value", "changed");
  out->getObject(kScimgate)->getArray("skills")->add("changed");
  out->getObject("meta")->set("version", "changed");
  CHECK(canonicalJson(input) == before);
}

TEST_CASE("projection without lists equals the input minus never-returned attributes",
          "[scim][projection]") {
  Object::Ptr expected = fullUser();
  expected->remove("password");
  const Object::Ptr out = scim::project(*fullUser(), scim::Projection{}, scim::userResourceType());
  CHECK(canonicalJson(out) == canonicalJson(expected));
}

TEST_CASE("projection keeps unknown keys only in the default set", "[scim][projection]") {
  Object::Ptr resource = fullUser();
  resource->set("x-legacy", "kept?");
  SECTION("no projection keeps it") {
    const Object::Ptr out = scim::project(*resource, scim::Projection{}, scim::userResourceType());
    CHECK(out->has("x-legacy"));
  }
  SECTION("excludedAttributes keeps it") {
    const Object::Ptr out =
        scim::project(*resource, parsed("", "emails"), scim::userResourceType());
    CHECK(out->has("x-legacy"));
  }
  SECTION("attributes drops it") {
    const Object::Ptr out = scim::project(*resource, parsed("userName"), scim::userResourceType());
    CHECK_FALSE(out->has("x-legacy"));
  }
}

TEST_CASE("projection works on what userToJson produces", "[scim][projection]") {
  scim::User user;
  user.id = "42";
  user.attributes->set("userName", "alice");
  user.attributes->set("displayName", "Alice");
  Object::Ptr enterprise = new Object;
  enterprise->set("employeeNumber", "7");
  user.attributes->set(kEnterprise, enterprise);
  user.meta.created = "2024-01-01T00:00:00Z";
  user.meta.lastModified = "2024-01-02T00:00:00Z";
  user.meta.version = "W/\"1\"";
  const Object::Ptr full = scim::userToJson(user, "https://scim.example.com/v2/Users/42");

  SECTION("attributes=userName") {
    const Object::Ptr out = scim::project(*full, parsed("userName"), scim::userResourceType());
    CHECK(canonicalJson(out) ==
          canonical(R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "id": "42", "userName": "alice"})"));
  }
  SECTION("excludedAttributes=meta,displayName") {
    const Object::Ptr out =
        scim::project(*full, parsed("", "meta,displayName"), scim::userResourceType());
    CHECK(canonicalJson(out) ==
          canonical(R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                        "id": "42", "userName": "alice",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                          {"employeeNumber": "7"}})"));
  }
}

TEST_CASE("projection honours hand-built paths without a schema", "[scim][projection]") {
  scim::Projection projection;
  projection.attributes = {{"", "USERNAME", ""}, {"", "meta", "created"}};
  const Object::Ptr out = scim::project(*fullUser(), projection, scim::userResourceType());
  CHECK(keysOf(*out) == sorted({"schemas", "id", "userName", "meta"}));
  CHECK(canonicalJson(out->get("meta")) == canonical(R"({"created": "2010-01-23T04:56:22Z"})"));
}

// ---------------------------------------------------------------------------------------------
// `returned` values the User schemas do not use (request, always and never sub-attributes).

scim::AttributeDef widgetAttr(std::string name, scim::Returned returned) {
  scim::AttributeDef def;
  def.name = std::move(name);
  def.returned = returned;
  return def;
}

const std::string kWidget = "urn:example:params:scim:schemas:core:2.0:Widget";
const std::string kWidgetExtension = "urn:example:params:scim:schemas:extension:2.0:Widget";

const scim::ResourceTypeDef& widgetType() {
  static const scim::Schema core = [] {
    scim::Schema s;
    s.id = kWidget;
    s.name = "Widget";
    s.attributes = {
        widgetAttr("label", scim::Returned::Default), widgetAttr("secret", scim::Returned::Never),
        widgetAttr("audit", scim::Returned::Request), widgetAttr("serial", scim::Returned::Always)};
    scim::AttributeDef detail = widgetAttr("detail", scim::Returned::Default);
    detail.type = scim::AttrType::Complex;
    detail.subAttributes = {
        widgetAttr("value", scim::Returned::Default), widgetAttr("hidden", scim::Returned::Never),
        widgetAttr("note", scim::Returned::Request), widgetAttr("key", scim::Returned::Always)};
    s.attributes.push_back(detail);
    return s;
  }();
  static const scim::Schema extension = [] {
    scim::Schema s;
    s.id = kWidgetExtension;
    s.name = "WidgetExtension";
    s.attributes = {widgetAttr("cost", scim::Returned::Request)};
    return s;
  }();
  static const scim::ResourceTypeDef type = [] {
    scim::ResourceTypeDef t;
    t.id = "Widget";
    t.endpoint = "/Widgets";
    t.core = &core;
    t.extensions = {&extension};
    return t;
  }();
  return type;
}

const std::string kWidgetJson = R"({
  "schemas": ["urn:example:params:scim:schemas:core:2.0:Widget",
              "urn:example:params:scim:schemas:extension:2.0:Widget"],
  "id": "w1", "label": "Left", "secret": "s3cr3t", "audit": "a-trail", "serial": "SN-1",
  "detail": {"value": "v", "hidden": "h", "note": "n", "key": "k"},
  "urn:example:params:scim:schemas:extension:2.0:Widget": {"cost": 12}
})";

struct WidgetCase {
  std::string what;
  std::string attributes;
  std::string excluded;
  std::string expected;  // the whole output, without `schemas` unless it has extensions
};

const std::vector<WidgetCase> kWidgetCases = {
    {"the default set leaves out never and request attributes and sub-attributes", "", "",
     R"({"id": "w1", "label": "Left", "serial": "SN-1", "detail": {"value": "v", "key": "k"}})"},
    {"naming a default attribute keeps the always ones", "label", "",
     R"({"id": "w1", "label": "Left", "serial": "SN-1"})"},
    {"a request attribute is returned when named", "audit", "",
     R"({"id": "w1", "audit": "a-trail", "serial": "SN-1"})"},
    {"a never attribute is not returned when named", "secret", "",
     R"({"id": "w1", "serial": "SN-1"})"},
    {"naming a complex attribute returns its request sub-attributes but not never ones", "detail",
     "", R"({"id": "w1", "serial": "SN-1", "detail": {"value": "v", "note": "n", "key": "k"}})"},
    {"naming a request sub-attribute keeps it and the always ones", "detail.note", "",
     R"({"id": "w1", "serial": "SN-1", "detail": {"note": "n", "key": "k"}})"},
    {"naming a never sub-attribute keeps only the always ones", "detail.hidden", "",
     R"({"id": "w1", "serial": "SN-1", "detail": {"key": "k"}})"},
    {"excluding an always attribute has no effect", "", "serial",
     R"({"id": "w1", "label": "Left", "serial": "SN-1", "detail": {"value": "v", "key": "k"}})"},
    {"excluding an always sub-attribute has no effect", "", "detail.key",
     R"({"id": "w1", "label": "Left", "serial": "SN-1", "detail": {"value": "v", "key": "k"}})"},
    {"excluding a default sub-attribute keeps the always one", "", "detail.value",
     R"({"id": "w1", "label": "Left", "serial": "SN-1", "detail": {"key": "k"}})"},
    {"a request extension attribute is returned when named", kWidgetExtension + ":cost", "",
     R"({"schemas": ["urn:example:params:scim:schemas:core:2.0:Widget",
                     "urn:example:params:scim:schemas:extension:2.0:Widget"],
         "id": "w1", "serial": "SN-1",
         "urn:example:params:scim:schemas:extension:2.0:Widget": {"cost": 12}})"},
    {"naming a whole extension returns its request attributes", kWidgetExtension, "",
     R"({"schemas": ["urn:example:params:scim:schemas:core:2.0:Widget",
                     "urn:example:params:scim:schemas:extension:2.0:Widget"],
         "id": "w1", "serial": "SN-1",
         "urn:example:params:scim:schemas:extension:2.0:Widget": {"cost": 12}})"},
};

TEST_CASE("projection follows every `returned` value of the schema", "[scim][projection]") {
  for (const auto& c : kWidgetCases) {
    SECTION(c.what) {
      auto projection = scim::parseProjection(c.attributes, c.excluded, widgetType());
      REQUIRE(projection.ok());
      const Object::Ptr out = scim::project(*parseObject(kWidgetJson), *projection, widgetType());
      Object::Ptr expected = parseObject(c.expected);
      if (!expected->has("schemas")) {
        Array::Ptr coreOnly = new Array;
        coreOnly->add(kWidget);
        expected->set("schemas", coreOnly);
      }
      CHECK(canonicalJson(out) == canonicalJson(expected));
    }
  }
}

TEST_CASE("neededAttributes follows every `returned` value of the schema", "[scim][projection]") {
  const auto neededFor = [](const std::string& attributes) {
    auto projection = scim::parseProjection(attributes, "", widgetType());
    REQUIRE(projection.ok());
    return scim::neededAttributes(*projection, widgetType());
  };
  SECTION("the default set has no never or request attributes") {
    CHECK(neededFor("") ==
          std::vector<std::string>{"id", "externalId", "meta", "label", "serial", "detail"});
  }
  SECTION("a named request attribute is needed") {
    CHECK(neededFor("audit") == std::vector<std::string>{"id", "audit", "serial"});
  }
  SECTION("a named request extension attribute is needed") {
    CHECK(neededFor(kWidgetExtension) ==
          std::vector<std::string>{"id", "serial", kWidgetExtension + ":cost"});
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing.

struct ResolveCase {
  std::string item;
  scim::AttrPath expected;
};

const std::vector<ResolveCase> kResolveCases = {
    {"userName", {kCore, "userName", ""}},
    {"USERNAME", {kCore, "userName", ""}},
    {"Name.GivenName", {kCore, "name", "givenName"}},
    {"emails.VALUE", {kCore, "emails", "value"}},
    {kCore + ":userName", {kCore, "userName", ""}},
    {"ID", {"", "id", ""}},
    {"externalid", {"", "externalId", ""}},
    {"meta.CREATED", {"", "meta", "created"}},
    {"meta.resourcetype", {"", "meta", "resourceType"}},
    {kCore + ":meta", {"", "meta", ""}},
    {"Schemas", {"", "schemas", ""}},
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", {kEnterprise, "", ""}},
    {kScimgate, {kScimgate, "", ""}},
    {kEnterprise + ":EMPLOYEENUMBER", {kEnterprise, "employeeNumber", ""}},
    {kEnterprise + ":manager.value", {kEnterprise, "manager", "value"}},
    {kScimgate + ":mfa.totp", {kScimgate, "mfa", "totp"}},
    {"groups.$ref", {kCore, "groups", "$ref"}},
    {R"(emails[type eq "work"])", {kCore, "emails", ""}},
    {R"(emails[type eq "work" and primary eq true].Value)", {kCore, "emails", "value"}},
    {"password", {kCore, "password", ""}},
};

TEST_CASE("parseProjection resolves names to the schema's spelling", "[scim][projection]") {
  for (const auto& c : kResolveCases) {
    SECTION(c.item) {
      const scim::Projection projection = parsed(c.item);
      REQUIRE(projection.attributes.size() == 1);
      const scim::AttrPath& path = projection.attributes.front();
      CHECK(path.schema == c.expected.schema);
      CHECK(path.attribute == c.expected.attribute);
      CHECK(path.subAttribute == c.expected.subAttribute);
      CHECK(projection.excluded.empty());
    }
  }
}

TEST_CASE("parseProjection fills excluded only when attributes names nothing",
          "[scim][projection]") {
  SECTION("excludedAttributes alone") {
    const scim::Projection projection = parsed("", "emails, meta");
    CHECK(projection.attributes.empty());
    CHECK(projection.excluded.size() == 2);
    CHECK_FALSE(projection.empty());
  }
  SECTION("both given: attributes wins") {
    const scim::Projection projection = parsed("userName", "emails");
    CHECK(projection.attributes.size() == 1);
    CHECK(projection.excluded.empty());
  }
  SECTION("neither given") { CHECK(parsed("", "").empty()); }
  SECTION("only unknown names") { CHECK(parsed("foo, bar", "baz").empty()); }
}

struct BadCase {
  std::string what;
  std::string attributes;
  std::string excluded;
  std::string parameter;  // named in the detail
  std::size_t position;
};

const std::vector<BadCase> kBadCases = {
    {"a character outside ATTRNAME", "userName, na!me", "", "attributes", 12},
    {"a space inside a name", "user Name", "", "attributes", 5},
    {"a name starting with a digit", "2fa", "", "attributes", 0},
    {"two dots", "name.givenName.x", "", "attributes", 14},
    {"an unclosed value filter", R"(emails[type eq "work")", "", "attributes", 21},
    {"a broken value filter", "emails[type zz 1]", "", "attributes", 12},
    {"a trailing colon", kEnterprise + ":", "", "attributes", 59},
    {"a bad excluded list", "", "meta,@", "excludedAttributes", 5},
    {"a bad excluded list even when attributes wins", "userName", "a;b", "excludedAttributes", 1},
};

TEST_CASE("parseProjection rejects items that are not attribute paths", "[scim][projection]") {
  for (const auto& c : kBadCases) {
    SECTION(c.what) {
      auto projection = scim::parseProjection(c.attributes, c.excluded, scim::userResourceType());
      REQUIRE_FALSE(projection.ok());
      const scim::Error& error = projection.error();
      INFO(error.detail);
      CHECK(error.kind == scim::ErrorKind::InvalidValue);
      CHECK(error.detail.rfind("invalid " + c.parameter + ": ", 0) == 0);
      CHECK(positionIn(error.detail) == c.position);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// neededAttributes

std::vector<std::string> needed(const std::string& attributes, const std::string& excluded = "") {
  return scim::neededAttributes(parsed(attributes, excluded), scim::userResourceType());
}

std::vector<std::string> everyDefaultAttribute() {
  std::vector<std::string> all = {"id", "externalId", "meta"};
  for (const auto& def : scim::userSchema().attributes) {
    if (def.returned != scim::Returned::Never) all.push_back(def.name);
  }
  for (const auto* ext : scim::userResourceType().extensions) {
    for (const auto& def : ext->attributes) all.push_back(ext->id + ":" + def.name);
  }
  return all;
}

std::vector<std::string> withoutNames(std::vector<std::string> names,
                                      const std::vector<std::string>& removed) {
  names.erase(std::remove_if(names.begin(), names.end(),
                             [&](const std::string& n) {
                               return std::find(removed.begin(), removed.end(), n) != removed.end();
                             }),
              names.end());
  return names;
}

TEST_CASE("neededAttributes lists what the projection can return", "[scim][projection]") {
  SECTION("an empty projection needs every default and always attribute") {
    const auto all = needed("");
    CHECK(all == everyDefaultAttribute());
    CHECK(std::find(all.begin(), all.end(), "userName") != all.end());
    CHECK(std::find(all.begin(), all.end(), kEnterprise + ":employeeNumber") != all.end());
    CHECK(std::find(all.begin(), all.end(), "password") == all.end());
    CHECK(std::find(all.begin(), all.end(), "schemas") == all.end());
  }
  SECTION("attributes=userName needs id and userName") {
    CHECK(needed("userName") == std::vector<std::string>{"id", "userName"});
  }
  SECTION("a sub-attribute needs its attribute") {
    CHECK(needed("name.givenName") == std::vector<std::string>{"id", "name"});
  }
  SECTION("a meta sub-attribute needs meta") {
    CHECK(needed("meta.created") == std::vector<std::string>{"id", "meta"});
  }
  SECTION("an extension attribute") {
    CHECK(needed(kEnterprise + ":manager.value") ==
          std::vector<std::string>{"id", kEnterprise + ":manager"});
  }
  SECTION("a whole extension needs each of its attributes") {
    std::vector<std::string> expected = {"id"};
    for (const auto& def : scim::enterpriseUserSchema().attributes) {
      expected.push_back(kEnterprise + ":" + def.name);
    }
    CHECK(needed(kEnterprise) == expected);
  }
  SECTION("the Entra quirk needs the attribute") {
    CHECK(needed(R"(emails[type eq "work"])") == std::vector<std::string>{"id", "emails"});
  }
  SECTION("password is never needed") {
    CHECK(needed("password") == std::vector<std::string>{"id"});
  }
  SECTION("excluded attributes are not needed") {
    CHECK(needed("", "emails,meta," + kScimgate) ==
          withoutNames(everyDefaultAttribute(),
                       {"emails", "meta", kScimgate + ":status", kScimgate + ":skills",
                        kScimgate + ":emailPreferences", kScimgate + ":accounts",
                        kScimgate + ":queues", kScimgate + ":mfa"}));
  }
  SECTION("excluding id still needs id") { CHECK(needed("", "id") == everyDefaultAttribute()); }
  SECTION("excluding a sub-attribute still needs its attribute") {
    CHECK(needed("", "name.givenName") == everyDefaultAttribute());
  }
  SECTION("attributes wins over excludedAttributes") {
    CHECK(needed("userName", "userName") == std::vector<std::string>{"id", "userName"});
  }
}

}  // namespace
