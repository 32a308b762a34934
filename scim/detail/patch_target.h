#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <string_view>

#include "scim/filter.h"
#include "scim/result.h"
#include "scim/schema.h"

// Where a PATCH operation lands (RFC 7644 3.5.2): a path resolved against the schemas, and the
// values its filter selects. Used by scim/patch.cpp; only scim/ includes this header.
namespace scimgate::scim::detail {

/// What a path designates, resolved against the schemas.
struct Target {
  const Schema* schema = nullptr;     // the schema holding the attribute (core for externalId)
  const AttributeDef* def = nullptr;  // null: the path names the whole extension `schema`
  const AttributeDef* sub = nullptr;  // `name.givenName`, `emails[...].value`
  const Filter* filter = nullptr;     // `emails[type eq "work"]`
  std::string text;                   // the path as written, for details
};

/// id, meta and schemas: attributes every resource has (RFC 7643 3.1) that a client can never
/// write.
bool isServerCommonAttribute(std::string_view name);

/// Resolves `path` (written as `text`) against the schemas of `type`. Unknown schema, attribute
/// or sub-attribute, a sub-attribute of a simple attribute, a filter on a single-valued attribute
/// or one naming anything but its sub-attributes: InvalidPath. A readOnly attribute or
/// sub-attribute, id, meta, schemas, or the password: Mutability.
Result<Target> resolveTarget(const ResourceTypeDef& type, const PatchPath& path,
                             const std::string& text);

/// True when the target's value filter selects `element`, a value of its multi-valued attribute;
/// always true without a filter.
bool matchesElement(const Target& target, const Poco::Dynamic::Var& element);

/// Fills `seed` with the values a conjunction of `eq` comparisons on sub-attributes of `def`
/// describes; false when the filter is anything else (then nothing can be created from it).
bool seedFromEquality(const Filter& filter, const AttributeDef& def, Poco::JSON::Object& seed);

}  // namespace scimgate::scim::detail
