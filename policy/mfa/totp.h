#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scimgate::policy::mfa {

/// RFC 6238 parameters fixed by DESIGN 6: HMAC-SHA1, 6 digits, 30 s steps from the Unix epoch.
inline constexpr unsigned kTotpDigits = 6;
inline constexpr std::int64_t kTotpPeriodSeconds = 30;

/// The RFC 6238 time step that contains `now`.
std::int64_t totpStep(std::chrono::sys_seconds now);

/// True when `code` is exactly kTotpDigits ASCII digits (no spaces, no other scripts' digits).
bool isTotpCodeFormat(std::string_view code);

/// The TOTP code for `secret` (raw key bytes) at `now`, with `digits` digits (6..8). Used by tests
/// and tools; verification goes through matchTotp.
std::string generateTotp(std::string_view secret, std::chrono::sys_seconds now,
                         unsigned digits = kTotpDigits);

/// The time step whose code equals `code`, searching the steps within `window` of now's step
/// (window 1: previous, current, next). nullopt when `code` is malformed or matches no step. The
/// comparison is constant-time. Does not know about replay: the caller stores the step.
std::optional<std::int64_t> matchTotp(std::string_view secret, std::string_view code,
                                      std::chrono::sys_seconds now, unsigned window);

/// RFC 4648 base32 (upper case, no padding for the 20-byte secrets used here).
std::string base32Encode(std::string_view bytes);
/// Inverse of base32Encode; case, spaces and '=' padding are ignored. nullopt on other characters.
std::optional<std::string> base32Decode(std::string_view text);

/// The otpauth:// URI authenticator apps read (Key Uri Format), issuer and label percent-encoded:
/// otpauth://totp/Issuer:label?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
std::string otpauthUri(std::string_view issuer, std::string_view accountLabel,
                       std::string_view secretBase32);

/// RFC 3986 percent-encoding: everything except unreserved characters becomes %XX.
std::string percentEncode(std::string_view text);

/// `text` as a QR code (error correction M) in a standalone SVG document, 4-module quiet zone.
/// Empty when the text is too long for a QR code.
std::string renderQrSvg(std::string_view text);

}  // namespace scimgate::policy::mfa
