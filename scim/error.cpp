#include "scim/error.h"

#include <Poco/JSON/Object.h>

#include <sstream>

namespace scimgate::scim {

std::string_view scimTypeOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidFilter: return "invalidFilter";
    case ErrorKind::InvalidSyntax: return "invalidSyntax";
    case ErrorKind::InvalidPath: return "invalidPath";
    case ErrorKind::InvalidValue: return "invalidValue";
    case ErrorKind::Uniqueness: return "uniqueness";
    case ErrorKind::Mutability: return "mutability";
    case ErrorKind::NoTarget: return "noTarget";
    case ErrorKind::TooMany: return "tooMany";
    case ErrorKind::NotFound:
    case ErrorKind::Unauthorized:
    case ErrorKind::Forbidden:
    case ErrorKind::PreconditionFailed:
    case ErrorKind::PayloadTooLarge:
    case ErrorKind::Unavailable:
    case ErrorKind::Internal: return "";
  }
  return "";
}

int httpStatusOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidFilter:
    case ErrorKind::InvalidSyntax:
    case ErrorKind::InvalidPath:
    case ErrorKind::InvalidValue:
    case ErrorKind::Mutability:
    case ErrorKind::NoTarget:
    case ErrorKind::TooMany: return 400;
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

std::string errorToJson(const Error& error) {
  Poco::JSON::Object body;
  Poco::JSON::Array schemas;
  schemas.add("urn:ietf:params:scim:api:messages:2.0:Error");
  body.set("schemas", schemas);
  // RFC 7644 3.12: "status" is a string.
  body.set("status", std::to_string(httpStatusOf(error.kind)));
  if (auto type = scimTypeOf(error.kind); !type.empty()) body.set("scimType", std::string(type));
  if (!error.detail.empty()) body.set("detail", error.detail);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

}  // namespace scimgate::scim
