#include "gateway/error_response.h"

#include <Poco/JSON/Object.h>

#include <sstream>

#include "scim/text.h"

namespace scimgate::gateway {

using scim::ErrorKind;

int httpStatusOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidFilter:
    case ErrorKind::InvalidSyntax:
    case ErrorKind::InvalidPath:
    case ErrorKind::InvalidValue:
    case ErrorKind::Mutability:
    case ErrorKind::NoTarget:
    case ErrorKind::TooMany:
    case ErrorKind::InvalidCursor:
      return 400;
    case ErrorKind::Uniqueness:
      return 409;
    case ErrorKind::NotFound:
      return 404;
    case ErrorKind::Unauthorized:
      return 401;
    case ErrorKind::Forbidden:
      return 403;
    case ErrorKind::MethodNotAllowed:
      return 405;
    case ErrorKind::PreconditionFailed:
      return 412;
    case ErrorKind::PayloadTooLarge:
      return 413;
    case ErrorKind::TooManyRequests:
      return 429;
    case ErrorKind::Unavailable:
      return 503;
    case ErrorKind::Internal:
      return 500;
  }
  return 500;
}

std::string errorBody(const scim::Error& error) {
  return errorBody(httpStatusOf(error.kind), std::string(scim::scimTypeOf(error.kind)),
                   error.detail);
}

std::string errorBody(int status, const std::string& scimType, const std::string& detail) {
  Poco::JSON::Object body;
  Poco::JSON::Array schemas;
  schemas.add("urn:ietf:params:scim:api:messages:2.0:Error");
  body.set("schemas", schemas);
  // RFC 7644 3.12: "status" is the HTTP status code as a string.
  body.set("status", std::to_string(status));
  if (!scimType.empty()) body.set("scimType", scimType);
  // A detail may quote the request (a filter, a name): bytes that are not UTF-8 are written as
  // \xHH so that the answer stays valid JSON (RFC 8259 8.1); the JSON writer escapes the rest.
  if (!detail.empty()) body.set("detail", scim::escapeInvalidUtf8(detail));
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

Reply errorReply(const scim::Error& error) {
  Reply reply;
  reply.status = httpStatusOf(error.kind);
  reply.contentType = kScimJson;
  reply.body = errorBody(error);
  if (error.kind == ErrorKind::Unavailable || error.kind == ErrorKind::TooManyRequests) {
    reply.with("Retry-After", "5");
  }
  if (error.kind == ErrorKind::Unauthorized)
    reply.with("WWW-Authenticate", "Bearer realm=\"scimgate\"");
  return reply;
}

}  // namespace scimgate::gateway
