#include "policy/mfa/secret_box.h"

#include <catch2/catch.hpp>

namespace mfa = scimgate::policy::mfa;
using scimgate::ErrorKind;

namespace {
const std::string kHexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kBase64Key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";  // the same bytes
}  // namespace

TEST_CASE("the encryption key is read from hex or base64", "[mfa][crypto]") {
  auto hex = mfa::parseEncryptionKey(kHexKey);
  REQUIRE(hex.ok());
  CHECK(hex->size() == 32);
  CHECK((*hex)[31] == 0x1f);
  auto base64 = mfa::parseEncryptionKey(" " + kBase64Key + "\n");
  REQUIRE(base64.ok());
  CHECK(*base64 == *hex);

  for (const std::string& bad : {std::string(), kHexKey.substr(2), kHexKey + "00",
                                 "zz" + kHexKey.substr(2), kBase64Key.substr(4)}) {
    auto key = mfa::parseEncryptionKey(bad);
    REQUIRE_FALSE(key.ok());
    CHECK(key.error().kind == ErrorKind::InvalidValue);
    if (!bad.empty()) CHECK(key.error().detail.find(bad) == std::string::npos);
  }
}

TEST_CASE("sealed secrets open only with the same key and context", "[mfa][crypto]") {
  const auto key = *mfa::parseEncryptionKey(kHexKey);
  const std::string secret = "a secret of twenty b";
  auto sealed = mfa::sealSecret(key, secret, "user-1");
  REQUIRE(sealed.ok());
  CHECK(sealed->rfind("v1.", 0) == 0);
  CHECK(sealed->find(secret) == std::string::npos);
  CHECK(*mfa::sealSecret(key, secret, "user-1") != *sealed);  // a fresh nonce each time

  auto opened = mfa::openSecret(key, *sealed, "user-1");
  REQUIRE(opened.ok());
  CHECK(*opened == secret);

  SECTION("wrong key") {
    auto other = key;
    other[0] ^= 1;
    auto wrong = mfa::openSecret(other, *sealed, "user-1");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().kind == ErrorKind::Internal);
    CHECK(wrong.error().detail.find("encryption key") != std::string::npos);
  }
  SECTION("another user's context") { CHECK_FALSE(mfa::openSecret(key, *sealed, "user-2").ok()); }
  SECTION("altered data") {
    std::string altered = *sealed;
    altered[10] = altered[10] == 'A' ? 'B' : 'A';
    CHECK_FALSE(mfa::openSecret(key, altered, "user-1").ok());
    CHECK_FALSE(mfa::openSecret(key, "v1.", "user-1").ok());
    CHECK_FALSE(mfa::openSecret(key, secret, "user-1").ok());
  }
}
