#pragma once

#include <string>
#include <string_view>

namespace scimgate::policy::mfa {

/// A new single-use token for a link (invitation, password reset): 32 bytes from the CSPRNG (256
/// bits), base64url without padding (43 characters, safe in a URL). Throws std::runtime_error if
/// the CSPRNG fails (never a weak token).
std::string newLinkToken();

/// A new 6-digit code (000000-999999, uniform) for a second factor sent by email or SMS.
std::string newSentCode();

/// What the state store keeps of a token: lower-case hex SHA-256. A token is found by its hash,
/// so the lookup's timing says nothing about the token's text and a leaked store yields no
/// usable link.
std::string tokenHash(std::string_view token);

}  // namespace scimgate::policy::mfa
