#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

#include "scim/error.h"

namespace scimgate::gateway {

/// The HTTP status for an error kind (RFC 7644 3.12).
int httpStatusOf(scim::ErrorKind kind);

/// The RFC 7644 3.12 error body as compact JSON.
std::string errorBody(const scim::Error& error);

/// Sends the error as an `application/scim+json` response with its status (and Retry-After for
/// Unavailable, WWW-Authenticate for Unauthorized).
void sendError(Poco::Net::HTTPServerResponse& response, const scim::Error& error);

}  // namespace scimgate::gateway
