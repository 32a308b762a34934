#pragma once

#include <optional>
#include <string>
#include <string_view>

// Byte helpers shared by the mfa sources. Not part of the module's interface.
namespace scimgate::policy::mfa::detail {

/// `size` bytes from OpenSSL's CSPRNG; throws std::runtime_error if it fails (never weak bytes).
std::string randomBytes(std::size_t size);

std::string base64Encode(std::string_view bytes);
/// nullopt when `text` is not canonical base64 (padding required).
std::optional<std::string> base64Decode(std::string_view text);

/// Constant-time equality for equal-length inputs; false when the lengths differ.
bool equalConstantTime(std::string_view a, std::string_view b);

}  // namespace scimgate::policy::mfa::detail
