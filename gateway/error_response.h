#pragma once

#include <string>

#include "gateway/reply.h"
#include "scim/error.h"

namespace scimgate::gateway {

/// The HTTP status for an error kind (RFC 7644 3.12): the one place that knows it.
int httpStatusOf(scim::ErrorKind kind);

/// The RFC 7644 3.12 error body as compact JSON.
std::string errorBody(const scim::Error& error);

/// The RFC 7644 3.12 error body for a status no ErrorKind has (408, 414, 431: refusals of the
/// HTTP layer); `scimType` "" leaves it out.
std::string errorBody(int status, const std::string& scimType, const std::string& detail);

/// The error as an `application/scim+json` reply with its status, plus Retry-After for
/// Unavailable and TooManyRequests and WWW-Authenticate for Unauthorized. (A 405's Allow header
/// is the router's to add: only it knows the methods.)
Reply errorReply(const scim::Error& error);

}  // namespace scimgate::gateway
