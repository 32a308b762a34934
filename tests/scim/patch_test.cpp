#include "scim/patch.h"

#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <string>

#include "patch_helpers.h"
#include "scim/schema.h"
#include "test_helpers.h"

namespace scim = scimgate::scim;

using scimgate::testing::checkAll;
using scimgate::testing::kBabs;
using scimgate::testing::parseObject;
using scimgate::testing::patch;
using scimgate::testing::toJson;

namespace {

const std::string kEnterprise(scim::kEnterpriseUserSchema);
const std::string kScimgate(scim::kScimgateUserSchema);

/// Poco objects keep their keys sorted, so the stringified form is canonical.
std::string canonical(const std::string& json) { return toJson(parseObject(json)); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// add

TEST_CASE("add with a path sets, appends and merges per the schema", "[scim][patch]") {
  checkAll(
      kBabs,
      {
          {"add to a single-valued attribute sets it",
           R"([{"op": "add", "path": "title", "value": "Tour Guide"}])", "title",
           R"("Tour Guide")"},
          {"add to a present single-valued attribute replaces it",
           R"([{"op": "add", "path": "displayName", "value": "Barbara"}])", "displayName",
           R"("Barbara")"},
          {"add takes the schema spelling of the attribute name",
           R"([{"op": "add", "path": "NICKNAME", "value": "Babs"}])", "nickName", R"("Babs")"},
          {"add to a multi-valued attribute appends a single value",
           R"([{"op": "add", "path": "phoneNumbers", "value": {"value": "+1 555 0199", "type": "work"}}])",
           "phoneNumbers",
           R"([{"value": "+1 555 0100", "type": "mobile"}, {"value": "+1 555 0199", "type": "work"}])"},
          {"add to a multi-valued attribute appends an array and skips exact "
           "duplicates",
           R"([{"op": "add", "path": "phoneNumbers",
            "value": [{"value": "+1 555 0100", "type": "mobile"}, {"value": "+1 555 0142"}]}])",
           "phoneNumbers",
           R"([{"value": "+1 555 0100", "type": "mobile"}, {"value": "+1 555 0142"}])"},
          {"add to an absent multi-valued attribute creates it",
           R"([{"op": "add", "path": "ims", "value": [{"Value": "babs", "Type": "xmpp"}]}])", "ims",
           R"([{"value": "babs", "type": "xmpp"}])"},
          {"add to a complex attribute merges sub-attributes",
           R"([{"op": "add", "path": "name", "value": {"middleName": "Jane", "GIVENNAME": "Barb"}}])",
           "name", R"({"givenName": "Barb", "familyName": "Jensen", "middleName": "Jane"})"},
          {"add to a sub-attribute sets it",
           R"([{"op": "add", "path": "name.formatted", "value": "Ms. B"}])", "name/formatted",
           R"("Ms. B")"},
          {"add to a sub-attribute of an absent complex attribute creates it",
           R"([{"op": "add", "path": "name.honorificPrefix", "value": "Ms."}])",
           "name/honorificPrefix", R"("Ms.")"},
          {"add to a simple multi-valued extension attribute appends strings",
           R"([{"op": "add", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:skills", "value": ["rust", "go"]}])",
           kScimgate + "/skills", R"(["java", "go", "rust"])"},
          {"add sets externalId at the top level",
           R"([{"op": "add", "path": "externalID", "value": "ext-2"}])", "externalId",
           R"("ext-2")"},
          {"add with an extension URN path sets employeeNumber",
           R"([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "42"}])",
           kEnterprise + "/employeeNumber", R"("42")"},
          {"add with an extension URN path in another case still resolves",
           R"([{"op": "add", "path": "URN:IETF:params:scim:schemas:extension:ENTERPRISE:2.0:User:costCenter", "value": "4130"}])",
           kEnterprise + "/costCenter", R"("4130")"},
          {"add of the manager object sets the complex single-valued attribute",
           R"([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "m-2"}}])",
           kEnterprise + "/manager", R"({"value": "m-2"})"},
          {"add of the manager as a bare id (Entra) wraps it as value",
           R"([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "m-3"}])",
           kEnterprise + "/manager", R"({"value": "m-3"})"},
          {"add of the manager ignores the readOnly displayName",
           R"([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "m-2", "displayName": "Boss"}}])",
           kEnterprise + "/manager", R"({"value": "m-2"})"},
          {"add of a sub-attribute through an extension URN path",
           R"([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "value": "m-9"}])",
           kEnterprise + "/manager", R"({"value": "m-9"})"},
          {"add of a whole extension by its URN merges its attributes",
           R"([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "value": {"division": "R&D"}}])",
           kEnterprise,
           R"({"employeeNumber": "701984", "manager": {"value": "m-1"}, "division": "R&D"})"},
          {"add of an extension to a user without it creates the extension "
           "object",
           R"([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "1"}, {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}])",
           kEnterprise, R"({"employeeNumber": "1"})"},
          {"add coerces a boolean string on active",
           R"([{"op": "add", "path": "active", "value": "false"}])", "active", "false"},
      });
}

TEST_CASE("add with a value filter updates matching values", "[scim][patch]") {
  checkAll(
      kBabs,
      {
          {"add through a filter and sub-attribute sets it on the matching "
           "value",
           R"([{"op": "add", "path": "emails[type eq \"home\"].display", "value": "Home"}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true},
           {"value": "b@home.example", "type": "home", "display": "Home"}])"},
          {"add through a filter without sub-attribute merges into the "
           "matching value",
           R"([{"op": "add", "path": "emails[value eq \"B@HOME.example\"]", "value": {"display": "H"}}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true},
           {"value": "b@home.example", "type": "home", "display": "H"}])"},
          {"add through an equality filter that matches nothing creates the "
           "value (Entra)",
           R"([{"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555 0111"}])",
           "phoneNumbers",
           R"([{"value": "+1 555 0100", "type": "mobile"}, {"type": "work", "value": "+1 555 0111"}])"},
          {"add through a conjunction of equalities creates a value carrying "
           "both",
           R"([{"op": "add", "path": "addresses[type eq \"work\" and country eq \"NL\"].locality", "value": "Delft"}])",
           "addresses", R"([{"type": "work", "country": "NL", "locality": "Delft"}])"},
      });
}

// ---------------------------------------------------------------------------------------------
// add / replace without a path

TEST_CASE("operations without a path take attributes from the value object", "[scim][patch]") {
  checkAll(
      kBabs,
      {
          {"replace without path with plain names sets them (Okta "
           "deactivation)",
           R"([{"op": "replace", "value": {"active": false}}])", "active", "false"},
          {"replace without path coerces a boolean string (Entra)",
           R"([{"op": "Replace", "value": {"active": "False"}}])", "active", "false"},
          {"replace without path accepts dotted keys",
           R"([{"op": "replace", "value": {"name.givenName": "Barb", "name.familyName": "J"}}])",
           "name", R"({"givenName": "Barb", "familyName": "J"})"},
          {"replace without path accepts URN-prefixed keys",
           R"([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "7"}}])",
           kEnterprise + "/employeeNumber", R"("7")"},
          {"replace without path accepts a core URN-prefixed key",
           R"([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:core:2.0:User:displayName": "B"}}])",
           "displayName", R"("B")"},
          {"replace without path accepts an extension object and merges it",
           R"([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops", "manager": {"value": "m-5"}}}}])",
           kEnterprise,
           R"({"employeeNumber": "701984", "department": "Ops", "manager": {"value": "m-5"}})"},
          {"replace without path ignores id, meta and schemas sent back",
           R"([{"op": "replace", "value": {"id": "other", "meta": {"version": "W/\"1\""},
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "title": "Dr"}}])",
           "title", R"("Dr")"},
          {"replace without path with a null member unassigns it",
           R"([{"op": "replace", "value": {"displayName": null}}])", "displayName", "<absent>"},
          {"add without path appends to multi-valued attributes",
           R"([{"op": "add", "value": {"emails": [{"value": "b@other.example", "type": "other"}]}}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true},
           {"value": "b@home.example", "type": "home"},
           {"value": "b@other.example", "type": "other"}])"},
          {"add without path accepts a value-path key",
           R"([{"op": "add", "value": {"emails[type eq \"work\"].display": "Work"}}])", "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true, "display": "Work"},
           {"value": "b@home.example", "type": "home"}])"},
          {"add without path with a complex attribute merges sub-attributes",
           R"([{"op": "add", "value": {"Name": {"MiddleName": "J"}}}])", "name",
           R"({"givenName": "Barbara", "familyName": "Jensen", "middleName": "J"})"},
          {"add without path sets externalId", R"([{"op": "add", "value": {"externalId": "e"}}])",
           "externalId", R"("e")"},
      });
}

TEST_CASE("Entra's combined replace without path changes every named attribute", "[scim][patch]") {
  auto result = patch(kBabs, R"([{"op": "Replace", "value": {
      "displayName": "Barbara J", "name.givenName": "Barbie", "active": "True",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
      "emails[type eq \"work\"].value": "bj@work.example",
      "id": "2819c223", "meta": {"resourceType": "User"}}}])");
  REQUIRE(result.ok());
  CHECK(toJson(*result) == canonical(R"({
    "userName": "bjensen", "displayName": "Barbara J", "active": true, "externalId": "ext-1",
    "name": {"givenName": "Barbie", "familyName": "Jensen"},
    "emails": [{"value": "bj@work.example", "type": "work", "primary": true},
               {"value": "b@home.example", "type": "home"}],
    "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
        {"employeeNumber": "701984", "manager": {"value": "m-1"}, "department": "Sales"},
    "urn:scimgate:params:scim:schemas:extension:2.0:User":
        {"skills": ["java", "go"], "status": "active"}})"));
}

// ---------------------------------------------------------------------------------------------
// replace

TEST_CASE("replace with a path replaces per the schema", "[scim][patch]") {
  checkAll(
      kBabs,
      {
          {"replace of a single-valued attribute sets it",
           R"([{"op": "replace", "path": "displayName", "value": "B. Jensen"}])", "displayName",
           R"("B. Jensen")"},
          {"replace of active with the string False gives false (Entra)",
           R"([{"op": "Replace", "path": "active", "value": "False"}])", "active", "false"},
          {"replace of active with the string TRUE gives true",
           R"([{"op": "replace", "path": "active", "value": "TRUE"}])", "active", "true"},
          {"replace of an absent attribute adds it",
           R"([{"op": "replace", "path": "locale", "value": "nl-NL"}])", "locale", R"("nl-NL")"},
          {"replace of a multi-valued attribute replaces all values",
           R"([{"op": "replace", "path": "emails", "value": [{"value": "new@example.com", "type": "work"}]}])",
           "emails", R"([{"value": "new@example.com", "type": "work"}])"},
          {"replace of a multi-valued attribute with an empty array unassigns "
           "it",
           R"([{"op": "replace", "path": "phoneNumbers", "value": []}])", "phoneNumbers",
           "<absent>"},
          {"replace of a complex attribute leaves unnamed sub-attributes "
           "unchanged",
           R"([{"op": "replace", "path": "name", "value": {"givenName": "Barb"}}])", "name",
           R"({"givenName": "Barb", "familyName": "Jensen"})"},
          {"replace of a sub-attribute sets it",
           R"([{"op": "replace", "path": "name.familyName", "value": "Smith"}])", "name",
           R"({"givenName": "Barbara", "familyName": "Smith"})"},
          {"replace with null unassigns the attribute",
           R"([{"op": "replace", "path": "displayName", "value": null}])", "displayName",
           "<absent>"},
          {"replace of the manager value through a URN path",
           R"([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "m-7"}}])",
           kEnterprise + "/manager", R"({"value": "m-7"})"},
          {"replace of the manager with a null value removes it (Entra)",
           R"([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": null}}])",
           kEnterprise + "/manager", "<absent>"},
          {"replace of employeeNumber through a URN path",
           R"([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "9"}])",
           kEnterprise + "/employeeNumber", R"("9")"},
          {"replace of a simple multi-valued extension attribute",
           R"([{"op": "replace", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:skills", "value": "sql"}])",
           kScimgate + "/skills", R"(["sql"])"},
      });
}

TEST_CASE("replace with a value filter replaces the matching values", "[scim][patch]") {
  checkAll(
      kBabs,
      {
          {"replace through a filter and sub-attribute (Entra work email)",
           R"([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@work.example"}])",
           "emails",
           R"([{"value": "new@work.example", "type": "work", "primary": true},
           {"value": "b@home.example", "type": "home"}])"},
          {"replace through a filter without sub-attribute replaces the whole "
           "value",
           R"([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "h@x.example", "type": "other"}}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true},
           {"value": "h@x.example", "type": "other"}])"},
          {"replace through a filter matches attribute and operator names in "
           "any case",
           R"([{"op": "replace", "path": "EMAILS[TYPE EQ \"home\"].VALUE", "value": "h@x"}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true},
           {"value": "h@x", "type": "home"}])"},
          {"replace through a filter with or touches every match",
           R"([{"op": "replace", "path": "emails[type eq \"work\" or type eq \"home\"].display", "value": "D"}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true, "display": "D"},
           {"value": "b@home.example", "type": "home", "display": "D"}])"},
          {"replace through a filter on a simple multi-valued attribute "
           "replaces the value",
           R"([{"op": "replace", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:skills[value eq \"go\"]", "value": "golang"}])",
           kScimgate + "/skills", R"(["java", "golang"])"},
          {"replace of a sub-attribute of every value without a filter",
           R"([{"op": "replace", "path": "emails.display", "value": "E"}])", "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true, "display": "E"},
           {"value": "b@home.example", "type": "home", "display": "E"}])"},
      });
}

// ---------------------------------------------------------------------------------------------
// remove

TEST_CASE("remove unassigns attributes, values and sub-attributes", "[scim][patch]") {
  checkAll(
      kBabs,
      {
          {"remove of a single-valued attribute", R"([{"op": "remove", "path": "displayName"}])",
           "displayName", "<absent>"},
          {"remove of an absent attribute succeeds", R"([{"op": "remove", "path": "nickName"}])",
           "nickName", "<absent>"},
          {"remove of a multi-valued attribute removes all values",
           R"([{"op": "remove", "path": "emails"}])", "emails", "<absent>"},
          {"remove of a complex attribute", R"([{"op": "remove", "path": "name"}])", "name",
           "<absent>"},
          {"remove of a sub-attribute keeps the others",
           R"([{"op": "remove", "path": "name.givenName"}])", "name",
           R"({"familyName": "Jensen"})"},
          {"remove of the last sub-attribute removes the complex attribute",
           R"([{"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "name.familyName"}])",
           "name", "<absent>"},
          {"remove with a filter removes the matching values",
           R"([{"op": "remove", "path": "emails[type eq \"home\"]"}])", "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true}])"},
          {"remove with a filter that matches every value unassigns the "
           "attribute",
           R"([{"op": "remove", "path": "emails[value ew \".example\"]"}])", "emails", "<absent>"},
          {"remove with a filter and sub-attribute removes it from the "
           "matching values",
           R"([{"op": "remove", "path": "emails[type eq \"work\"].primary"}])", "emails",
           R"([{"value": "b@work.example", "type": "work"}, {"value": "b@home.example", "type": "home"}])"},
          {"remove with a value list removes the listed values (Azure)",
           R"([{"op": "Remove", "path": "emails", "value": [{"value": "B@HOME.EXAMPLE"}]}])",
           "emails", R"([{"value": "b@work.example", "type": "work", "primary": true}])"},
          {"remove with a value list ignores values that are not present",
           R"([{"op": "remove", "path": "phoneNumbers", "value": [{"value": "+1 555 9999"}]}])",
           "phoneNumbers", R"([{"value": "+1 555 0100", "type": "mobile"}])"},
          {"remove with a value list on a simple multi-valued attribute",
           R"([{"op": "remove", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:skills", "value": ["JAVA"]}])",
           kScimgate + "/skills", R"(["go"])"},
          {"remove with a filter on a simple multi-valued attribute",
           R"([{"op": "remove", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:skills[value eq \"go\"]"}])",
           kScimgate + "/skills", R"(["java"])"},
          {"remove of the manager through a URN path",
           R"([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}])",
           kEnterprise, R"({"employeeNumber": "701984"})"},
          {"remove of the last extension attribute removes the extension "
           "object",
           R"([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"},
           {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}])",
           kEnterprise, "<absent>"},
          {"remove of a whole extension by its URN",
           R"([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}])",
           kEnterprise, "<absent>"},
          {"remove of externalId", R"([{"op": "remove", "path": "externalId"}])", "externalId",
           "<absent>"},
          {"remove then add of userName in one request is allowed",
           R"([{"op": "remove", "path": "userName"}, {"op": "add", "path": "userName", "value": "babs"}])",
           "userName", R"("babs")"},
      });
}

// ---------------------------------------------------------------------------------------------
// primary

TEST_CASE("a new primary value clears the previous one", "[scim][patch]") {
  checkAll(
      kBabs,
      {
          {"adding a primary email clears the old primary",
           R"([{"op": "add", "path": "emails", "value": {"value": "n@x.example", "primary": true}}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work"}, {"value": "b@home.example", "type": "home"},
           {"value": "n@x.example", "primary": true}])"},
          {"setting primary through a filter moves it",
           R"([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work"},
           {"value": "b@home.example", "type": "home", "primary": true}])"},
          {"setting primary with the string True through a filter moves it",
           R"([{"op": "add", "path": "emails[type eq \"home\"].primary", "value": "True"}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work"},
           {"value": "b@home.example", "type": "home", "primary": true}])"},
          {"replacing a value with a primary one moves it",
           R"([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "h@x", "primary": true}}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work"}, {"value": "h@x", "primary": true}])"},
          {"setting primary false keeps no primary",
           R"([{"op": "replace", "path": "emails[type eq \"work\"].primary", "value": false}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": false},
           {"value": "b@home.example", "type": "home"}])"},
          {"later operations win over earlier ones",
           R"([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true},
           {"op": "replace", "path": "emails[type eq \"work\"].primary", "value": true}])",
           "emails",
           R"([{"value": "b@work.example", "type": "work", "primary": true},
           {"value": "b@home.example", "type": "home"}])"},
      });
}

TEST_CASE("replacing all values with two primaries is an invalid value", "[scim][patch]") {
  auto result = patch(kBabs, R"([{"op": "replace", "path": "emails", "value": [
      {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]}])");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().kind == scim::ErrorKind::InvalidValue);
}
