#pragma once
// The pg_start fixture's PostgreSQL (tools/pg-env.sh), for the store's own cases and the
// gateway cases that run on a PostgreSQL state store.

#include <string>

namespace scimgate::testing {

/// PG_CONNINFO of the pg_start fixture (the file SCIMGATE_TEST_PG_ENV names); fails the test
/// with what to do when it is not there.
std::string postgresConninfo();

/// A database of its own on the pg_start fixture's server (CREATE DATABASE), dropped by the
/// destructor: cases that run at the same time never share rows (the outbox hands every due
/// message to whichever gateway claims it, with that gateway's mail settings).
class PrivateDatabase {
 public:
  PrivateDatabase();
  ~PrivateDatabase();
  PrivateDatabase(const PrivateDatabase&) = delete;
  PrivateDatabase& operator=(const PrivateDatabase&) = delete;
  /// The fixture's conninfo naming this database.
  const std::string& conninfo() const { return conninfo_; }
  /// The fixture's conninfo without it (the server's default database).
  const std::string& server() const { return server_; }

 private:
  std::string server_;
  std::string name_;
  std::string conninfo_;
};

}  // namespace scimgate::testing
