#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "scim/patch.h"
#include "scim/schema.h"
#include "test_helpers.h"

// What the PATCH tests (request parsing, operations, errors) share.
namespace scimgate::testing {

// A canonical User as the directory returns it.
inline const std::string kBabs = R"({
  "userName": "bjensen", "displayName": "Babs", "active": true, "externalId": "ext-1",
  "name": {"givenName": "Barbara", "familyName": "Jensen"},
  "emails": [{"value": "b@work.example", "type": "work", "primary": true},
             {"value": "b@home.example", "type": "home"}],
  "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
      {"employeeNumber": "701984", "manager": {"value": "m-1"}},
  "urn:scimgate:params:scim:schemas:extension:2.0:User":
      {"skills": ["java", "go"], "status": "active"}})";

/// `value` as JSON text; Poco objects keep their keys sorted, so equal values give equal text.
inline std::string toJson(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    value.extract<Poco::JSON::Object::Ptr>()->stringify(out);
  } else if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    value.extract<Poco::JSON::Array::Ptr>()->stringify(out);
  } else {
    Poco::JSON::Stringifier::stringify(value, out);
  }
  return out.str();
}

/// A PatchOp request body around the JSON array `operations`.
inline std::string body(const std::string& operations) {
  return R"({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": )" +
         operations + "}";
}

/// Parses the body and applies it to `current`; parse errors come back as the result's error.
inline scim::Result<Poco::JSON::Object::Ptr> patch(const std::string& current,
                                                   const std::string& operations) {
  auto parsed = scim::parsePatchRequest(*parseObject(body(operations)));
  if (!parsed) return parsed.error();
  return scim::applyPatch(*parseObject(current), *parsed, scim::userResourceType());
}

/// The value at `path` ("emails", "name/givenName", "<urn>/manager") as JSON, or "<absent>".
inline std::string valueAt(const Poco::JSON::Object& root, const std::string& path) {
  Poco::Dynamic::Var value = Poco::JSON::Object::Ptr(new Poco::JSON::Object(root));
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::string key = path.substr(start, slash == std::string::npos ? slash : slash - start);
    const auto object = value.extract<Poco::JSON::Object::Ptr>();
    if (!object->has(key)) return "<absent>";
    value = object->get(key);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return toJson(value);
}

/// The JSON text `json` in the form valueAt gives.
inline std::string jsonOf(const std::string& json) {
  // Scalars cannot be parsed as a document by themselves: wrap and unwrap.
  return valueAt(*parseObject(R"({"v": )" + json + "}"), "v");
}

struct Expectation {
  const char* behaviour;
  std::string operations;
  std::string path;      // where to look in the result
  std::string expected;  // JSON, or "<absent>"
};

/// One section a case: the operations applied to `current` succeed and leave `expected` at `path`.
inline void checkAll(const std::string& current, const std::vector<Expectation>& cases) {
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

}  // namespace scimgate::testing
