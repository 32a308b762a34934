#include "gateway/auth.h"

#include <cctype>

namespace scimgate::gateway {

bool constantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

TokenAuthenticator::TokenAuthenticator(std::vector<config::TokenSettings> tokens)
    : tokens_(std::move(tokens)) {}

std::string bearerCredentials(const std::string& header) {
  // RFC 6750 2.1: credentials = "Bearer" 1*SP b64token, the scheme case-insensitive.
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return {};
  }
  std::size_t start = kScheme.size();
  while (start < header.size() && header[start] == ' ') ++start;
  std::string token = header.substr(start);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.pop_back();
  return token;
}

const config::TokenSettings* TokenAuthenticator::find(const std::string& credentials) const {
  if (credentials.empty()) return nullptr;
  // Hashing first makes every comparison the same length, so timing says nothing about tokens;
  // every token is visited.
  const std::string presented = config::sha256Hex(credentials);
  const config::TokenSettings* match = nullptr;
  for (const auto& t : tokens_) {
    if (constantTimeEquals(presented, t.sha256) && match == nullptr) match = &t;
  }
  return match;
}

std::optional<std::string> TokenAuthenticator::authenticate(const std::string& header) const {
  const auto* token = find(bearerCredentials(header));
  if (token == nullptr) return std::nullopt;
  return token->name;
}

}  // namespace scimgate::gateway
