#include "policy/mfa/totp.h"

#include <liboath/oath.h>

#include <mutex>
#include <stdexcept>

#include "policy/mfa/detail/encoding.h"

namespace scimgate::policy::mfa {
namespace {

void initOath() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (oath_init() != OATH_OK) throw std::runtime_error("liboath failed to initialise");
  });
}

// liboath's plain validators compare with strcmp and take the digit count from the submitted
// code (DESIGN 9): we check the format first and compare in constant time here.
int compareCode(void* handle, const char* candidate) {
  const auto* code = static_cast<const std::string_view*>(handle);
  return detail::equalConstantTime(*code, std::string_view(candidate)) ? 0 : 1;
}

}  // namespace

std::int64_t totpStep(std::chrono::sys_seconds now) {
  const std::int64_t seconds = now.time_since_epoch().count();
  // Floor division: steps before the epoch are negative (only reachable in tests).
  return seconds >= 0 ? seconds / kTotpPeriodSeconds
                      : -((-seconds + kTotpPeriodSeconds - 1) / kTotpPeriodSeconds);
}

bool isTotpCodeFormat(std::string_view code) {
  if (code.size() != kTotpDigits) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;  // ASCII only: no locale, no other scripts' digits
  }
  return true;
}

std::string generateTotp(std::string_view secret, std::chrono::sys_seconds now, unsigned digits) {
  initOath();
  char out[16] = {};
  const int rc = oath_totp_generate(secret.data(), secret.size(),
                                    static_cast<time_t>(now.time_since_epoch().count()),
                                    static_cast<unsigned>(kTotpPeriodSeconds), 0, digits, out);
  if (rc != OATH_OK) throw std::invalid_argument("TOTP generation failed (digits must be 6..8)");
  return out;
}

std::optional<std::int64_t> matchTotp(std::string_view secret, std::string_view code,
                                      std::chrono::sys_seconds now, unsigned window) {
  if (!isTotpCodeFormat(code)) return std::nullopt;
  initOath();
  int position = 0;
  std::uint64_t counter = 0;
  std::string_view handle = code;
  const int rc = oath_totp_validate4_callback(
      secret.data(), secret.size(), static_cast<time_t>(now.time_since_epoch().count()),
      static_cast<unsigned>(kTotpPeriodSeconds), 0, kTotpDigits, window, &position, &counter, 0,
      &compareCode, &handle);
  if (rc < 0) return std::nullopt;
  return static_cast<std::int64_t>(counter);
}

std::string base32Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char ch : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31U]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31U]);
  return out;
}

std::optional<std::string> base32Decode(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    unsigned value = 0;
    if (c >= 'A' && c <= 'Z') {
      value = static_cast<unsigned>(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      value = static_cast<unsigned>(c - 'a');
    } else if (c >= '2' && c <= '7') {
      value = static_cast<unsigned>(c - '2' + 26);
    } else if (c == ' ' || c == '=') {
      continue;
    } else {
      return std::nullopt;
    }
    buffer = ((buffer << 5) | value) & 0xFFFFU;
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xFFU));
      bits -= 8;
    }
  }
  return out;
}

std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15U]);
    }
  }
  return out;
}

std::string otpauthUri(std::string_view issuer, std::string_view accountLabel,
                       std::string_view secretBase32) {
  // Google Authenticator Key Uri Format: the label is "issuer:account", and the issuer is also
  // given as a parameter; both parts are percent-encoded separately so a ':' inside them is data.
  const std::string encodedIssuer = percentEncode(issuer);
  return "otpauth://totp/" + encodedIssuer + ":" + percentEncode(accountLabel) +
         "?secret=" + std::string(secretBase32) + "&issuer=" + encodedIssuer +
         "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpPeriodSeconds);
}

}  // namespace scimgate::policy::mfa
