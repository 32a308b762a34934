#pragma once
// What the email flow tests share: a gateway config that sends mail to a test sink, a temporary
// folder for the SQLite state store, and the PostgreSQL fixture's connection string.

#include <filesystem>
#include <string>

#include "config/config.h"
#include "policy/mfa/state_store.h"

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

/// PG_CONNINFO of the pg_start fixture (the file SCIMGATE_TEST_PG_ENV names); fails the test
/// when it is not there.
std::string postgresConninfo();

/// A database of its own on the pg_start fixture's server (CREATE DATABASE), dropped by the
/// destructor: gateways of cases that run at the same time never share a state store (the outbox
/// hands every due message to whichever gateway claims it, with that gateway's mail settings).
class PrivateDatabase {
 public:
  PrivateDatabase();
  ~PrivateDatabase();
  PrivateDatabase(const PrivateDatabase&) = delete;
  PrivateDatabase& operator=(const PrivateDatabase&) = delete;
  /// The fixture's conninfo naming this database.
  const std::string& conninfo() const { return conninfo_; }

 private:
  std::string server_;
  std::string name_;
  std::string conninfo_;
};

}  // namespace scimgate::testing
