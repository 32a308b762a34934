#include "scim/user.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "scim/schema.h"

namespace scim = scimgate::scim;

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const std::string kEnterprise(scim::kEnterpriseUserSchema);
const std::string kScimgate(scim::kScimgateUserSchema);

Object::Ptr parseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Object::Ptr>();
}

/// Poco objects keep their keys sorted, so the stringified form is canonical.
std::string canonicalJson(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

scim::Result<scim::UserInput> parse(const std::string& json) {
  return scim::parseUserInput(*parseObject(json));
}

/// Parses a body that must be accepted and returns its canonical attributes as JSON text.
std::string acceptedAttributes(const std::string& json) {
  auto input = parse(json);
  INFO(json);
  if (!input.ok()) FAIL("rejected: " << input.error().detail);
  return canonicalJson(*input->attributes);
}

std::string canonical(const std::string& json) { return canonicalJson(*parseObject(json)); }

}  // namespace

TEST_CASE("attribute and sub-attribute names take the schema's spelling", "[scim][user]") {
  CHECK(acceptedAttributes(R"({"UserName": "bjensen", "DISPLAYNAME": "Babs",
      "Name": {"GivenName": "Barbara", "FAMILYNAME": "Jensen"},
      "Emails": [{"Value": "b@example.com", "Type": "work", "Primary": true}],
      "PhoneNumbers": [{"VALUE": "+1 555 0100", "type": "mobile"}]})") ==
        canonical(R"({"userName": "bjensen", "displayName": "Babs",
      "name": {"givenName": "Barbara", "familyName": "Jensen"},
      "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
      "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}]})"));
}

TEST_CASE("booleans sent as strings become booleans", "[scim][user]") {
  struct Case {
    const char* active;
    bool expected;
  };
  const std::vector<Case> cases = {
      {"true", true},      {"false", false},      {R"("True")", true}, {R"("False")", false},
      {R"("true")", true}, {R"("false")", false}, {R"("TRUE")", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.active);
    auto input = parse(std::string(R"({"userName": "bjensen", "active": )") + c.active + "}");
    REQUIRE(input.ok());
    REQUIRE(input->attributes->get("active").type() == typeid(bool));
    CHECK(input->attributes->getValue<bool>("active") == c.expected);
  }

  auto input = parse(R"({"userName": "bjensen",
      "emails": [{"value": "b@example.com", "primary": "True"}]})");
  REQUIRE(input.ok());
  auto email = input->attributes->getArray("emails")->getObject(0);
  REQUIRE(email->get("primary").type() == typeid(bool));
  CHECK(email->getValue<bool>("primary") == true);
}

TEST_CASE("a value that is not a boolean is rejected with its path", "[scim][user]") {
  struct Case {
    const char* json;
    const char* path;
  };
  const std::vector<Case> cases = {
      {R"({"userName": "bjensen", "active": "maybe"})", "active"},
      {R"({"userName": "bjensen", "active": 1})", "active"},
      {R"({"userName": "bjensen", "active": ""})", "active"},
      {R"({"userName": "bjensen", "emails": [{"value": "a@x", "primary": "yes"}]})",
       "emails[0].primary"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    auto input = parse(c.json);
    REQUIRE_FALSE(input.ok());
    CHECK(input.error().kind == scim::ErrorKind::InvalidValue);
    CHECK_THAT(input.error().detail, Catch::Contains(c.path));
  }
}

TEST_CASE("a missing or empty userName is rejected", "[scim][user]") {
  for (const char* json :
       {R"({})", R"({"userName": ""})", R"({"userName": null})", R"({"displayName": "Babs"})"}) {
    CAPTURE(json);
    auto input = parse(json);
    REQUIRE_FALSE(input.ok());
    CHECK(input.error().kind == scim::ErrorKind::InvalidValue);
    CHECK_THAT(input.error().detail, Catch::Contains("userName"));
  }
}

TEST_CASE("two primary values are rejected", "[scim][user]") {
  for (const char* json : {
           R"({"userName": "b", "emails": [{"value": "a@x", "primary": true},
                                           {"value": "b@x", "primary": true}]})",
           R"({"userName": "b", "emails": [{"value": "a@x", "primary": "True"},
                                           {"value": "b@x", "Primary": true}]})",
           R"({"userName": "b", "phoneNumbers": [{"value": "1", "primary": true},
                                                 {"value": "2", "primary": true}]})",
       }) {
    CAPTURE(json);
    auto input = parse(json);
    REQUIRE_FALSE(input.ok());
    CHECK(input.error().kind == scim::ErrorKind::InvalidValue);
    CHECK_THAT(input.error().detail, Catch::Contains("primary"));
  }

  CHECK(parse(R"({"userName": "b", "emails": [{"value": "a@x", "primary": true},
                                               {"value": "b@x", "primary": false}]})")
            .ok());
}

TEST_CASE("read-only attributes from the client are dropped", "[scim][user]") {
  CHECK(acceptedAttributes(R"({"userName": "bjensen",
      "id": "2819c223", "meta": {"created": "2015-10-10T14:38:21Z"},
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
      "groups": [{"value": "g1", "display": "Admins"}],
      "roles": [{"value": "Administrator"}],
      "urn:scimgate:params:scim:schemas:extension:2.0:User": {"status": "active",
          "skills": ["billing"], "mfa": {"totp": true}},
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
          "manager": {"value": "m1", "displayName": "The Boss"}}})") ==
        canonical(R"({"userName": "bjensen", "roles": [{"value": "Administrator"}],
      "urn:scimgate:params:scim:schemas:extension:2.0:User": {"skills": ["billing"]},
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
          "manager": {"value": "m1"}}})"));
}

TEST_CASE("unknown attributes and sub-attributes are ignored", "[scim][user]") {
  CHECK(acceptedAttributes(R"({"userName": "bjensen", "shoeSize": 42,
      "name": {"givenName": "Barbara", "nickname": "Babs"},
      "urn:example:unknown:2.0:User": {"x": 1},
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"favouriteColour": "red"}})") ==
        canonical(R"({"userName": "bjensen", "name": {"givenName": "Barbara"}})"));
}

TEST_CASE("the password is extracted and never kept as an attribute", "[scim][user]") {
  for (const char* key : {"password", "Password", "PASSWORD"}) {
    CAPTURE(key);
    auto input = parse(std::string(R"({"userName": "bjensen", ")") + key + R"(": "s3cret!Pass"})");
    REQUIRE(input.ok());
    REQUIRE(input->password.has_value());
    CHECK(*input->password == "s3cret!Pass");
    CHECK(canonicalJson(*input->attributes) == canonical(R"({"userName": "bjensen"})"));
    CHECK_THAT(canonicalJson(*input->attributes), !Catch::Contains("s3cret"));
  }

  auto without = parse(R"({"userName": "bjensen"})");
  REQUIRE(without.ok());
  CHECK_FALSE(without->password.has_value());

  auto nullPassword = parse(R"({"userName": "bjensen", "password": null})");
  REQUIRE(nullPassword.ok());
  CHECK_FALSE(nullPassword->password.has_value());

  auto numeric = parse(R"({"userName": "bjensen", "password": 12345})");
  REQUIRE_FALSE(numeric.ok());
  CHECK(numeric.error().kind == scim::ErrorKind::InvalidValue);
  CHECK_THAT(numeric.error().detail, Catch::Contains("password") && !Catch::Contains("12345"));
}

TEST_CASE("extension objects are canonicalised under the schema's URN", "[scim][user]") {
  CHECK(acceptedAttributes(R"({"userName": "bjensen",
      "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {
          "EmployeeNumber": "701984", "department": "Engineering",
          "Manager": {"Value": "26118915", "$Ref": "../Users/26118915"}},
      "urn:scimgate:params:scim:schemas:extension:2.0:User": {"Skills": "billing"}})") ==
        canonical(R"({"userName": "bjensen",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
          "employeeNumber": "701984", "department": "Engineering",
          "manager": {"value": "26118915", "$ref": "../Users/26118915"}},
      "urn:scimgate:params:scim:schemas:extension:2.0:User": {"skills": ["billing"]}})"));

  SECTION("an extension that is not an object is rejected") {
    auto input = parse(R"({"userName": "b",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "Engineering"})");
    REQUIRE_FALSE(input.ok());
    CHECK(input.error().kind == scim::ErrorKind::InvalidValue);
    CHECK_THAT(input.error().detail, Catch::Contains(kEnterprise));
  }

  SECTION("an extension left empty is not kept") {
    CHECK(acceptedAttributes(R"({"userName": "b",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": null}})") ==
          canonical(R"({"userName": "b"})"));
  }
}

TEST_CASE("a value of the wrong type is rejected with its path", "[scim][user]") {
  struct Case {
    const char* json;
    const char* path;
  };
  const std::vector<Case> cases = {
      {R"({"userName": 5})", "userName"},
      {R"({"userName": true})", "userName"},
      {R"({"userName": ["a"]})", "userName"},
      {R"({"userName": {"value": "a"}})", "userName"},
      {R"({"userName": "b", "name": "Barbara Jensen"})", "name"},
      {R"({"userName": "b", "name": {"givenName": 7}})", "name.givenName"},
      {R"({"userName": "b", "emails": ["b@example.com"]})", "emails[0]"},
      {R"({"userName": "b", "emails": [{"value": 1}]})", "emails[0].value"},
      {R"({"userName": "b", "emails": [{"value": "a@x"}, {"value": false}]})", "emails[1].value"},
      {R"({"userName": "b", "externalId": 12})", "externalId"},
      {R"({"userName": "b", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
           {"employeeNumber": 701984}})",
       "employeeNumber"},
      {R"({"userName": "b", "urn:scimgate:params:scim:schemas:extension:2.0:User":
           {"skills": ["a", 2]}})",
       "skills[1]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    auto input = parse(c.json);
    REQUIRE_FALSE(input.ok());
    CHECK(input.error().kind == scim::ErrorKind::InvalidValue);
    CHECK_THAT(input.error().detail, Catch::Contains(c.path));
  }
}

TEST_CASE("null values and empty objects are dropped", "[scim][user]") {
  CHECK(acceptedAttributes(R"({"userName": "bjensen", "displayName": null, "active": null,
      "externalId": null, "name": {"givenName": null, "familyName": "Jensen"},
      "emails": [null, {"value": "b@example.com", "display": null}, {}],
      "phoneNumbers": [], "addresses": null})") ==
        canonical(R"({"userName": "bjensen", "name": {"familyName": "Jensen"},
      "emails": [{"value": "b@example.com"}]})"));
}

TEST_CASE("a single value where an array belongs is one element", "[scim][user]") {
  CHECK(acceptedAttributes(R"({"userName": "b", "emails": {"value": "b@example.com"}})") ==
        canonical(R"({"userName": "b", "emails": [{"value": "b@example.com"}]})"));
}

TEST_CASE("externalId is kept as given", "[scim][user]") {
  CHECK(acceptedAttributes(R"({"userName": "b", "ExternalId": "e-1"})") ==
        canonical(R"({"userName": "b", "externalId": "e-1"})"));
}

TEST_CASE("userToJson writes schemas, id, attributes and meta", "[scim][user]") {
  scim::User user;
  user.id = "2819c223-7f76-453a-919d-413861904646";
  user.attributes = parseObject(R"({"userName": "bjensen", "active": true,
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1"}})");
  user.meta.created = "2015-10-10T14:38:21Z";
  user.meta.lastModified = "2016-01-01T00:00:00Z";
  user.meta.version = R"(W/"3694e05e9dff590")";
  const std::string location =
      "https://scim.example.com/v2/Users/2819c223-7f76-453a-919d-413861904646";
  const auto json = scim::userToJson(user, location);

  const auto schemas = json->getArray("schemas");
  REQUIRE(schemas->size() == 2);
  CHECK(schemas->getElement<std::string>(0) == std::string(scim::kUserSchema));
  CHECK(schemas->getElement<std::string>(1) == kEnterprise);
  CHECK(json->getValue<std::string>("id") == user.id);
  CHECK(json->getValue<std::string>("userName") == "bjensen");
  CHECK(json->getValue<bool>("active") == true);
  CHECK(json->getObject(kEnterprise)->getValue<std::string>("employeeNumber") == "1");

  const auto meta = json->getObject("meta");
  CHECK(meta->getValue<std::string>("resourceType") == "User");
  CHECK(meta->getValue<std::string>("location") == location);
  CHECK(meta->getValue<std::string>("created") == "2015-10-10T14:38:21Z");
  CHECK(meta->getValue<std::string>("lastModified") == "2016-01-01T00:00:00Z");
  CHECK(meta->getValue<std::string>("version") == R"(W/"3694e05e9dff590")");
}

TEST_CASE("userToJson lists only the extensions the user has and omits unknown meta",
          "[scim][user]") {
  scim::User user;
  user.id = "id-1";
  user.attributes = parseObject(R"({"userName": "b",
      "urn:scimgate:params:scim:schemas:extension:2.0:User": {"status": "active"}})");
  const auto json = scim::userToJson(user, "https://x/v2/Users/id-1");
  const auto schemas = json->getArray("schemas");
  REQUIRE(schemas->size() == 2);
  CHECK(schemas->getElement<std::string>(0) == std::string(scim::kUserSchema));
  CHECK(schemas->getElement<std::string>(1) == kScimgate);
  const auto meta = json->getObject("meta");
  CHECK_FALSE(meta->has("created"));
  CHECK_FALSE(meta->has("lastModified"));
  CHECK_FALSE(meta->has("version"));

  scim::User plain;
  plain.id = "id-2";
  plain.attributes = parseObject(R"({"userName": "c"})");
  CHECK(scim::userToJson(plain, "loc")->getArray("schemas")->size() == 1);
}

TEST_CASE("a parsed user written back holds what the client sent", "[scim][user]") {
  auto input = parse(R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
      "userName": "bjensen", "password": "s3cret!Pass", "active": "True",
      "emails": [{"value": "b@example.com", "primary": true}]})");
  REQUIRE(input.ok());
  scim::User user;
  user.id = "id-1";
  user.attributes = input->attributes;
  const auto json = scim::userToJson(user, "loc");
  CHECK_FALSE(json->has("password"));
  CHECK(json->getValue<bool>("active") == true);
  CHECK(json->getArray("emails")->getObject(0)->getValue<std::string>("value") == "b@example.com");
}
