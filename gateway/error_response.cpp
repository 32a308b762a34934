#include "gateway/error_response.h"

#include <Poco/JSON/Object.h>

#include <sstream>

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
    case ErrorKind::InvalidCursor: return 400;
    case ErrorKind::Uniqueness: return 409;
    case ErrorKind::NotFound: return 404;
    case ErrorKind::Unauthorized: return 401;
    case ErrorKind::Forbidden: return 403;
    case ErrorKind::PreconditionFailed: return 412;
    case ErrorKind::PayloadTooLarge: return 413;
    case ErrorKind::Unavailable: return 503;
    case ErrorKind::Internal: return 500;
  }
  return 500;
}

std::string errorBody(const scim::Error& error) {
  Poco::JSON::Object body;
  Poco::JSON::Array schemas;
  schemas.add("urn:ietf:params:scim:api:messages:2.0:Error");
  body.set("schemas", schemas);
  // RFC 7644 3.12: "status" is the HTTP status code as a string.
  body.set("status", std::to_string(httpStatusOf(error.kind)));
  if (auto type = scim::scimTypeOf(error.kind); !type.empty()) {
    body.set("scimType", std::string(type));
  }
  if (!error.detail.empty()) body.set("detail", error.detail);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

void sendError(Poco::Net::HTTPServerResponse& response, const scim::Error& error) {
  const std::string body = errorBody(error);
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(httpStatusOf(error.kind)));
  response.setContentType("application/scim+json");
  if (error.kind == ErrorKind::Unavailable) response.set("Retry-After", "5");
  if (error.kind == ErrorKind::Unauthorized) {
    response.set("WWW-Authenticate", "Bearer realm=\"scimgate\"");
  }
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

}  // namespace scimgate::gateway
