#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>

#include "scim/result.h"
#include "scim/schema.h"

namespace scimgate::scim {

/// RFC 7643 3.1 "meta" as the directory knows it. Times are RFC 3339 strings.
struct Meta {
  std::string created;
  std::string lastModified;
  std::string version;  // weak ETag, e.g. W/"20261123101010.123456Z#000000#000#000000"
};

/// A User as stored: canonical SCIM attributes (core at top level, each extension as an object
/// under its URN; attribute names in the schema's spelling), without id, meta, schemas or password.
struct User {
  std::string id;
  Poco::JSON::Object::Ptr attributes = new Poco::JSON::Object;
  Meta meta;
};

/// A validated User body from POST or PUT.
struct UserInput {
  Poco::JSON::Object::Ptr attributes;   // canonical, read-only attributes removed
  std::optional<std::string> password;  // never logged, never returned
};

/// Validates and canonicalises a POST/PUT body against the User schemas: attribute and
/// sub-attribute names take the schema's spelling (clients send "Primary", "UserName"), booleans
/// sent as "True"/"false" strings become booleans, read-only attributes (id, meta, groups...) are
/// dropped, unknown attributes are ignored (RFC 7644 3.3). Wrong types, a missing userName or two
/// primary values give InvalidValue with the attribute's path in the detail.
Result<UserInput> parseUserInput(const Poco::JSON::Object& body);

/// The full SCIM representation: schemas, id, attributes, meta (with `location`).
Poco::JSON::Object::Ptr userToJson(const User& user, const std::string& location);

}  // namespace scimgate::scim
