// The StateStore contract: the same cases run on SQLite and on a real PostgreSQL.
#include <catch2/catch.hpp>

#include "policy/mfa/state_store.h"
#include "store_backends.h"

namespace mfa = scimgate::policy::mfa;
using scimgate::ErrorKind;
using scimgate::testing::openStore;
using scimgate::testing::PostgresBackend;
using scimgate::testing::SqliteBackend;
using scimgate::testing::uniqueUserId;

TEMPLATE_TEST_CASE("store migrations create the schema once and record its version", "[mfa][store]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto first = openStore(backend);
  auto second = openStore(backend);  // reopening applies nothing twice
  auto version = second->schemaVersion();
  REQUIRE(version.ok());
  CHECK(*version == mfa::kSchemaVersion);
  CHECK(backend.rawColumn("SELECT CAST(version AS TEXT) FROM schema_version") ==
        std::vector<std::string>{"1", "2", "3"});
}

TEMPLATE_TEST_CASE("store claims a TOTP step once and only forwards", "[mfa][store]", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  auto store = openStore(backend);
  const std::string user = uniqueUserId();
  REQUIRE(store->putPendingTotp(user, "sealed-1", 100).ok());

  auto pending = store->findTotp(user, mfa::TotpState::Pending);
  REQUIRE(pending.ok());
  REQUIRE(pending->has_value());
  CHECK((*pending)->sealedSecret == "sealed-1");
  CHECK_FALSE((*pending)->lastStep.has_value());
  CHECK_FALSE(store->findTotp(user, mfa::TotpState::Active)->has_value());

  CHECK(*store->claimTotpStep(user, mfa::TotpState::Pending, "sealed-1", 10));
  CHECK_FALSE(*store->claimTotpStep(user, mfa::TotpState::Pending, "sealed-1", 10));
  CHECK_FALSE(*store->claimTotpStep(user, mfa::TotpState::Pending, "sealed-1", 9));
  CHECK_FALSE(*store->claimTotpStep(user, mfa::TotpState::Pending, "another secret", 11));
  CHECK_FALSE(*store->claimTotpStep(user, mfa::TotpState::Active, "sealed-1", 11));
  CHECK(*store->claimTotpStep(user, mfa::TotpState::Pending, "sealed-1", 11));
  CHECK((*store->findTotp(user, mfa::TotpState::Pending))->lastStep ==
        std::optional<std::int64_t>(11));

  SECTION("a new pending secret starts without a used step") {
    REQUIRE(store->putPendingTotp(user, "sealed-2", 200).ok());
    auto replaced = *store->findTotp(user, mfa::TotpState::Pending);
    CHECK(replaced->sealedSecret == "sealed-2");
    CHECK_FALSE(replaced->lastStep.has_value());
  }
}

TEMPLATE_TEST_CASE("store activation promotes the pending secret with its used step",
                   "[mfa][store]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto store = openStore(backend);
  const std::string user = uniqueUserId();
  REQUIRE(store->putPendingTotp(user, "first", 100).ok());
  REQUIRE(*store->claimTotpStep(user, mfa::TotpState::Pending, "first", 42));
  CHECK_FALSE(*store->activateTotp(user, "not the pending one"));
  REQUIRE(*store->activateTotp(user, "first"));
  auto active = *store->findTotp(user, mfa::TotpState::Active);
  REQUIRE(active.has_value());
  CHECK(active->sealedSecret == "first");
  CHECK(active->lastStep == std::optional<std::int64_t>(42));
  CHECK_FALSE(store->findTotp(user, mfa::TotpState::Pending)->has_value());

  // Re-enrolment: the active secret stays until the new one is activated.
  REQUIRE(store->putPendingTotp(user, "second", 200).ok());
  CHECK((*store->findTotp(user, mfa::TotpState::Active))->sealedSecret == "first");
  REQUIRE(*store->activateTotp(user, "second"));
  CHECK((*store->findTotp(user, mfa::TotpState::Active))->sealedSecret == "second");

  REQUIRE(store->removeTotp(user).ok());
  CHECK_FALSE(store->findTotp(user, mfa::TotpState::Active)->has_value());
}

TEMPLATE_TEST_CASE("store backup code generations replace the old set and each code is used once",
                   "[mfa][store]", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto store = openStore(backend);
  const std::string user = uniqueUserId();
  CHECK(*store->countUnusedBackupCodes(user) == 0);
  CHECK(*store->replaceBackupCodes(user, {"h1", "h2", "h3"}, 100) == 1);
  auto codes = *store->backupCodes(user);
  REQUIRE(codes.size() == 3);
  CHECK(codes[0].hash == "h1");
  CHECK_FALSE(codes[0].used);
  CHECK(*store->consumeBackupCode(codes[0].id, 101));
  CHECK_FALSE(*store->consumeBackupCode(codes[0].id, 102));
  CHECK((*store->backupCodes(user))[0].used);
  CHECK(*store->countUnusedBackupCodes(user) == 2);

  CHECK(*store->replaceBackupCodes(user, {"h4", "h5"}, 200) == 2);
  CHECK_FALSE(*store->consumeBackupCode(codes[1].id, 201));  // voided with its generation
  auto fresh = *store->backupCodes(user);
  REQUIRE(fresh.size() == 2);
  CHECK(fresh[0].hash == "h4");
  CHECK(*store->countUnusedBackupCodes(user) == 2);
  CHECK(*store->countUnusedBackupCodes(uniqueUserId()) == 0);
}

TEMPLATE_TEST_CASE("store failures lock at the limit and a reset clears the count", "[mfa][store]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto store = openStore(backend);
  const std::string user = uniqueUserId();
  CHECK(store->failures(user)->failures == 0);
  CHECK_FALSE(store->failures(user)->lockedUntil.has_value());
  CHECK_FALSE(*store->recordFailure(user, 1000, 3, 60));
  CHECK_FALSE(*store->recordFailure(user, 1001, 3, 60));
  CHECK(store->failures(user)->failures == 2);
  REQUIRE(store->resetFailures(user).ok());
  CHECK(store->failures(user)->failures == 0);
  CHECK_FALSE(*store->recordFailure(user, 1002, 3, 60));
  CHECK_FALSE(*store->recordFailure(user, 1003, 3, 60));
  CHECK(*store->recordFailure(user, 1004, 3, 60));
  auto locked = *store->failures(user);
  CHECK(locked.failures == 0);
  CHECK(locked.lockedUntil == std::optional<std::int64_t>(1064));
}

TEST_CASE("opening a store with bad settings is a clear error", "[mfa][store]") {
  SECTION("unknown kind") {
    auto store = mfa::openStateStore({"mysql", "", ""});
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().kind == ErrorKind::InvalidValue);
  }
  SECTION("sqlite without a path") {
    auto store = mfa::openStateStore({"sqlite", "", ""});
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().kind == ErrorKind::InvalidValue);
  }
  SECTION("sqlite in a folder that does not exist") {
    auto store = mfa::openStateStore({"sqlite", "/nonexistent/scimgate/mfa.db", ""});
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().kind == ErrorKind::Unavailable);
  }
  SECTION("postgres that does not answer") {
    auto store = mfa::openStateStore(
        {"postgres", "",
         "host=127.0.0.1 port=1 dbname=x user=x password=hunter2 connect_timeout=2"});
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().kind == ErrorKind::Unavailable);
    CHECK(store.error().detail.find("hunter2") == std::string::npos);
  }
}
