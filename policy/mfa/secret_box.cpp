#include "policy/mfa/secret_box.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <memory>

#include "policy/mfa/detail/encoding.h"

namespace scimgate::policy::mfa {
namespace {

constexpr std::size_t kNonceSize = 12;  // 96 bits: the GCM nonce size (NIST SP 800-38D 8.2)
constexpr std::size_t kTagSize = 16;
constexpr std::string_view kPrefix = "v1.";

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Error cannotOpen() {
  return makeError(ErrorKind::Internal,
                   "a stored MFA secret cannot be decrypted: the encryption key is wrong or "
                   "the stored data was altered");
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::vector<unsigned char>> parseEncryptionKey(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.size() == 2 * kEncryptionKeySize) {
    std::vector<unsigned char> key;
    key.reserve(kEncryptionKeySize);
    bool hex = true;
    for (std::size_t i = 0; i < text.size() && hex; i += 2) {
      const int hi = hexValue(text[i]);
      const int lo = hexValue(text[i + 1]);
      hex = hi >= 0 && lo >= 0;
      if (hex) key.push_back(static_cast<unsigned char>(hi * 16 + lo));
    }
    if (hex) return key;
  }
  if (auto decoded = detail::base64Decode(text); decoded && decoded->size() == kEncryptionKeySize) {
    return std::vector<unsigned char>(decoded->begin(), decoded->end());
  }
  // Never echo the input: it is (almost) a key.
  return makeError(ErrorKind::InvalidValue,
                   "the MFA encryption key must be 32 bytes, written as 64 hex digits or in "
                   "base64");
}

Result<std::string> sealSecret(const std::vector<unsigned char>& key, std::string_view plain,
                               std::string_view context) {
  if (key.size() != kEncryptionKeySize) {
    return makeError(ErrorKind::Internal, "the MFA encryption key is not 32 bytes");
  }
  const std::string nonce = detail::randomBytes(kNonceSize);
  std::string out = nonce;
  out.resize(kNonceSize + plain.size() + kTagSize);
  auto* cipherText = reinterpret_cast<unsigned char*>(out.data()) + kNonceSize;

  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int length = 0;
  int finalLength = 0;
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), bytes(nonce)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes(context),
                        static_cast<int>(context.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), cipherText, &length, bytes(plain),
                        static_cast<int>(plain.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), cipherText + length, &finalLength) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          cipherText + plain.size()) == 1;
  if (!ok) return makeError(ErrorKind::Internal, "encrypting an MFA secret failed");
  return std::string(kPrefix) + detail::base64Encode(out);
}

Result<std::string> openSecret(const std::vector<unsigned char>& key, std::string_view sealed,
                               std::string_view context) {
  if (key.size() != kEncryptionKeySize) {
    return makeError(ErrorKind::Internal, "the MFA encryption key is not 32 bytes");
  }
  if (sealed.substr(0, kPrefix.size()) != kPrefix) return cannotOpen();
  const auto raw = detail::base64Decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < kNonceSize + kTagSize) return cannotOpen();
  const std::string_view all(*raw);
  const auto nonce = all.substr(0, kNonceSize);
  const auto cipherText = all.substr(kNonceSize, all.size() - kNonceSize - kTagSize);
  std::string tag(all.substr(all.size() - kTagSize));

  std::string plain(cipherText.size(), '\0');
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int length = 0;
  int finalLength = 0;
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize),
                          nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), bytes(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes(context),
                        static_cast<int>(context.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), out, &length, bytes(cipherText),
                        static_cast<int>(cipherText.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                          tag.data()) == 1 &&
      // GCM: the final call checks the tag; on failure the plaintext is discarded below.
      EVP_DecryptFinal_ex(ctx.get(), out + length, &finalLength) == 1;
  if (!ok) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return cannotOpen();
  }
  return plain;
}

}  // namespace scimgate::policy::mfa
