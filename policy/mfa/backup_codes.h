#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scimgate::policy::mfa {

/// Alphabet of backup codes: digits and lower-case letters without 0, 1, o and l (32 symbols, 5
/// bits each), so a code read aloud or copied from paper is not ambiguous.
inline constexpr std::string_view kBackupCodeAlphabet = "23456789abcdefghijkmnpqrstuvwxyz";
/// 12 symbols = 60 bits of entropy, shown as three groups of four: "k7pm-3xq9-2rdw".
inline constexpr std::size_t kBackupCodeLength = 12;

/// A fresh random backup code in its display form ("k7pm-3xq9-2rdw").
std::string generateBackupCode();

/// The canonical form of a typed code: lower case, spaces and dashes removed. nullopt when what
/// remains is not kBackupCodeLength symbols of the alphabet.
std::optional<std::string> normaliseBackupCode(std::string_view typed);

/// Salted slow hash of a canonical code: PBKDF2-HMAC-SHA256 with a random 16-byte salt, stored as
/// "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>" (the iterations travel with the hash,
/// so changing the setting does not void existing codes).
std::string hashBackupCode(std::string_view canonicalCode, unsigned iterations);

/// True when `canonicalCode` hashes to `stored` (constant-time compare). A malformed `stored`
/// value is simply no match.
bool backupCodeMatches(std::string_view canonicalCode, std::string_view stored);

}  // namespace scimgate::policy::mfa
