#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

#include "scim/filter.h"
#include "scim/result.h"
#include "scim/schema.h"

namespace scimgate::scim {

/// RFC 7644 3.5.2 "op".
enum class PatchOpKind { Add, Remove, Replace };

/// One parsed PATCH operation.
struct PatchOperation {
  PatchOpKind op = PatchOpKind::Add;
  std::optional<PatchPath> path;  // absent: the target is the resource itself
  std::string pathText;           // as sent, for error details and logs ("" without a path)
  Poco::Dynamic::Var value;       // empty when absent (remove) or JSON null
};

/// Most operations accepted in one PATCH request; more give TooMany.
inline constexpr std::size_t kMaxPatchOperations = 1000;

/// Parses an RFC 7644 3.5.2 PatchOp body.
/// - "schemas" must be an array containing urn:ietf:params:scim:api:messages:2.0:PatchOp (the RFC
///   makes it REQUIRED); missing or wrong: InvalidSyntax.
/// - "Operations" (key case-insensitive) must be a non-empty array of objects; more than
///   kMaxPatchOperations: TooMany.
/// - "op" is case-insensitive ("Replace", "ADD"); unknown or missing: InvalidSyntax.
/// - "path": a bad path gives InvalidPath (from parsePatchPath); "" and null count as absent.
/// - remove without a path: NoTarget (RFC 7644 3.5.2.2); add/replace without "value" (or with null
///   for add): InvalidSyntax; add/replace without a path need an object value: InvalidSyntax.
Result<std::vector<PatchOperation>> parsePatchRequest(const Poco::JSON::Object& body);

/// Applies all operations, in order, to a deep copy of `current` (a canonical resource: core
/// attributes at top level, each extension as an object under its URN, schema spelling, no
/// id/meta/schemas/password), all or nothing: the first failing operation fails the request and
/// `current` is never modified. The result is canonical too (schema spelling, coerced types, empty
/// arrays and objects removed, at most one primary per multi-valued attribute). Errors: unknown
/// attribute or sub-attribute, filter on a single-valued attribute or on an unknown sub-attribute:
/// InvalidPath; readOnly attribute, `password` (see takePassword) or removing/unassigning a
/// required attribute: Mutability; wrong value type: InvalidValue naming the path; a value filter
/// that matches nothing: NoTarget (except `add` with an equality filter, which creates the value).
/// Immutable attributes are not checked here: the caller compares.
Result<Poco::JSON::Object::Ptr> applyPatch(const Poco::JSON::Object& current,
                                           const std::vector<PatchOperation>& operations,
                                           const ResourceTypeDef& type);

/// Takes the password out of `operations` so that the rest can go to applyPatch (which refuses
/// `password`: it is not part of the canonical resource). Operations with path `password` (or the
/// core-URN-qualified form) are removed, and a `password` key is removed from path-less values.
/// Returns the last password set, or nullopt when none is. A non-string password gives
/// InvalidValue; removing the password gives Mutability.
Result<std::optional<std::string>> takePassword(std::vector<PatchOperation>& operations,
                                                const ResourceTypeDef& type);

}  // namespace scimgate::scim
