#include "scim/patch.h"

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

// A canonical User as the directory returns it.
const std::string kBabs = R"({
  "userName": "bjensen", "displayName": "Babs", "active": true, "externalId": "ext-1",
  "name": {"givenName": "Barbara", "familyName": "Jensen"},
  "emails": [{"value": "b@work.example", "type": "work", "primary": true},
             {"value": "b@home.example", "type": "home"}],
  "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
      {"employeeNumber": "701984", "manager": {"value": "m-1"}},
  "urn:scimgate:params:scim:schemas:extension:2.0:User":
      {"skills": ["java", "go"], "status": "active"}})";

Object::Ptr parseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Object::Ptr>();
}

std::string toJson(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  if (value.type() == typeid(Object::Ptr)) {
    value.extract<Object::Ptr>()->stringify(out);
  } else if (value.type() == typeid(Array::Ptr)) {
    value.extract<Array::Ptr>()->stringify(out);
  } else {
    Poco::JSON::Stringifier::stringify(value, out);
  }
  return out.str();
}

/// Poco objects keep their keys sorted, so the stringified form is canonical.
std::string canonical(const std::string& json) { return toJson(parseObject(json)); }

std::string body(const std::string& operations) {
  return R"({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": )" +
         operations + "}";
}

/// Parses the body and applies it to `current`; parse errors come back as the result's error.
scim::Result<Object::Ptr> patch(const std::string& current, const std::string& operations) {
  auto parsed = scim::parsePatchRequest(*parseObject(body(operations)));
  if (!parsed) return parsed.error();
  return scim::applyPatch(*parseObject(current), *parsed, scim::userResourceType());
}

/// The value at `path` ("emails", "name/givenName", "<urn>/manager") as JSON, or "<absent>".
std::string valueAt(const Object& root, const std::string& path) {
  Poco::Dynamic::Var value = Object::Ptr(new Object(root));
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::string key = path.substr(start, slash == std::string::npos ? slash : slash - start);
    const auto object = value.extract<Object::Ptr>();
    if (!object->has(key)) return "<absent>";
    value = object->get(key);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return toJson(value);
}

std::string jsonOf(const std::string& json) {
  // Scalars cannot be parsed as a document by themselves: wrap and unwrap.
  return valueAt(*parseObject(R"({"v": )" + json + "}"), "v");
}

struct Expectation {
  const char* behaviour;
  std::string operations;
  std::string path;      // where to look in the result
  std::string expected;  // JSON, or "<absent>"
};

void checkAll(const std::string& current, const std::vector<Expectation>& cases) {
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.behaviour) {
      INFO(c.operations);
      auto result = patch(current, c.operations);
      if (!result.ok()) FAIL("rejected: " << result.error().detail);
      CHECK(valueAt(**result, c.path) ==
            (c.expected == "<absent>" ? c.expected : jsonOf(c.expected)));
    }
  }
}

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
// add
// / replace without a path

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
