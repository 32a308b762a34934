// MfaService behaviour, run on both stores (SQLite file and real PostgreSQL).
#include <atomic>
#include <barrier>
#include <catch2/catch.hpp>
#include <thread>

#include "policy/mfa/backup_codes.h"
#include "policy/mfa/mfa.h"
#include "policy/mfa/secret_box.h"
#include "policy/mfa/tokens.h"
#include "policy/mfa/totp.h"
#include "store_backends.h"

namespace mfa = scimgate::policy::mfa;
using mfa::SecondFactorOutcome;
using scimgate::ErrorKind;
using scimgate::testing::openStore;
using scimgate::testing::PostgresBackend;
using scimgate::testing::SqliteBackend;
using scimgate::testing::uniqueUserId;
using std::chrono::seconds;
using std::chrono::sys_seconds;

namespace {

// First second of a 30 s step (1'700'000'010 = 30 * 56'666'667), plus 15: mid-step.
const sys_seconds kT0{seconds{1'700'000'010 + 15}};

mfa::MfaSettings testSettings() {
  mfa::MfaSettings settings;
  settings.encryptionKey =
      *mfa::parseEncryptionKey("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  settings.pbkdf2Iterations = 1000;  // fast tests; the default (10000) is exercised once below
  settings.issuer = "scimgate test";
  return settings;
}

template <typename Backend>
struct Harness {
  explicit Harness(mfa::MfaSettings s = testSettings())
      : settings(std::move(s)), store(openStore(backend)), service(store, settings) {}

  /// Enrols and confirms TOTP for `user` at `at`; returns the raw secret.
  std::string enrolActive(const std::string& user, sys_seconds at) {
    auto enrolment = service.enrollTotp(user, user + "@example.com", "", at);
    REQUIRE(enrolment.ok());
    auto secret = mfa::base32Decode(enrolment->secretBase32);
    REQUIRE(secret.has_value());
    auto confirmed = service.confirmTotp(user, mfa::generateTotp(*secret, at), at);
    REQUIRE(confirmed.ok());
    REQUIRE(*confirmed == SecondFactorOutcome::Accepted);
    return *secret;
  }

  SecondFactorOutcome verify(const std::string& user, const std::string& code, sys_seconds at) {
    auto outcome = service.verifySecondFactor(user, code, at);
    if (!outcome.ok()) FAIL("verifySecondFactor failed: " << outcome.error().detail);
    return *outcome;
  }

  Backend backend;
  mfa::MfaSettings settings;
  std::shared_ptr<mfa::StateStore> store;
  mfa::MfaService service;
};

// Runs `attempt` on `threads` threads released together; each thread gets its own store (its
// own connections, as a separate gateway process would) and service. Returns the outcomes.
template <typename Backend>
std::vector<SecondFactorOutcome> race(Backend& backend, const mfa::MfaSettings& settings,
                                      int threads, const std::string& user, const std::string& code,
                                      sys_seconds at) {
  std::vector<std::unique_ptr<mfa::MfaService>> services;
  for (int i = 0; i < threads; ++i) {
    services.push_back(std::make_unique<mfa::MfaService>(openStore(backend), settings));
  }
  std::vector<SecondFactorOutcome> outcomes(static_cast<std::size_t>(threads),
                                            SecondFactorOutcome::NotEnrolled);
  std::vector<std::string> errors(static_cast<std::size_t>(threads));
  std::barrier start(threads);
  std::vector<std::thread> pool;
  for (std::size_t i = 0; i < services.size(); ++i) {
    pool.emplace_back([&, i] {
      start.arrive_and_wait();
      auto outcome = services[i]->verifySecondFactor(user, code, at);
      if (outcome.ok()) {
        outcomes[i] = *outcome;
      } else {
        errors[i] = outcome.error().detail;
      }
    });
  }
  for (auto& t : pool) t.join();
  for (const auto& e : errors) CHECK(e.empty());
  return outcomes;
}

std::string toFullwidth(const std::string& digits) {  // U+FF10..U+FF19
  std::string out;
  for (char d : digits) {
    out += "\xEF\xBC";
    out.push_back(static_cast<char>(0x90 + (d - '0')));
  }
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("TOTP enrolment stays pending until a right code confirms it", "[mfa][totp]",
                   SqliteBackend, PostgresBackend) {
  Harness<TestType> h;
  const std::string user = uniqueUserId();
  auto enrolment = h.service.enrollTotp(user, "alice@example.com", "ACME", kT0);
  REQUIRE(enrolment.ok());
  CHECK(enrolment->secretBase32.size() == 32);  // 20 bytes
  CHECK(enrolment->otpauthUri ==
        "otpauth://totp/ACME:alice%40example.com?secret=" + enrolment->secretBase32 +
            "&issuer=ACME&algorithm=SHA1&digits=6&period=30");
  CHECK(enrolment->qrSvg.rfind("<svg", 0) == 0);
  const std::string secret = *mfa::base32Decode(enrolment->secretBase32);
  const std::string code = mfa::generateTotp(secret, kT0);

  CHECK_FALSE(h.service.status(user)->totpEnrolled);
  CHECK(h.verify(user, code, kT0) == SecondFactorOutcome::NotEnrolled);  // pending is not enough

  const std::string wrong = code == "000000" ? "111111" : "000000";
  CHECK(*h.service.confirmTotp(user, wrong, kT0) == SecondFactorOutcome::Invalid);
  CHECK(*h.service.confirmTotp(user, code, kT0) == SecondFactorOutcome::Accepted);
  CHECK(h.service.status(user)->totpEnrolled);
  CHECK(*h.service.confirmTotp(user, code, kT0) == SecondFactorOutcome::NotEnrolled);

  // The code that confirmed is used up; the next step's code works.
  CHECK(h.verify(user, code, kT0) == SecondFactorOutcome::Replayed);
  CHECK(h.verify(user, mfa::generateTotp(secret, kT0 + seconds{30}), kT0 + seconds{30}) ==
        SecondFactorOutcome::Accepted);

  SECTION("an empty issuer means the configured one") {
    auto again = h.service.enrollTotp(user, "alice", "", kT0);
    REQUIRE(again.ok());
    CHECK(again->otpauthUri.rfind("otpauth://totp/scimgate%20test:alice?", 0) == 0);
    CHECK(h.service.status(user)->totpEnrolled);  // the active secret stays until confirmed
  }
  SECTION("removing TOTP ends it") {
    REQUIRE(h.service.removeTotp(user).ok());
    CHECK_FALSE(h.service.status(user)->totpEnrolled);
    CHECK(h.verify(user, mfa::generateTotp(secret, kT0 + seconds{60}), kT0 + seconds{60}) ==
          SecondFactorOutcome::NotEnrolled);
  }
}

TEMPLATE_TEST_CASE("TOTP accepts one step either side and never the same or an older step twice",
                   "[mfa][totp]", SqliteBackend, PostgresBackend) {
  Harness<TestType> h;
  const std::string user = uniqueUserId();
  const std::string secret = h.enrolActive(user, kT0 - seconds{600});
  auto code = [&](int offset) { return mfa::generateTotp(secret, kT0 + seconds{offset}); };

  CHECK(h.verify(user, code(-60), kT0) == SecondFactorOutcome::Invalid);  // step - 2
  CHECK(h.verify(user, code(+60), kT0) == SecondFactorOutcome::Invalid);  // step + 2
  CHECK(h.verify(user, code(-30), kT0) == SecondFactorOutcome::Accepted);
  CHECK(h.verify(user, code(-30), kT0) == SecondFactorOutcome::Replayed);
  CHECK(h.verify(user, code(0), kT0) == SecondFactorOutcome::Accepted);
  CHECK(h.verify(user, code(+30), kT0) == SecondFactorOutcome::Accepted);
  // Still inside the window, but at or before the last accepted step.
  CHECK(h.verify(user, code(0), kT0) == SecondFactorOutcome::Replayed);
  CHECK(h.verify(user, code(+30), kT0 + seconds{30}) == SecondFactorOutcome::Replayed);
}

TEMPLATE_TEST_CASE("TOTP window 0 accepts only the current step", "[mfa][totp]", SqliteBackend,
                   PostgresBackend) {
  auto settings = testSettings();
  settings.window = 0;
  Harness<TestType> h(settings);
  const std::string user = uniqueUserId();
  const std::string secret = h.enrolActive(user, kT0 - seconds{600});
  CHECK(h.verify(user, mfa::generateTotp(secret, kT0 - seconds{30}), kT0) ==
        SecondFactorOutcome::Invalid);
  CHECK(h.verify(user, mfa::generateTotp(secret, kT0), kT0) == SecondFactorOutcome::Accepted);
}

TEMPLATE_TEST_CASE("malformed second factors are refused without using up the real code",
                   "[mfa][totp]", SqliteBackend, PostgresBackend) {
  auto settings = testSettings();
  settings.maxFailures = 100;
  Harness<TestType> h(settings);
  const std::string user = uniqueUserId();
  const std::string secret = h.enrolActive(user, kT0 - seconds{600});
  const std::string code = mfa::generateTotp(secret, kT0);
  for (const std::string& bad :
       {std::string("12345"), std::string("1234567"), std::string("12a456"), code.substr(0, 5),
        code + "0", " " + code, toFullwidth(code), std::string(""),
        std::string("k7pm-3xq9-2rd0")}) {
    CAPTURE(bad);
    CHECK(h.verify(user, bad, kT0) == SecondFactorOutcome::Invalid);
  }
  CHECK(h.verify(user, code, kT0) == SecondFactorOutcome::Accepted);
}

TEMPLATE_TEST_CASE("wrong confirmation codes lock the enrolment like wrong login codes",
                   "[mfa][throttle]", SqliteBackend, PostgresBackend) {
  auto settings = testSettings();
  settings.maxFailures = 3;
  settings.lockoutSeconds = 900;
  Harness<TestType> h(settings);
  const std::string user = uniqueUserId();
  auto enrolment = h.service.enrollTotp(user, "bob", "", kT0);
  REQUIRE(enrolment.ok());
  const std::string secret = *mfa::base32Decode(enrolment->secretBase32);
  const std::string code = mfa::generateTotp(secret, kT0);
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 3; ++i) {
    CHECK(*h.service.confirmTotp(user, wrong, kT0) == SecondFactorOutcome::Invalid);
  }
  // Locked: the right code is not checked and the secret stays pending.
  CHECK(*h.service.confirmTotp(user, code, kT0) == SecondFactorOutcome::LockedOut);
  CHECK_FALSE(h.service.status(user)->totpEnrolled);
  const sys_seconds open = kT0 + seconds{900};
  CHECK(*h.service.confirmTotp(user, mfa::generateTotp(secret, open), open) ==
        SecondFactorOutcome::Accepted);
  CHECK(h.service.status(user)->totpEnrolled);
}

TEMPLATE_TEST_CASE("repeated failures lock the second factor until the lockout expires",
                   "[mfa][throttle]", SqliteBackend, PostgresBackend) {
  auto settings = testSettings();
  settings.maxFailures = 3;
  settings.lockoutSeconds = 900;
  Harness<TestType> h(settings);
  const std::string user = uniqueUserId();
  const std::string secret = h.enrolActive(user, kT0 - seconds{600});
  auto codeAt = [&](sys_seconds t) { return mfa::generateTotp(secret, t); };
  const std::string backup = (*h.service.generateBackupCodes(user, kT0))[0];
  auto wrong = [&](sys_seconds t) { return codeAt(t) == "000000" ? "111111" : "000000"; };

  CHECK(h.verify(user, wrong(kT0), kT0) == SecondFactorOutcome::Invalid);
  CHECK(h.verify(user, wrong(kT0), kT0 + seconds{1}) == SecondFactorOutcome::Invalid);
  CHECK(h.verify(user, wrong(kT0), kT0 + seconds{2}) == SecondFactorOutcome::Invalid);  // locks
  const sys_seconds lockedAt = kT0 + seconds{2};

  // Locked: even right codes (TOTP or backup) are not checked, and are not used up.
  CHECK(h.verify(user, codeAt(kT0 + seconds{5}), kT0 + seconds{5}) ==
        SecondFactorOutcome::LockedOut);
  CHECK(h.verify(user, backup, kT0 + seconds{6}) == SecondFactorOutcome::LockedOut);
  const sys_seconds lastLocked = lockedAt + seconds{899};
  CHECK(h.verify(user, codeAt(lastLocked), lastLocked) == SecondFactorOutcome::LockedOut);

  const sys_seconds open = lockedAt + seconds{900};
  CHECK(h.verify(user, codeAt(open), open) == SecondFactorOutcome::Accepted);
  CHECK(h.service.status(user)->backupCodesRemaining == 10);

  // A success clears the count: two failures, a success, two failures do not lock.
  const sys_seconds later = open + seconds{120};
  CHECK(h.verify(user, wrong(later), later) == SecondFactorOutcome::Invalid);
  CHECK(h.verify(user, wrong(later), later) == SecondFactorOutcome::Invalid);
  CHECK(h.verify(user, backup, later) == SecondFactorOutcome::Accepted);
  CHECK(h.verify(user, wrong(later), later) == SecondFactorOutcome::Invalid);
  CHECK(h.verify(user, wrong(later), later) == SecondFactorOutcome::Invalid);
  CHECK(h.verify(user, codeAt(later), later) == SecondFactorOutcome::Accepted);
}

TEMPLATE_TEST_CASE("each backup code works once", "[mfa][backup]", SqliteBackend, PostgresBackend) {
  auto settings = testSettings();
  settings.pbkdf2Iterations = 10000;  // the default cost
  Harness<TestType> h(settings);
  const std::string user = uniqueUserId();
  CHECK(h.verify(user, "k7pm-3xq9-2rdw", kT0) == SecondFactorOutcome::NotEnrolled);

  auto codes = h.service.generateBackupCodes(user, kT0);
  REQUIRE(codes.ok());
  REQUIRE(codes->size() == 10);
  CHECK(h.service.status(user)->backupCodesRemaining == 10);
  CHECK_FALSE(h.service.status(user)->totpEnrolled);

  // Typed in capitals with spaces instead of dashes: still the same code.
  std::string typed = (*codes)[3];
  for (char& c : typed) c = c == '-' ? ' ' : static_cast<char>(std::toupper(c));
  CHECK(h.verify(user, typed, kT0) == SecondFactorOutcome::Accepted);
  CHECK(h.verify(user, (*codes)[3], kT0 + seconds{1}) == SecondFactorOutcome::Replayed);
  CHECK(h.service.status(user)->backupCodesRemaining == 9);
  CHECK(h.verify(user, (*codes)[4], kT0 + seconds{2}) == SecondFactorOutcome::Accepted);
  CHECK(h.service.status(user)->backupCodesRemaining == 8);
  CHECK(h.verify(user, "2222-2222-2222", kT0 + seconds{3}) == SecondFactorOutcome::Invalid);
  // A TOTP-shaped code for a user with backup codes only is simply wrong.
  CHECK(h.verify(user, "123456", kT0 + seconds{4}) == SecondFactorOutcome::Invalid);

  SECTION("an explicit count") {
    auto five = h.service.generateBackupCodes(user, kT0, 5);
    REQUIRE(five.ok());
    CHECK(five->size() == 5);
    CHECK(h.service.status(user)->backupCodesRemaining == 5);
  }
}

TEMPLATE_TEST_CASE("regenerating backup codes voids the previous set", "[mfa][backup]",
                   SqliteBackend, PostgresBackend) {
  Harness<TestType> h;
  const std::string user = uniqueUserId();
  const auto old = *h.service.generateBackupCodes(user, kT0);
  CHECK(h.verify(user, old[0], kT0) == SecondFactorOutcome::Accepted);
  const auto fresh = *h.service.generateBackupCodes(user, kT0 + seconds{10});
  CHECK(h.service.status(user)->backupCodesRemaining == 10);
  CHECK(h.verify(user, old[1], kT0 + seconds{20}) == SecondFactorOutcome::Invalid);
  CHECK(h.verify(user, fresh[1], kT0 + seconds{30}) == SecondFactorOutcome::Accepted);
  CHECK(h.service.status(user)->backupCodesRemaining == 9);
}

TEMPLATE_TEST_CASE("one backup code raced by many clients is accepted exactly once",
                   "[mfa][backup][race]", SqliteBackend, PostgresBackend) {
  auto settings = testSettings();
  settings.maxFailures = 100;  // the losers' Replayed must not lock anyone out mid-race
  Harness<TestType> h(settings);
  const std::string user = uniqueUserId();
  const auto codes = *h.service.generateBackupCodes(user, kT0);
  const auto outcomes = race(h.backend, settings, 8, user, codes[0], kT0);
  CHECK(std::count(outcomes.begin(), outcomes.end(), SecondFactorOutcome::Accepted) == 1);
  CHECK(std::count(outcomes.begin(), outcomes.end(), SecondFactorOutcome::Replayed) == 7);
  CHECK(h.service.status(user)->backupCodesRemaining == 9);
}

TEMPLATE_TEST_CASE("one TOTP code raced by many clients is accepted exactly once",
                   "[mfa][totp][race]", SqliteBackend, PostgresBackend) {
  auto settings = testSettings();
  settings.maxFailures = 100;
  Harness<TestType> h(settings);
  const std::string user = uniqueUserId();
  const std::string secret = h.enrolActive(user, kT0 - seconds{600});
  const auto outcomes = race(h.backend, settings, 8, user, mfa::generateTotp(secret, kT0), kT0);
  CHECK(std::count(outcomes.begin(), outcomes.end(), SecondFactorOutcome::Accepted) == 1);
  CHECK(std::count(outcomes.begin(), outcomes.end(), SecondFactorOutcome::Replayed) == 7);
}

TEMPLATE_TEST_CASE("TOTP secrets and backup codes are not stored in plain text", "[mfa][crypto]",
                   SqliteBackend, PostgresBackend) {
  Harness<TestType> h;
  const std::string user = uniqueUserId();
  auto enrolment = h.service.enrollTotp(user, "alice", "", kT0);
  REQUIRE(enrolment.ok());
  const std::string secret = *mfa::base32Decode(enrolment->secretBase32);
  const auto codes = *h.service.generateBackupCodes(user, kT0);

  const std::string raw = h.backend.rawFiles();
  REQUIRE(raw.find(user) != std::string::npos);  // we are looking at the right data
  CHECK(raw.find(enrolment->secretBase32) == std::string::npos);
  CHECK(raw.find(secret) == std::string::npos);
  for (const auto& code : codes) {
    CHECK(raw.find(code) == std::string::npos);
    CHECK(raw.find(*mfa::normaliseBackupCode(code)) == std::string::npos);
  }
  const auto stored =
      h.backend.rawColumn("SELECT secret FROM mfa_totp WHERE user_id = '" + user + "'");
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].rfind("v1.", 0) == 0);
}

TEMPLATE_TEST_CASE("a wrong encryption key fails clearly and accepts nothing", "[mfa][crypto]",
                   SqliteBackend, PostgresBackend) {
  Harness<TestType> h;
  const std::string user = uniqueUserId();
  const std::string secret = h.enrolActive(user, kT0 - seconds{600});
  const std::string code = mfa::generateTotp(secret, kT0);

  auto otherSettings = testSettings();
  otherSettings.encryptionKey[0] ^= 0x80;
  mfa::MfaService other(h.store, otherSettings);
  auto outcome = other.verifySecondFactor(user, code, kT0);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error().kind == ErrorKind::Internal);
  CHECK(outcome.error().detail.find("encryption key") != std::string::npos);
  CHECK(outcome.error().detail.find(code) == std::string::npos);
  CHECK(outcome.error().detail.find(mfa::base32Encode(secret)) == std::string::npos);

  // The right key still works: nothing was used up by the failed attempt.
  CHECK(h.verify(user, code, kT0) == SecondFactorOutcome::Accepted);
}

TEST_CASE("the MFA service refuses settings that cannot work", "[mfa]") {
  SqliteBackend backend;
  auto store = openStore(backend);
  auto settings = testSettings();
  SECTION("short key") {
    settings.encryptionKey.resize(16);
    CHECK_THROWS_AS(mfa::MfaService(store, settings), std::invalid_argument);
  }
  SECTION("huge window") {
    settings.window = 11;
    CHECK_THROWS_AS(mfa::MfaService(store, settings), std::invalid_argument);
  }
  SECTION("no backup codes") {
    settings.backupCodeCount = 0;
    CHECK_THROWS_AS(mfa::MfaService(store, settings), std::invalid_argument);
  }
}

TEMPLATE_TEST_CASE("a code sent by message enrols that factor and then logs in once",
                   "[mfa][service]", SqliteBackend, PostgresBackend) {
  Harness<TestType> h;
  const std::string user = uniqueUserId();
  CHECK_FALSE(h.service.status(user)->hasSecondFactor());
  // Before enrolment the factor is not there: a sent code alone is nothing to log in with.
  auto early = h.service.issueSentCode(user, mfa::CodeChannel::Email, kT0, 300);
  REQUIRE(early.ok());
  CHECK(early->code.size() == 6);
  CHECK(early->expiresAt == kT0.time_since_epoch().count() + 300);
  CHECK(*h.service.verifySecondFactor(user, early->code, kT0) == SecondFactorOutcome::NotEnrolled);

  // The code is bound to its channel: the SMS factor cannot be turned on with an emailed code.
  CHECK(*h.service.confirmCodeFactor(user, mfa::CodeChannel::Sms, early->code, kT0) ==
        SecondFactorOutcome::Invalid);
  REQUIRE(*h.service.confirmCodeFactor(user, mfa::CodeChannel::Email, early->code, kT0) ==
          SecondFactorOutcome::Accepted);
  auto status = h.service.status(user);
  REQUIRE(status.ok());
  CHECK(status->codeChannel == std::optional<mfa::CodeChannel>(mfa::CodeChannel::Email));
  CHECK(status->hasSecondFactor());

  auto login = h.service.issueSentCode(user, mfa::CodeChannel::Email, kT0 + seconds{10}, 300);
  REQUIRE(login.ok());
  SECTION("accepted once, then a replay") {
    CHECK(*h.service.verifySecondFactor(user, login->code, kT0 + seconds{20}) ==
          SecondFactorOutcome::Accepted);
    CHECK(*h.service.verifySecondFactor(user, login->code, kT0 + seconds{21}) ==
          SecondFactorOutcome::Replayed);
  }
  SECTION("expired after its time") {
    CHECK(*h.service.verifySecondFactor(user, login->code, kT0 + seconds{310}) ==
          SecondFactorOutcome::Invalid);
  }
  SECTION("a newer code voids the older one") {
    auto newer = h.service.issueSentCode(user, mfa::CodeChannel::Email, kT0 + seconds{30}, 300);
    REQUIRE(newer.ok());
    if (newer->code != login->code) {
      CHECK(*h.service.verifySecondFactor(user, login->code, kT0 + seconds{31}) ==
            SecondFactorOutcome::Invalid);
    }
    CHECK(*h.service.verifySecondFactor(user, newer->code, kT0 + seconds{32}) ==
          SecondFactorOutcome::Accepted);
  }
  SECTION("wrong codes lock the second factor like wrong TOTP codes") {
    for (int i = 0; i < 5; ++i) {
      const std::string wrong = login->code == "000000" ? "111111" : "000000";
      CHECK(*h.service.verifySecondFactor(user, wrong, kT0 + seconds{20}) ==
            SecondFactorOutcome::Invalid);
    }
    CHECK(*h.service.verifySecondFactor(user, login->code, kT0 + seconds{21}) ==
          SecondFactorOutcome::LockedOut);
  }
  SECTION("turned off, it is no second factor") {
    REQUIRE(h.service.removeCodeFactor(user, kT0 + seconds{20}).ok());
    CHECK_FALSE(h.service.status(user)->hasSecondFactor());
    CHECK(*h.service.verifySecondFactor(user, login->code, kT0 + seconds{21}) ==
          SecondFactorOutcome::NotEnrolled);
  }
}

TEST_CASE("link tokens are long, URL-safe and distinct, codes are 6 digits", "[mfa]") {
  const std::string a = mfa::newLinkToken();
  const std::string b = mfa::newLinkToken();
  CHECK(a.size() == 43);
  CHECK(a != b);
  CHECK(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
  CHECK(mfa::tokenHash(a).size() == 64);
  CHECK(mfa::tokenHash(a) != mfa::tokenHash(b));
  CHECK(mfa::tokenHash("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  for (int i = 0; i < 50; ++i) {
    const std::string code = mfa::newSentCode();
    CHECK(code.size() == 6);
    CHECK(code.find_first_not_of("0123456789") == std::string::npos);
  }
}
