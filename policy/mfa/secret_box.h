#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace scimgate::policy::mfa {

/// Size of the key that encrypts secrets at rest (AES-256-GCM).
inline constexpr std::size_t kEncryptionKeySize = 32;

/// Decodes an encryption key given as 64 hex digits or as base64 of 32 bytes (surrounding spaces
/// ignored). Anything else: InvalidValue, with a detail that never repeats the input.
Result<std::vector<unsigned char>> parseEncryptionKey(std::string_view text);

/// Encrypts `plain` with AES-256-GCM under `key` (32 bytes) and a fresh random 96-bit nonce.
/// `context` is authenticated but not stored (e.g. the user id: a sealed secret copied to another
/// user does not open). Returns "v1." + base64(nonce | ciphertext | tag).
Result<std::string> sealSecret(const std::vector<unsigned char>& key, std::string_view plain,
                               std::string_view context);

/// Reverses sealSecret. A wrong key, another context or altered data gives an Internal error that
/// says so; it never returns unauthenticated bytes.
Result<std::string> openSecret(const std::vector<unsigned char>& key, std::string_view sealed,
                               std::string_view context);

}  // namespace scimgate::policy::mfa
