#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"

// What the config tests (the core sections, the passwords and mfa sections) share.
namespace scimgate::testing {

inline const std::string kTokenHash = config::sha256Hex("secret-token-1");

/// The smallest valid config: one token and the four required LDAP settings.
inline std::string minimalConfig() {
  return R"({
    "tokens": [{"name": "entra", "sha256": ")" +
         kTokenHash + R"("}],
    "ldap": {
      "uris": ["ldap://ldap.example.com:389"],
      "bindDn": "cn=scimgate,ou=services,dc=example,dc=com",
      "bindPassword": "bind-secret",
      "baseDn": "dc=example,dc=com"
    }
  })";
}

/// An environment lookup backed by a map; names not in it are unset.
struct FakeEnvironment {
  std::map<std::string, std::string> values;
  const char* operator()(const char* name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  }
};

inline const FakeEnvironment kNoEnvironment{};

// Bytes 0..31 as hex and as base64; bytes 32..63 as hex (a second, different key).
inline const std::string kMfaKeyHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline const std::string kMfaKeyBase64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
inline const std::string kOtherMfaKeyHex =
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

/// The 32 bytes first, first + 1, ..., first + 31.
inline std::vector<unsigned char> bytesFrom(unsigned char first) {
  std::vector<unsigned char> bytes;
  for (unsigned char i = 0; i < 32; ++i) bytes.push_back(static_cast<unsigned char>(first + i));
  return bytes;
}

/// True when some problem starts with `path` followed by ": ".
inline bool hasProblemAt(const config::Problems& problems, const std::string& path) {
  return std::any_of(problems.items.begin(), problems.items.end(),
                     [&](const std::string& item) { return item.rfind(path + ": ", 0) == 0; });
}

/// Every problem, one a line (for INFO).
inline std::string joined(const config::Problems& problems) {
  std::string out;
  for (const auto& item : problems.items) out += item + "\n";
  return out;
}

}  // namespace scimgate::testing
