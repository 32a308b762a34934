#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "patch_helpers.h"
#include "scim/patch.h"
#include "scim/schema.h"
#include "test_helpers.h"

namespace scim = scimgate::scim;

using scimgate::testing::body;
using scimgate::testing::checkAll;
using scimgate::testing::jsonOf;
using scimgate::testing::kBabs;
using scimgate::testing::parseObject;
using scimgate::testing::patch;
using scimgate::testing::toJson;
using scimgate::testing::valueAt;

namespace {

using Poco::JSON::Object;

struct Failure {
  const char* behaviour;
  std::string operations;
  scim::ErrorKind kind;
};

void checkFailures(const std::string& current, const std::vector<Failure>& cases) {
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.behaviour) {
      INFO(c.operations);
      auto result = patch(current, c.operations);
      REQUIRE_FALSE(result.ok());
      INFO(result.error().detail);
      CHECK(result.error().kind == c.kind);
      CHECK_FALSE(result.error().detail.empty());
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// errors

TEST_CASE("patch errors carry the kind that selects the scimType", "[scim][patch]") {
  using scim::ErrorKind;
  checkFailures(
      kBabs,
      {
          {"an unknown attribute is an invalid path",
           R"([{"op": "add", "path": "shoeSize", "value": "42"}])", ErrorKind::InvalidPath},
          {"an unknown sub-attribute is an invalid path",
           R"([{"op": "replace", "path": "name.nickname", "value": "x"}])", ErrorKind::InvalidPath},
          {"a sub-attribute of a simple attribute is an invalid path",
           R"([{"op": "replace", "path": "displayName.value", "value": "x"}])",
           ErrorKind::InvalidPath},
          {"an unknown schema URN is an invalid path",
           R"([{"op": "add", "path": "urn:example:params:scim:schemas:extension:foo:User:bar", "value": "x"}])",
           ErrorKind::InvalidPath},
          {"an attribute of the wrong extension is an invalid path",
           R"([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:skills", "value": "x"}])",
           ErrorKind::InvalidPath},
          {"a value filter on a single-valued attribute is an invalid path",
           R"([{"op": "replace", "path": "name[givenName eq \"x\"].familyName", "value": "y"}])",
           ErrorKind::InvalidPath},
          {"a filter on an unknown sub-attribute is an invalid path",
           R"([{"op": "replace", "path": "emails[kind eq \"work\"].value", "value": "y"}])",
           ErrorKind::InvalidPath},
          {"an unknown key in a path-less value is an invalid path",
           R"([{"op": "replace", "value": {"shoeSize": 42}}])", ErrorKind::InvalidPath},
          {"a malformed key in a path-less value is an invalid path",
           R"([{"op": "replace", "value": {"a b": 1}}])", ErrorKind::InvalidPath},
          {"a readOnly attribute is a mutability error",
           R"([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}])",
           ErrorKind::Mutability},
          {"id is readOnly", R"([{"op": "replace", "path": "id", "value": "x"}])",
           ErrorKind::Mutability},
          {"meta is readOnly", R"([{"op": "remove", "path": "meta"}])", ErrorKind::Mutability},
          {"the scimgate status is readOnly",
           R"([{"op": "replace", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:status", "value": "inactive"}])",
           ErrorKind::Mutability},
          {"removing the scimgate status is a mutability error",
           R"([{"op": "remove", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:status"}])",
           ErrorKind::Mutability},
          {"the scimgate queues are readOnly",
           R"([{"op": "add", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:queues", "value": {"value": "q"}}])",
           ErrorKind::Mutability},
          {"removing queues from the user side is a mutability error",
           R"([{"op": "remove", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:queues[value eq \"a\"]"}])",
           ErrorKind::Mutability},
          {"the scimgate mfa summary is readOnly",
           R"([{"op": "replace", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:mfa.totp", "value": false}])",
           ErrorKind::Mutability},
          {"the readOnly manager displayName is a mutability error",
           R"([{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", "value": "x"}])",
           ErrorKind::Mutability},
          {"a readOnly key in a path-less value is a mutability error",
           R"([{"op": "replace", "value": {"groups": [{"value": "g1"}]}}])", ErrorKind::Mutability},
          {"removing the required userName is a mutability error",
           R"([{"op": "remove", "path": "userName"}])", ErrorKind::Mutability},
          {"replacing userName with null is a mutability error",
           R"([{"op": "replace", "path": "userName", "value": null}])", ErrorKind::Mutability},
          {"replacing userName with an empty string is a mutability error",
           R"([{"op": "replace", "value": {"userName": ""}}])", ErrorKind::Mutability},
          {"password is not patched as an attribute",
           R"([{"op": "replace", "path": "password", "value": "secret"}])", ErrorKind::Mutability},
          {"a number for a string attribute is an invalid value",
           R"([{"op": "replace", "path": "displayName", "value": 42}])", ErrorKind::InvalidValue},
          {"an object for a string attribute is an invalid value",
           R"([{"op": "add", "path": "title", "value": {"value": "x"}}])", ErrorKind::InvalidValue},
          {"a non-boolean string for active is an invalid value",
           R"([{"op": "replace", "path": "active", "value": "yes"}])", ErrorKind::InvalidValue},
          {"a number for active is an invalid value",
           R"([{"op": "replace", "value": {"active": 0}}])", ErrorKind::InvalidValue},
          {"an array for a complex single-valued attribute is an invalid value",
           R"([{"op": "replace", "path": "name", "value": ["x"]}])", ErrorKind::InvalidValue},
          {"a string for a complex value without a value sub-attribute is an "
           "invalid value",
           R"([{"op": "replace", "path": "name", "value": "Barbara"}])", ErrorKind::InvalidValue},
          {"a wrongly typed element in a multi-valued value is an invalid "
           "value",
           R"([{"op": "add", "path": "emails", "value": [{"value": 7}]}])",
           ErrorKind::InvalidValue},
          {"a wrongly typed sub-attribute through a filter is an invalid value",
           R"([{"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "maybe"}])",
           ErrorKind::InvalidValue},
          {"an extension object that is not an object is an invalid value",
           R"([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "x"}}])",
           ErrorKind::InvalidValue},
          {"a remove value list with objects lacking value is an invalid value",
           R"([{"op": "remove", "path": "emails", "value": [{"type": "work"}]}])",
           ErrorKind::InvalidValue},
          {"replace through a filter that matches nothing is no target",
           R"([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "x"}])",
           ErrorKind::NoTarget},
          {"remove through a filter that matches nothing is no target",
           R"([{"op": "remove", "path": "emails[type eq \"other\"]"}])", ErrorKind::NoTarget},
          {"remove through a filter on an absent attribute is no target",
           R"([{"op": "remove", "path": "ims[type eq \"xmpp\"]"}])", ErrorKind::NoTarget},
          {"add through a non-equality filter that matches nothing is no "
           "target",
           R"([{"op": "add", "path": "emails[value co \"@nowhere\"].display", "value": "x"}])",
           ErrorKind::NoTarget},
          {"add of a sub-attribute to every value of an absent attribute is no "
           "target",
           R"([{"op": "add", "path": "ims.display", "value": "x"}])", ErrorKind::NoTarget},
          {"add through a filter on a simple multi-valued attribute is an "
           "invalid path",
           R"([{"op": "add", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:skills[value eq \"go\"]", "value": "x"}])",
           ErrorKind::InvalidPath},
      });
}

// ---------------------------------------------------------------------------------------------
// atomicity and input safety

TEST_CASE("a failing operation fails the request and leaves the input unchanged", "[scim][patch]") {
  const Object::Ptr current = parseObject(kBabs);
  const std::string before = toJson(current);
  SECTION("second operation fails") {
    auto parsed = scim::parsePatchRequest(*parseObject(body(R"([
        {"op": "replace", "path": "displayName", "value": "Changed"},
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@y"},
        {"op": "add", "path": "name.givenName", "value": "Changed"},
        {"op": "replace", "path": "shoeSize", "value": "44"}])")));
    REQUIRE(parsed.ok());
    auto result = scim::applyPatch(*current, *parsed, scim::userResourceType());
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == scim::ErrorKind::InvalidPath);
    CHECK(toJson(current) == before);
  }
  SECTION("a successful patch does not modify the input either") {
    auto parsed = scim::parsePatchRequest(*parseObject(body(R"([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@y"},
        {"op": "add", "path": "name.middleName", "value": "J"},
        {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"},
        {"op": "add", "path": "urn:scimgate:params:scim:schemas:extension:2.0:User:skills", "value": "c"}])")));
    REQUIRE(parsed.ok());
    auto result = scim::applyPatch(*current, *parsed, scim::userResourceType());
    REQUIRE(result.ok());
    CHECK(toJson(current) == before);
    CHECK(toJson(*result) != before);
  }
  SECTION("the result does not share objects with the input") {
    auto parsed = scim::parsePatchRequest(
        *parseObject(body(R"([{"op": "replace", "path": "title", "value": "T"}])")));
    REQUIRE(parsed.ok());
    auto result = scim::applyPatch(*current, *parsed, scim::userResourceType());
    REQUIRE(result.ok());
    (*result)->getObject("name")->set("givenName", "Mutated");
    CHECK(toJson(current) == before);
  }
}

TEST_CASE("operations apply in order", "[scim][patch]") {
  checkAll(
      kBabs,
      {
          {"replace then remove leaves nothing",
           R"([{"op": "replace", "path": "title", "value": "A"}, {"op": "remove", "path": "title"}])",
           "title", "<absent>"},
          {"remove then add gives the added value",
           R"([{"op": "remove", "path": "emails"}, {"op": "add", "path": "emails", "value": {"value": "z@x"}}])",
           "emails", R"([{"value": "z@x"}])"},
          {"add then replace through the filter that add created",
           R"([{"op": "add", "path": "phoneNumbers", "value": {"value": "1", "type": "fax"}},
           {"op": "replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "2"}])",
           "phoneNumbers",
           R"([{"value": "+1 555 0100", "type": "mobile"}, {"value": "2", "type": "fax"}])"},
      });
}

TEST_CASE("hostile inputs are refused without harm", "[scim][patch]") {
  SECTION("deeply nested values are an invalid value, not a crash") {
    std::string nested = "\"x\"";
    for (int i = 0; i < 100; ++i) nested = R"({"value": )" + nested + "}";
    auto result = patch(kBabs, R"([{"op": "add", "path": "emails", "value": )" + nested + "}]");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == scim::ErrorKind::InvalidValue);
  }
  SECTION("deeply nested filter brackets are an invalid path") {
    std::string path =
        "emails[" + std::string(100, '(') + "type eq \"work\"" + std::string(100, ')') + "].value";
    std::string escaped;
    for (char c : path) escaped += (c == '"') ? std::string("\\\"") : std::string(1, c);
    auto result =
        patch(kBabs, R"([{"op": "replace", "path": ")" + escaped + R"(", "value": "x"}])");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == scim::ErrorKind::InvalidPath);
  }
  SECTION(
      "LDAP filter characters inside a value filter string only fail to "
      "match") {
    auto result = patch(kBabs, R"([{"op": "replace",
        "path": "emails[value eq \"*)(objectClass=*\"].value", "value": "x"}])");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == scim::ErrorKind::NoTarget);
  }
  SECTION("LDAP filter characters in a value are stored as plain text") {
    auto result = patch(kBabs, R"([{"op": "replace", "path": "title", "value": "*)(uid=*"}])");
    REQUIRE(result.ok());
    CHECK(valueAt(**result, "title") == jsonOf(R"("*)(uid=*")"));
  }
  SECTION("an op value that is an array of arrays is an invalid value") {
    auto result = patch(kBabs, R"([{"op": "add", "path": "emails", "value": [[{"value": "a"}]]}])");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == scim::ErrorKind::InvalidValue);
  }
  SECTION("a very long unknown op name is cut in the detail") {
    auto result = patch(kBabs, R"([{"op": ")" + std::string(5000, 'x') + R"(", "path": "title"}])");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == scim::ErrorKind::InvalidSyntax);
    CHECK(result.error().detail.size() < 300);
  }
  SECTION("a very long unknown attribute is cut in the detail") {
    auto result = patch(
        kBabs, R"([{"op": "add", "path": ")" + std::string(5000, 'a') + R"(", "value": "x"}])");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == scim::ErrorKind::InvalidPath);
    CHECK(result.error().detail.size() < 300);
  }
}

TEST_CASE("applying no operations returns an equal copy", "[scim][patch]") {
  const Object::Ptr current = parseObject(kBabs);
  auto result = scim::applyPatch(*current, {}, scim::userResourceType());
  REQUIRE(result.ok());
  CHECK(toJson(*result) == toJson(current));
}
