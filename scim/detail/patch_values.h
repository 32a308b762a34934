#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <string_view>
#include <vector>

#include "scim/result.h"
#include "scim/schema.h"

// JSON values and error details for PATCH (scim/patch.cpp, scim/patch_request.cpp and
// scim/detail/patch_target.cpp). Only scim/ includes this header.
namespace scimgate::scim::detail {

/// Client text in quotes for an error detail, cut when long (hostile input stays out of logs).
std::string quoted(std::string_view text);

Error syntaxError(std::string detail);
Error pathError(std::string detail);
Error mutabilityError(std::string detail);

/// The member named `name` compared case-insensitively, or null.
const Poco::Dynamic::Var* findMember(const Poco::JSON::Object& object, std::string_view name);

/// The object or array a value holds (a by-value one is copied into a new shared one), or null.
Poco::JSON::Object::Ptr objectOf(const Poco::Dynamic::Var& value);
Poco::JSON::Array::Ptr arrayOf(const Poco::Dynamic::Var& value);

/// A copy that shares no object or array with `value`.
Poco::Dynamic::Var deepCopy(const Poco::Dynamic::Var& value);

/// Equality of canonical values.
bool deepEqual(const Poco::Dynamic::Var& a, const Poco::Dynamic::Var& b);

/// True when the element has `"primary": true`.
bool isPrimary(const Poco::JSON::Object& element);

/// The values of container[name]: the elements of an array, or the one value (none for null).
std::vector<Poco::Dynamic::Var> elementsOf(const Poco::JSON::Object& container,
                                           const std::string& name);

/// Sets container[name] to an array of `elements`.
void setElements(Poco::JSON::Object& container, const std::string& name,
                 const std::vector<Poco::Dynamic::Var>& elements);

/// The object at container[name], created when absent (or not an object).
Poco::JSON::Object::Ptr objectAt(Poco::JSON::Object& container, const std::string& name);

/// After each operation: drops null and empty values, arrays and objects from the resource and its
/// extensions (absence == empty, RFC 7643 2.5), and leaves at most one primary value in each
/// multi-valued attribute (RFC 7643 2.4), preferring `newestPrimary` when it is one of them.
void tidyResource(Poco::JSON::Object& root, const ResourceTypeDef& type,
                  const Poco::JSON::Object* newestPrimary);

}  // namespace scimgate::scim::detail
