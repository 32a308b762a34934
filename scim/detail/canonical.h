#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <string_view>

#include "scim/result.h"
#include "scim/schema.h"

// Canonicalisation shared by POST/PUT (scim/user.cpp) and PATCH (scim/patch.cpp). Only scim/
// includes this header.
namespace scimgate::scim::detail {

/// InvalidValue naming the attribute: "attribute 'emails[0].primary' must be a boolean ...".
Error invalidValue(const std::string& path, const std::string& what);

/// ASCII lower case.
std::string lowerAscii(std::string_view text);

/// The object or array a JSON value holds, whether by pointer (as the parser makes them) or by
/// value (as code may build them); null otherwise. The pointer lives as long as `value`.
const Poco::JSON::Object* asObject(const Poco::Dynamic::Var& value);
const Poco::JSON::Array* asArray(const Poco::Dynamic::Var& value);

/// RFC 7643 3: `schemas`, when the body has it (any case), is an array of strings; anything else
/// (a bare string, numbers) gives InvalidValue. Its absence is tolerated: clients omit it.
Result<void> checkSchemasList(const Poco::JSON::Object& body);

/// True for JSON null (and an empty Var).
bool isNull(const Poco::Dynamic::Var& value);

/// Turns one scalar into the type `def` wants, accepting the quirks real clients send ("True" /
/// "false" strings for booleans). Wrong types give InvalidValue naming `path`; so do strings that
/// scim/text.h's checkText refuses (control characters, bytes that are not UTF-8).
Result<Poco::Dynamic::Var> coerceScalar(const AttributeDef& def, const Poco::Dynamic::Var& value,
                                        const std::string& path);

/// A complex value with sub-attribute names in the schema's spelling; unknown, readOnly and null
/// sub-attributes are dropped (RFC 7644 3.3). A non-object gives InvalidValue.
Result<Poco::Dynamic::Var> canonicalComplex(const AttributeDef& def,
                                            const Poco::Dynamic::Var& value,
                                            const std::string& path);

/// The canonical form of a whole attribute value: multi-valued attributes become arrays (a single
/// item is accepted as a one-element array; nulls and empty objects are dropped; more than one
/// primary is InvalidValue), complex values go through canonicalComplex, scalars through
/// coerceScalar.
Result<Poco::Dynamic::Var> canonicalValue(const AttributeDef& def, const Poco::Dynamic::Var& value,
                                          const std::string& path);

}  // namespace scimgate::scim::detail
