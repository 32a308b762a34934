#pragma once

#include <string>
#include <string_view>

namespace scimgate::scim {

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
  PreconditionFailed,
  PayloadTooLarge,
  Unavailable,
  Internal
};

/// An error value. `detail` is shown to the caller: it never carries passwords, secrets or bind DNs.
struct Error {
  ErrorKind kind;
  std::string detail;
};

/// The RFC 7644 scimType for a kind, or "" where the RFC defines none (404, 401, 500...).
std::string_view scimTypeOf(ErrorKind kind);


}  // namespace scimgate::scim
