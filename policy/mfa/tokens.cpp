#include "policy/mfa/tokens.h"

#include <openssl/sha.h>

#include <array>
#include <cstdint>

#include "policy/mfa/detail/encoding.h"

namespace scimgate::policy::mfa {

std::string newLinkToken() {
  std::string token = detail::base64Encode(detail::randomBytes(32));
  // base64url (RFC 4648 section 5), unpadded.
  for (char& c : token) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!token.empty() && token.back() == '=') token.pop_back();
  return token;
}

std::string newSentCode() {
  // Rejection sampling over 32-bit values keeps every code equally likely.
  constexpr std::uint32_t kCodes = 1000000;
  constexpr std::uint32_t kLimit = UINT32_MAX - (UINT32_MAX % kCodes);
  for (;;) {
    const std::string bytes = detail::randomBytes(4);
    std::uint32_t value = 0;
    for (char b : bytes) value = (value << 8U) | static_cast<unsigned char>(b);
    if (value >= kLimit) continue;
    std::string code = std::to_string(value % kCodes);
    return std::string(6 - code.size(), '0') + code;
  }
}

std::string tokenHash(std::string_view token) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (unsigned char b : digest) {
    hex.push_back(kHex[b >> 4U]);
    hex.push_back(kHex[b & 15U]);
  }
  return hex;
}

}  // namespace scimgate::policy::mfa
