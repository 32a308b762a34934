#include "gateway/auth.h"

#include <cctype>

namespace scimgate::gateway {

bool constantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^
                                              static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

TokenAuthenticator::TokenAuthenticator(std::vector<config::TokenSettings> tokens)
    : tokens_(std::move(tokens)) {}

std::optional<std::string> TokenAuthenticator::authenticate(const std::string& header) const {
  // RFC 6750 2.1: credentials = "Bearer" 1*SP b64token, the scheme case-insensitive.
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  std::size_t start = kScheme.size();
  while (start < header.size() && header[start] == ' ') ++start;
  std::string token = header.substr(start);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.pop_back();
  if (token.empty()) return std::nullopt;
  // Hashing first makes every comparison the same length, so timing says nothing about tokens.
  const std::string presented = config::sha256Hex(token);
  std::optional<std::string> match;
  for (const auto& t : tokens_) {
    if (constantTimeEquals(presented, t.sha256) && !match) match = t.name;
  }
  return match;
}

}  // namespace scimgate::gateway
