#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace scimgate::gateway {

/// Checks `Authorization: Bearer` tokens against the SHA-256 hashes in the config. Only hashes
/// are held; comparison is constant-time and always visits every configured token.
class TokenAuthenticator {
 public:
  explicit TokenAuthenticator(std::vector<config::TokenSettings> tokens);

  /// The name of the client whose token this header carries, or nothing.
  std::optional<std::string> authenticate(const std::string& authorizationHeader) const;
  /// The configured token these credentials (the part after "Bearer ") are, or null.
  const config::TokenSettings* find(const std::string& credentials) const;

 private:
  std::vector<config::TokenSettings> tokens_;
};

/// The credentials of an "Authorization: Bearer x" header (RFC 6750 2.1: the scheme
/// case-insensitive, surrounding spaces dropped), or "".
std::string bearerCredentials(const std::string& authorizationHeader);

/// Compares two strings without an early exit on the first difference.
bool constantTimeEquals(const std::string& a, const std::string& b);

}  // namespace scimgate::gateway
