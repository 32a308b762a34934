#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ldap/settings.h"

namespace scimgate::config {

/// HTTP listener and request limits.
struct ServerSettings {
  std::string listen = "127.0.0.1";
  int port = 8080;  // 0 = any free port
  std::string publicUrl;  // base for meta.location, e.g. https://scim.example.com; "" = from Host
  int threads = 8;
  int maxQueued = 64;
  std::size_t maxBodyBytes = 1024 * 1024;
  int maxJsonDepth = 32;
  int requestTimeoutMs = 30000;
};

/// A provisioning client's static bearer token, stored only as its SHA-256 (hex).
struct TokenSettings {
  std::string name;
  std::string sha256;
};

/// SCIM list limits.
struct ScimSettings {
  int defaultPageSize = 100;
  int maxPageSize = 200;
  /// The product brief makes userName and email immutable once created (a new email means a new
  /// account). Deployments whose IdP renames users (Entra ID UPN changes) switch these off.
  bool userNameImmutable = true;
  bool emailImmutable = true;
};

/// The whole configuration. Built only by `load`.
struct Config {
  ServerSettings server;
  std::vector<TokenSettings> tokens;
  ScimSettings scim;
  ldap::Settings ldap;
};

/// Every problem found, each as "$.json.path: what is wrong".
struct Problems {
  std::vector<std::string> items;
  bool empty() const { return items.empty(); }
};

/// The outcome of loading: a config that is only usable when `problems` is empty.
struct Loaded {
  Config config;
  Problems problems;
};

/// Reads a JSON config file, applies environment overrides (SCIMGATE_LDAP_URI,
/// SCIMGATE_LDAP_BIND_DN, SCIMGATE_LDAP_BIND_PASSWORD, SCIMGATE_TOKEN_SHA256, SCIMGATE_PORT) and
/// validates everything, collecting every problem with its JSON path instead of stopping at the
/// first. `environment` is a lookup so tests need not touch the process environment.
Loaded loadFile(const std::string& path,
                const std::function<const char*(const char*)>& environment = nullptr);

/// As loadFile, from JSON text (`origin` names it in messages).
Loaded loadText(const std::string& text, const std::string& origin,
                const std::function<const char*(const char*)>& environment = nullptr);

/// Lower-case hex SHA-256 of a token, as stored in the config.
std::string sha256Hex(const std::string& token);

}  // namespace scimgate::config
