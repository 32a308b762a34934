#include "support/private_database.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <random>

namespace scimgate::testing {

std::string postgresConninfo() {
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
    if (line.rfind("PG_CONNINFO=", 0) == 0) {
      std::string value = line.substr(12);
      // tools/pg-env.sh quotes with '...' when needed
      if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
  }
  FAIL(envFile << " has no PG_CONNINFO line");
  return {};
}

namespace {

std::string databaseName() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "case_";
  for (int i = 0; i < 12; ++i) name.push_back(kHex[engine() % 16]);
  return name;
}

}  // namespace

PrivateDatabase::PrivateDatabase() : server_(postgresConninfo()), name_(databaseName()) {
  Poco::Data::PostgreSQL::Connector::registerConnector();
  Poco::Data::Session admin(Poco::Data::PostgreSQL::Connector::KEY, server_);
  admin << "CREATE DATABASE " + name_, Poco::Data::Keywords::now;
  conninfo_ = server_ + " dbname=" + name_;  // libpq: a later keyword overrides an earlier one
}

PrivateDatabase::~PrivateDatabase() {
  try {
    Poco::Data::Session admin(Poco::Data::PostgreSQL::Connector::KEY, server_);
    admin << "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", Poco::Data::Keywords::now;
  } catch (...) {  // NOLINT(bugprone-empty-catch): the fixture's cleanup wipes the server anyway
  }
}

}  // namespace scimgate::testing
