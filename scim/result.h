#pragma once

#include "common/result.h"
#include "scim/error.h"

namespace scimgate::scim {

// The shared vocabulary (common/result.h) under the names scim/ and its users have always used.
using scimgate::makeError;
using scimgate::Result;

}  // namespace scimgate::scim
