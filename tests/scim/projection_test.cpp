#include "scim/projection.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "projection_helpers.h"
#include "scim/schema.h"
#include "scim/user.h"
#include "test_helpers.h"

namespace scim = scimgate::scim;

using scimgate::testing::canonicalJson;
using scimgate::testing::kCore;
using scimgate::testing::kEnterprise;
using scimgate::testing::kScimgate;
using scimgate::testing::parsed;
using scimgate::testing::parseObject;

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

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

/// The canonical form of a JSON literal, to compare against. (Poco 1.11 parses only objects and
/// arrays at the top level, so the literal is wrapped.)
std::string canonical(const std::string& json) {
  return canonicalJson(parseObject(R"({"v": )" + json + "}")->get("v"));
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

}  // namespace
