#pragma once

#include <Poco/JSON/Object.h>

#include <cstddef>
#include <string>

#include "scim/result.h"

namespace scimgate::scim {

/// Reads a request body as one JSON object (RFC 8259): a leading byte order mark is ignored;
/// text that is not UTF-8, is not JSON, nests deeper than `maxDepth`, is not an object, or has a
/// key twice in one object (compared without case, as SCIM compares attribute names) is
/// InvalidSyntax with a detail that echoes no raw byte. Never throws.
Result<Poco::JSON::Object::Ptr> readJsonObject(std::string text, std::size_t maxDepth);

}  // namespace scimgate::scim
