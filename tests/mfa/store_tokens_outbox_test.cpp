// The StateStore contract for issue #14's state: single-use tokens, sessions ended by a reset,
// the code-by-message factor and the outbox. The same cases run on SQLite and PostgreSQL.
#include <algorithm>
#include <catch2/catch.hpp>
#include <future>
#include <vector>

#include "policy/mfa/state_store.h"
#include "store_backends.h"

namespace mfa = scimgate::policy::mfa;
using scimgate::testing::openStore;
using scimgate::testing::PostgresBackend;
using scimgate::testing::SqliteBackend;
using scimgate::testing::uniqueUserId;

TEMPLATE_TEST_CASE("store tokens are used once, expire, and can be revoked", "[mfa][store]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto store = openStore(backend);
  const std::string user = uniqueUserId();
  const std::string hash = "hash-" + user;
  REQUIRE(store->putToken(mfa::TokenKind::Invitation, hash, user, 100, 200).ok());

  auto found = store->findToken(mfa::TokenKind::Invitation, hash);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->userId == user);
  CHECK((*found)->expiresAt == 200);
  CHECK_FALSE((*found)->usedAt.has_value());
  // A token of one kind is nothing for another.
  CHECK_FALSE(store->findToken(mfa::TokenKind::PasswordReset, hash)->has_value());
  CHECK(store->useToken(mfa::TokenKind::PasswordReset, hash, 150)->use == mfa::TokenUse::Unknown);

  SECTION("used once") {
    auto first = store->useToken(mfa::TokenKind::Invitation, hash, 150);
    REQUIRE(first.ok());
    CHECK(first->use == mfa::TokenUse::Accepted);
    CHECK(first->userId == user);
    auto second = store->useToken(mfa::TokenKind::Invitation, hash, 151);
    CHECK(second->use == mfa::TokenUse::Used);
    CHECK(second->userId == user);
    CHECK((*store->findToken(mfa::TokenKind::Invitation, hash))->usedAt ==
          std::optional<std::int64_t>(150));
  }
  SECTION("expired at its expiry time") {
    CHECK(store->useToken(mfa::TokenKind::Invitation, hash, 200)->use == mfa::TokenUse::Expired);
  }
  SECTION("revoked with the user's other usable tokens, not with used ones") {
    REQUIRE(store->putToken(mfa::TokenKind::Invitation, hash + "-2", user, 110, 300).ok());
    REQUIRE(store->putToken(mfa::TokenKind::Invitation, hash + "-3", user, 120, 300).ok());
    REQUIRE(store->useToken(mfa::TokenKind::Invitation, hash + "-3", 130)->use ==
            mfa::TokenUse::Accepted);
    auto revoked = store->revokeTokens(mfa::TokenKind::Invitation, user, 140);
    REQUIRE(revoked.ok());
    CHECK(*revoked == 2);
    CHECK(store->useToken(mfa::TokenKind::Invitation, hash, 150)->use == mfa::TokenUse::Revoked);
    CHECK(store->useToken(mfa::TokenKind::Invitation, hash + "-3", 150)->use ==
          mfa::TokenUse::Used);
    auto latest = store->latestToken(mfa::TokenKind::Invitation, user);
    REQUIRE(latest->has_value());
    CHECK((*latest)->createdAt == 120);
  }
  SECTION("of many concurrent users of one token, exactly one wins") {
    std::vector<std::future<mfa::TokenUse>> racers;
    for (int i = 0; i < 8; ++i) {
      racers.push_back(std::async(std::launch::async, [&] {
        auto claim = store->useToken(mfa::TokenKind::Invitation, hash, 150);
        return claim.ok() ? claim->use : mfa::TokenUse::Unknown;
      }));
    }
    int accepted = 0;
    int used = 0;
    for (auto& racer : racers) {
      auto use = racer.get();
      accepted += use == mfa::TokenUse::Accepted ? 1 : 0;
      used += use == mfa::TokenUse::Used ? 1 : 0;
    }
    CHECK(accepted == 1);
    CHECK(used == 7);
  }
}

TEMPLATE_TEST_CASE("store ends sessions before a time that only moves forward", "[mfa][store]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto store = openStore(backend);
  const std::string user = uniqueUserId();
  CHECK_FALSE(store->sessionsValidAfter(user)->has_value());
  REQUIRE(store->endSessionsBefore(user, 500).ok());
  CHECK(*store->sessionsValidAfter(user) == std::optional<std::int64_t>(500));
  REQUIRE(store->endSessionsBefore(user, 400).ok());
  CHECK(*store->sessionsValidAfter(user) == std::optional<std::int64_t>(500));
  REQUIRE(store->endSessionsBefore(user, 600).ok());
  CHECK(*store->sessionsValidAfter(user) == std::optional<std::int64_t>(600));
}

TEMPLATE_TEST_CASE("store keeps each client's last write, only moving it forward", "[mfa][store]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto store = openStore(backend);
  const std::string client = "client:" + uniqueUserId();
  const std::string other = "user:" + uniqueUserId();
  CHECK_FALSE(store->lastClientWrite(client)->has_value());
  REQUIRE(store->noteClientWrite(client, 1'700'000'000'500).ok());
  CHECK(*store->lastClientWrite(client) == std::optional<std::int64_t>(1'700'000'000'500));
  REQUIRE(store->noteClientWrite(client, 1'700'000'000'400).ok());
  CHECK(*store->lastClientWrite(client) == std::optional<std::int64_t>(1'700'000'000'500));
  REQUIRE(store->noteClientWrite(client, 1'700'000'000'600).ok());
  CHECK(*store->lastClientWrite(client) == std::optional<std::int64_t>(1'700'000'000'600));
  CHECK_FALSE(store->lastClientWrite(other)->has_value());
}

TEMPLATE_TEST_CASE("store keeps the code factor per user", "[mfa][store]", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  auto store = openStore(backend);
  const std::string user = uniqueUserId();
  CHECK_FALSE(store->codeFactor(user)->has_value());
  REQUIRE(store->setCodeFactor(user, mfa::CodeChannel::Email, 10).ok());
  CHECK(*store->codeFactor(user) == std::optional<mfa::CodeChannel>(mfa::CodeChannel::Email));
  REQUIRE(store->setCodeFactor(user, mfa::CodeChannel::Sms, 11).ok());
  CHECK(*store->codeFactor(user) == std::optional<mfa::CodeChannel>(mfa::CodeChannel::Sms));
  REQUIRE(store->setCodeFactor(user, std::nullopt, 12).ok());
  CHECK_FALSE(store->codeFactor(user)->has_value());
}

TEMPLATE_TEST_CASE("store outbox hands each due message to one claimant until sent", "[mfa][store]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto store = openStore(backend);
  mfa::OutboxRecord message{0, "email", "ana@example.com", "Welcome", "text body", "<p>html</p>",
                            0};
  auto id = store->enqueueMessage(message, 1000);
  REQUIRE(id.ok());
  CHECK(*id > 0);
  // The PostgreSQL cases share one database and may run in parallel: counts are lower bounds.
  CHECK(*store->pendingMessages() >= 1);

  auto claimed = store->claimDueMessages(1000, 60, 100);
  REQUIRE(claimed.ok());
  auto mine = std::find_if(claimed->begin(), claimed->end(),
                           [&](const mfa::OutboxRecord& r) { return r.id == *id; });
  REQUIRE(mine != claimed->end());
  CHECK(mine->recipient == "ana@example.com");
  CHECK(mine->subject == "Welcome");
  CHECK(mine->text == "text body");
  CHECK(mine->html == "<p>html</p>");
  CHECK(mine->attempts == 0);

  auto mineIn = [&](std::int64_t at) {
    auto again = store->claimDueMessages(at, 60, 100);
    REQUIRE(again.ok());
    return std::any_of(again->begin(), again->end(),
                       [&](const mfa::OutboxRecord& r) { return r.id == *id; });
  };
  // Leased: nobody else gets it until the lease ends.
  CHECK_FALSE(mineIn(1030));

  SECTION("a failed attempt comes back at its next attempt time, counted, body and all") {
    REQUIRE(store->markMessageFailed(*id, 1100, "421 try later").ok());
    CHECK_FALSE(mineIn(1099));
    auto later = store->claimDueMessages(1100, 60, 100);
    auto again = std::find_if(later->begin(), later->end(),
                              [&](const mfa::OutboxRecord& r) { return r.id == *id; });
    REQUIRE(again != later->end());
    CHECK(again->attempts == 1);
    CHECK(again->text == "text body");
  }
  SECTION("a lease that ran out (a crashed sender) lets another claim it") { CHECK(mineIn(1060)); }
  const std::string bodyOf =
      "SELECT body_text || body_html FROM outbox WHERE id = " + std::to_string(*id);
  SECTION("a sent message is never handed out again, and its body (a link, a code) is gone") {
    REQUIRE(store->markMessageSent(*id, 1001).ok());
    CHECK_FALSE(mineIn(99999));
    CHECK(backend.rawColumn(bodyOf) == std::vector<std::string>{""});
  }
  SECTION("a given-up message is never handed out again") {
    REQUIRE(store->markMessageFailed(*id, std::nullopt, "550 no such user").ok());
    CHECK_FALSE(mineIn(99999));
    CHECK(backend.rawColumn(bodyOf) == std::vector<std::string>{""});
  }
}

TEMPLATE_TEST_CASE("store outbox claims race between instances without duplicates", "[mfa][store]",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto first = openStore(backend);
  auto second = openStore(backend);
  std::vector<std::int64_t> ids;
  // Earlier than the other outbox case's times, so neither claims the other's messages.
  for (int i = 0; i < 20; ++i) {
    auto id = first->enqueueMessage({0, "email", "x@example.com", "s", "t", "", 0}, 10);
    REQUIRE(id.ok());
    ids.push_back(*id);
  }
  auto claimAll = [](mfa::StateStore& store) {
    std::vector<std::int64_t> got;
    for (int pass = 0; pass < 10; ++pass) {
      auto claimed = store.claimDueMessages(10, 600, 5);
      if (!claimed.ok()) continue;
      for (const auto& r : *claimed) got.push_back(r.id);
    }
    return got;
  };
  auto a = std::async(std::launch::async, claimAll, std::ref(*first));
  auto b = std::async(std::launch::async, claimAll, std::ref(*second));
  auto all = a.get();
  auto fromB = b.get();
  all.insert(all.end(), fromB.begin(), fromB.end());
  for (auto id : all) REQUIRE(first->markMessageSent(id, 11).ok());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());  // nobody got one twice
  for (auto id : ids) CHECK(std::binary_search(all.begin(), all.end(), id));
}
