#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "policy/mfa/state_store.h"
#include "support/private_database.h"

// The two StateStore implementations the contract cases run on (TEMPLATE_TEST_CASE types).
namespace scimgate::testing {

/// A fresh SQLite file in its own temporary folder, removed afterwards.
class SqliteBackend {
 public:
  SqliteBackend();
  ~SqliteBackend();
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;

  policy::mfa::StoreSettings settings() const;
  /// Every value of one text column, read with a connection of the test's own.
  std::vector<std::string> rawColumn(const std::string& query) const;
  /// The bytes of the database file and its WAL, as they lie on disk.
  std::string rawFiles() const;

 private:
  std::filesystem::path dir_;
};

/// The PostgreSQL server of the pg_start fixture (DIR/env named by SCIMGATE_TEST_PG_ENV).
class PostgresBackend {
 public:
  policy::mfa::StoreSettings settings() const;
  std::vector<std::string> rawColumn(const std::string& query) const;
  std::string rawFiles() const;  // the concatenated rawColumn values of every MFA table

 private:
  // A database of this case's own, so that cases running in parallel (ctest -j) never see each
  // other's rows (the outbox hands out every due message).
  PrivateDatabase database_;
};

/// Opens the backend's store; fails the test with the store's error otherwise.
template <typename Backend>
std::shared_ptr<policy::mfa::StateStore> openStore(const Backend& backend);

/// A user id no other test (or earlier run on the same server) uses.
std::string uniqueUserId();

}  // namespace scimgate::testing
