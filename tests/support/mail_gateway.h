#pragma once
// What the email flow tests share: a gateway config that sends mail to a test sink, a temporary
// folder for the SQLite state store, and the PostgreSQL fixture's connection string.

#include <filesystem>
#include <string>

#include "config/config.h"
#include "policy/mfa/state_store.h"
#include "support/private_database.h"

namespace scimgate::testing {

/// The public URL the mail links of test gateways start with.
inline constexpr char kTestPublicUrl[] = "https://scim.example.test";

/// A fresh temporary folder, removed with everything in it by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// A SQLite state store in this folder.
  policy::mfa::StoreSettings sqliteStore() const;

 private:
  std::filesystem::path path_;
};

/// Gateway::defaultConfig() with the state store, a fixed MFA key, plain SMTP to 127.0.0.1 on
/// `smtpPort` (a testing::SmtpSink), retries after 1 s polled every 50 ms, the shipped templates,
/// kTestPublicUrl and a short refusal floor.
config::Config mailGatewayConfig(const policy::mfa::StoreSettings& store, int smtpPort);

}  // namespace scimgate::testing
