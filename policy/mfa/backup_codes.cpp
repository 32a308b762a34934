#include "policy/mfa/backup_codes.h"

#include <openssl/evp.h>

#include <charconv>
#include <stdexcept>

#include "policy/mfa/detail/encoding.h"

namespace scimgate::policy::mfa {
namespace {

constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kHashSize = 32;
constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr unsigned kMaxIterations = 10'000'000;

std::string pbkdf2(std::string_view code, std::string_view salt, unsigned iterations) {
  std::string out(kHashSize, '\0');
  if (PKCS5_PBKDF2_HMAC(code.data(), static_cast<int>(code.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(kHashSize),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return out;
}

}  // namespace

std::string generateBackupCode() {
  // 32 symbols: the low 5 bits of a random byte pick one without bias.
  const std::string random = detail::randomBytes(kBackupCodeLength);
  std::string code;
  for (std::size_t i = 0; i < kBackupCodeLength; ++i) {
    if (i > 0 && i % 4 == 0) code.push_back('-');
    code.push_back(kBackupCodeAlphabet[static_cast<unsigned char>(random[i]) & 31U]);
  }
  return code;
}

std::optional<std::string> normaliseBackupCode(std::string_view typed) {
  std::string code;
  for (char ch : typed) {
    if (ch == ' ' || ch == '-' || ch == '\t') continue;
    const char lower = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    if (kBackupCodeAlphabet.find(lower) == std::string_view::npos) return std::nullopt;
    code.push_back(lower);
    if (code.size() > kBackupCodeLength) return std::nullopt;
  }
  if (code.size() != kBackupCodeLength) return std::nullopt;
  return code;
}

std::string hashBackupCode(std::string_view canonicalCode, unsigned iterations) {
  if (iterations == 0 || iterations > kMaxIterations) {
    throw std::invalid_argument("PBKDF2 iterations out of range");
  }
  const std::string salt = detail::randomBytes(kSaltSize);
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" +
         detail::base64Encode(salt) + "$" +
         detail::base64Encode(pbkdf2(canonicalCode, salt, iterations));
}

bool backupCodeMatches(std::string_view canonicalCode, std::string_view stored) {
  // scheme$iterations$salt$hash
  const auto first = stored.find('$');
  if (first == std::string_view::npos || stored.substr(0, first) != kScheme) return false;
  const auto second = stored.find('$', first + 1);
  if (second == std::string_view::npos) return false;
  const auto third = stored.find('$', second + 1);
  if (third == std::string_view::npos) return false;
  const auto iterationsText = stored.substr(first + 1, second - first - 1);
  unsigned iterations = 0;
  const auto [end, ec] = std::from_chars(iterationsText.data(),
                                         iterationsText.data() + iterationsText.size(), iterations);
  if (ec != std::errc() || end != iterationsText.data() + iterationsText.size() ||
      iterations == 0 || iterations > kMaxIterations) {
    return false;
  }
  const auto salt = detail::base64Decode(stored.substr(second + 1, third - second - 1));
  const auto hash = detail::base64Decode(stored.substr(third + 1));
  if (!salt || !hash || hash->size() != kHashSize) return false;
  return detail::equalConstantTime(pbkdf2(canonicalCode, *salt, iterations), *hash);
}

}  // namespace scimgate::policy::mfa
