#pragma once

#include <string>

namespace scimgate {

/// What went wrong, independent of any transport. gateway/error_response.cpp maps each kind to an
/// HTTP status exactly once.
enum class ErrorKind {
  InvalidFilter,
  InvalidSyntax,
  InvalidPath,
  InvalidValue,
  Uniqueness,
  Mutability,
  NoTarget,
  TooMany,
  InvalidCursor,
  NotFound,
  Unauthorized,
  Forbidden,
  MethodNotAllowed,
  PreconditionFailed,
  PayloadTooLarge,
  TooManyRequests,
  Unavailable,
  Internal
};

/// An error value. `detail` is shown to the caller: it never carries passwords, secrets or bind
/// DNs.
struct Error {
  ErrorKind kind;
  std::string detail;
};

inline Error makeError(ErrorKind kind, std::string detail) {
  return Error{kind, std::move(detail)};
}

}  // namespace scimgate
