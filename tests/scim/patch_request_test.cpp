#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "patch_helpers.h"
#include "scim/patch.h"
#include "scim/schema.h"
#include "test_helpers.h"

namespace scim = scimgate::scim;

using scimgate::testing::body;
using scimgate::testing::kBabs;
using scimgate::testing::parseObject;
using scimgate::testing::valueAt;

// ---------------------------------------------------------------------------------------------
// Parsing the PatchOp body.

TEST_CASE("patch request parser accepts ops in any case and keeps paths", "[scim][patch]") {
  auto parsed = scim::parsePatchRequest(*parseObject(R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "operations": [{"op": "Replace", "path": "active", "value": "False"},
                   {"OP": "ADD", "Path": "emails[type eq \"work\"].value", "Value": "x@y"},
                   {"op": "remove", "path": "nickName"},
                   {"op": "replace", "value": {"active": false}},
                   {"op": "add", "path": "", "value": {"title": "Boss"}}]})"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 5);
  const auto& ops = *parsed;
  CHECK(ops[0].op == scim::PatchOpKind::Replace);
  CHECK(ops[0].pathText == "active");
  REQUIRE(ops[0].path.has_value());
  CHECK(ops[0].path->attr.attribute == "active");
  CHECK(ops[1].op == scim::PatchOpKind::Add);
  REQUIRE(ops[1].path.has_value());
  CHECK(ops[1].path->valueFilter != nullptr);
  CHECK(ops[1].path->subAttribute == "value");
  CHECK(ops[2].op == scim::PatchOpKind::Remove);
  CHECK(ops[2].value.isEmpty());
  CHECK_FALSE(ops[3].path.has_value());
  CHECK_FALSE(ops[4].path.has_value());  // "" means no path
}

TEST_CASE("patch request parser rejects malformed bodies with the right kind", "[scim][patch]") {
  using scim::ErrorKind;
  const std::string okOp = R"([{"op": "add", "path": "title", "value": "x"}])";
  struct Case {
    const char* behaviour;
    std::string json;
    ErrorKind kind;
  };
  const std::vector<Case> cases = {
      {"missing schemas is invalid syntax", R"({"Operations": )" + okOp + "}",
       ErrorKind::InvalidSyntax},
      {"schemas without the PatchOp URN is invalid syntax",
       R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": )" + okOp + "}",
       ErrorKind::InvalidSyntax},
      {"schemas as a string is invalid syntax",
       R"({"schemas": "urn:ietf:params:scim:api:messages:2.0:PatchOp", "Operations": )" + okOp +
           "}",
       ErrorKind::InvalidSyntax},
      {"missing Operations is invalid syntax",
       R"({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})",
       ErrorKind::InvalidSyntax},
      {"Operations as an object is invalid syntax", body(R"({"op": "add"})"),
       ErrorKind::InvalidSyntax},
      {"empty Operations is invalid syntax", body("[]"), ErrorKind::InvalidSyntax},
      {"an operation that is not an object is invalid syntax", body(R"(["add"])"),
       ErrorKind::InvalidSyntax},
      {"a missing op is invalid syntax", body(R"([{"path": "title", "value": "x"}])"),
       ErrorKind::InvalidSyntax},
      {"an unknown op is invalid syntax", body(R"([{"op": "merge", "path": "title", "value": 1}])"),
       ErrorKind::InvalidSyntax},
      {"a numeric op is invalid syntax", body(R"([{"op": 1, "path": "title", "value": "x"}])"),
       ErrorKind::InvalidSyntax},
      {"a path that is not a string is invalid syntax",
       body(R"([{"op": "add", "path": 7, "value": "x"}])"), ErrorKind::InvalidSyntax},
      {"a malformed path is an invalid path",
       body(R"([{"op": "add", "path": "emails[type eq", "value": "x"}])"), ErrorKind::InvalidPath},
      {"a path with filter injection characters is an invalid path",
       body(R"([{"op": "remove", "path": "userName*)(objectClass=*"}])"), ErrorKind::InvalidPath},
      {"remove without a path is no target", body(R"([{"op": "remove"}])"), ErrorKind::NoTarget},
      {"remove with an empty path is no target", body(R"([{"op": "remove", "path": ""}])"),
       ErrorKind::NoTarget},
      {"add without a value is invalid syntax", body(R"([{"op": "add", "path": "title"}])"),
       ErrorKind::InvalidSyntax},
      {"add with a null value is invalid syntax",
       body(R"([{"op": "add", "path": "title", "value": null}])"), ErrorKind::InvalidSyntax},
      {"replace without a value is invalid syntax", body(R"([{"op": "replace", "path": "title"}])"),
       ErrorKind::InvalidSyntax},
      {"add without a path needs an object value", body(R"([{"op": "add", "value": "Boss"}])"),
       ErrorKind::InvalidSyntax},
      {"replace without a path needs an object value",
       body(R"([{"op": "replace", "value": [{"title": "Boss"}]}])"), ErrorKind::InvalidSyntax},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.behaviour) {
      auto parsed = scim::parsePatchRequest(*parseObject(c.json));
      REQUIRE_FALSE(parsed.ok());
      INFO(parsed.error().detail);
      CHECK(parsed.error().kind == c.kind);
    }
  }
}

TEST_CASE("patch request parser refuses more than 1000 operations", "[scim][patch]") {
  auto build = [](std::size_t count) {
    std::string ops = "[";
    for (std::size_t i = 0; i < count; ++i) {
      if (i > 0) ops += ",";
      ops += R"({"op": "replace", "path": "title", "value": "t"})";
    }
    return body(ops + "]");
  };
  CHECK(scim::parsePatchRequest(*parseObject(build(1000))).ok());
  auto tooMany = scim::parsePatchRequest(*parseObject(build(1001)));
  REQUIRE_FALSE(tooMany.ok());
  CHECK(tooMany.error().kind == scim::ErrorKind::TooMany);
}

// ---------------------------------------------------------------------------------------------
// takePassword

TEST_CASE("takePassword moves password changes out of the operations", "[scim][patch]") {
  auto parse = [](const std::string& operations) {
    auto parsed = scim::parsePatchRequest(*parseObject(body(operations)));
    REQUIRE(parsed.ok());
    return std::move(parsed).value();
  };
  SECTION("a password path operation is taken") {
    auto ops = parse(R"([{"op": "replace", "path": "password", "value": "s3cret"},
                         {"op": "replace", "path": "title", "value": "T"}])");
    auto password = scim::takePassword(ops, scim::userResourceType());
    REQUIRE(password.ok());
    CHECK(password->value_or("") == "s3cret");
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].pathText == "title");
    CHECK(scim::applyPatch(*parseObject(kBabs), ops, scim::userResourceType()).ok());
  }
  SECTION("a password key in a path-less value is taken and the rest kept") {
    auto ops = parse(R"([{"op": "replace", "value": {"Password": "p1", "active": "True"}}])");
    auto password = scim::takePassword(ops, scim::userResourceType());
    REQUIRE(password.ok());
    CHECK(password->value_or("") == "p1");
    REQUIRE(ops.size() == 1);
    auto result = scim::applyPatch(*parseObject(kBabs), ops, scim::userResourceType());
    REQUIRE(result.ok());
    CHECK(valueAt(**result, "active") == "true");
  }
  SECTION(
      "a core URN-qualified password is taken and an emptied operation "
      "dropped") {
    auto ops = parse(
        R"([{"op": "add", "value": {"urn:ietf:params:scim:schemas:core:2.0:User:password": "p2"}}])");
    auto password = scim::takePassword(ops, scim::userResourceType());
    REQUIRE(password.ok());
    CHECK(password->value_or("") == "p2");
    CHECK(ops.empty());
  }
  SECTION("the last password wins") {
    auto ops = parse(R"([{"op": "replace", "path": "password", "value": "a"},
                         {"op": "replace", "path": "PASSWORD", "value": "b"}])");
    auto password = scim::takePassword(ops, scim::userResourceType());
    REQUIRE(password.ok());
    CHECK(password->value_or("") == "b");
  }
  SECTION("no password gives nullopt and keeps every operation") {
    auto ops = parse(R"([{"op": "replace", "path": "title", "value": "T"}])");
    auto password = scim::takePassword(ops, scim::userResourceType());
    REQUIRE(password.ok());
    CHECK_FALSE(password->has_value());
    CHECK(ops.size() == 1);
  }
  SECTION("removing the password is a mutability error") {
    auto ops = parse(R"([{"op": "remove", "path": "password"}])");
    auto password = scim::takePassword(ops, scim::userResourceType());
    REQUIRE_FALSE(password.ok());
    CHECK(password.error().kind == scim::ErrorKind::Mutability);
  }
  SECTION("a password that is not a string is an invalid value") {
    auto ops = parse(R"([{"op": "replace", "value": {"password": 1234}}])");
    auto password = scim::takePassword(ops, scim::userResourceType());
    REQUIRE_FALSE(password.ok());
    CHECK(password.error().kind == scim::ErrorKind::InvalidValue);
  }
}
