#include "scim/error.h"

namespace scimgate::scim {

std::string_view scimTypeOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidFilter:
      return "invalidFilter";
    case ErrorKind::InvalidSyntax:
      return "invalidSyntax";
    case ErrorKind::InvalidPath:
      return "invalidPath";
    case ErrorKind::InvalidValue:
      return "invalidValue";
    case ErrorKind::Uniqueness:
      return "uniqueness";
    case ErrorKind::Mutability:
      return "mutability";
    case ErrorKind::NoTarget:
      return "noTarget";
    case ErrorKind::TooMany:
      return "tooMany";
    case ErrorKind::InvalidCursor:
      return "invalidCursor";  // RFC 9865
    case ErrorKind::NotFound:
    case ErrorKind::Unauthorized:
    case ErrorKind::Forbidden:
    case ErrorKind::MethodNotAllowed:
    case ErrorKind::PreconditionFailed:
    case ErrorKind::PayloadTooLarge:
    case ErrorKind::TooManyRequests:
    case ErrorKind::Unavailable:
    case ErrorKind::Internal:
      return "";
  }
  return "";
}

}  // namespace scimgate::scim
