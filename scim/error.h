#pragma once

#include <string_view>

#include "common/error.h"

namespace scimgate::scim {

using scimgate::Error;
using scimgate::ErrorKind;

/// The RFC 7644 scimType for a kind, or "" where the RFC defines none (404, 401, 500...).
std::string_view scimTypeOf(ErrorKind kind);

}  // namespace scimgate::scim
