#include "store_backends.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <atomic>
#include <catch2/catch.hpp>
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

policy::mfa::StoreSettings PostgresBackend::settings() const {
  policy::mfa::StoreSettings settings;
  settings.kind = "postgres";
  settings.postgres = database_.conninfo();
  return settings;
}

std::vector<std::string> PostgresBackend::rawColumn(const std::string& sql) const {
  return query(Poco::Data::PostgreSQL::Connector::KEY, database_.conninfo(), sql);
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
