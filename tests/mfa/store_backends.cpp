#include "store_backends.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace scimgate::testing {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

std::string randomHex(std::size_t length) {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out.push_back(kHex[engine() % 16]);
  return out;
}

std::vector<std::string> query(const std::string& connector, const std::string& connection,
                               const std::string& sql) {
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::PostgreSQL::Connector::registerConnector();
  Poco::Data::Session session(connector, connection);
  std::vector<std::string> values;
  session << sql, into(values), now;
  return values;
}

std::string unquote(std::string value) {  // tools/pg-env.sh quotes with '...' when needed
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
    value = value.substr(1, value.size() - 2);
  }
  return value;
}

}  // namespace

std::string uniqueUserId() { return "user-" + randomHex(16); }

SqliteBackend::SqliteBackend()
    : dir_(std::filesystem::temp_directory_path() / ("scimgate-mfa-" + randomHex(12))) {
  std::filesystem::create_directories(dir_);
}

SqliteBackend::~SqliteBackend() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

policy::mfa::StoreSettings SqliteBackend::settings() const {
  policy::mfa::StoreSettings settings;
  settings.kind = "sqlite";
  settings.path = (dir_ / "mfa.db").string();
  return settings;
}

std::vector<std::string> SqliteBackend::rawColumn(const std::string& sql) const {
  return query(Poco::Data::SQLite::Connector::KEY, settings().path, sql);
}

std::string SqliteBackend::rawFiles() const {
  std::string all;
  for (const char* suffix : {"", "-wal", "-journal"}) {
    std::ifstream in(settings().path + suffix, std::ios::binary);
    if (!in) continue;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    all += bytes.str();
  }
  return all;
}

PostgresBackend::PostgresBackend() {
  const char* envFile = std::getenv("SCIMGATE_TEST_PG_ENV");
  if (envFile == nullptr || *envFile == '\0') {
    FAIL(
        "SCIMGATE_TEST_PG_ENV is not set: run the PostgreSQL cases through ctest (fixture "
        "pg_start, tools/pg-env.sh), which starts a private server and points here to its env");
  }
  std::ifstream in(envFile);
  if (!in) {
    FAIL("cannot read " << envFile
                        << ": did the pg_start fixture (tools/pg-env.sh start) fail? "
                           "Is the Debian package postgresql installed?");
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PG_CONNINFO=", 0) == 0) conninfo_ = unquote(line.substr(12));
  }
  if (conninfo_.empty()) FAIL(envFile << " has no PG_CONNINFO line");
  // A database of this case's own, so that cases running in parallel (ctest -j) never see each
  // other's rows (the outbox hands out every due message).
  database_ = "case_" + randomHex(12);
  Poco::Data::PostgreSQL::Connector::registerConnector();
  {
    Poco::Data::Session admin(Poco::Data::PostgreSQL::Connector::KEY, conninfo_);
    admin << "CREATE DATABASE " + database_, Poco::Data::Keywords::now;
  }
  adminConninfo_ = conninfo_;
  conninfo_ += " dbname=" + database_;  // libpq: a later keyword overrides an earlier one
}

PostgresBackend::~PostgresBackend() {
  try {
    Poco::Data::Session admin(Poco::Data::PostgreSQL::Connector::KEY, adminConninfo_);
    admin << "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)", Poco::Data::Keywords::now;
  } catch (...) {  // NOLINT(bugprone-empty-catch): the fixture's cleanup wipes the server anyway
  }
}

policy::mfa::StoreSettings PostgresBackend::settings() const {
  policy::mfa::StoreSettings settings;
  settings.kind = "postgres";
  settings.postgres = conninfo_;
  return settings;
}

std::vector<std::string> PostgresBackend::rawColumn(const std::string& sql) const {
  return query(Poco::Data::PostgreSQL::Connector::KEY, conninfo_, sql);
}

std::string PostgresBackend::rawFiles() const {
  std::string all;
  for (const char* sql : {"SELECT user_id || ' ' || state || ' ' || secret FROM mfa_totp",
                          "SELECT user_id || ' ' || code_hash FROM mfa_backup_codes"}) {
    for (const std::string& value : rawColumn(sql)) all += value + "\n";
  }
  return all;
}

template <typename Backend>
std::shared_ptr<policy::mfa::StateStore> openStore(const Backend& backend) {
  auto store = policy::mfa::openStateStore(backend.settings());
  if (!store.ok()) FAIL("opening the MFA state store failed: " << store.error().detail);
  return std::shared_ptr<policy::mfa::StateStore>(std::move(store).value());
}

template std::shared_ptr<policy::mfa::StateStore> openStore(const SqliteBackend&);
template std::shared_ptr<policy::mfa::StateStore> openStore(const PostgresBackend&);

}  // namespace scimgate::testing
