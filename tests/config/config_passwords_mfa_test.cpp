#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "config_helpers.h"

namespace config = scimgate::config;

using scimgate::testing::bytesFrom;
using scimgate::testing::FakeEnvironment;
using scimgate::testing::hasProblemAt;
using scimgate::testing::joined;
using scimgate::testing::kMfaKeyBase64;
using scimgate::testing::kMfaKeyHex;
using scimgate::testing::kNoEnvironment;
using scimgate::testing::kOtherMfaKeyHex;
using scimgate::testing::minimalConfig;

namespace {

/// minimalConfig() with more top-level members, e.g. R"("mfa": {...})".
std::string minimalConfigWith(const std::string& members) {
  auto text = minimalConfig();
  text.insert(text.find('{') + 1, members + ",");
  return text;
}

/// An "auth" member with a session key: what a PostgreSQL state store needs besides itself.
const std::string kAuthWithSessionKey =
    R"("auth": {"sessionKey": ")" + std::string(64, 'a') + R"("})";

/// The smallest valid "mfa" member: a SQLite store and the hex key.
std::string minimalMfa() {
  return R"("mfa": {"store": {"path": "/var/lib/scimgate/mfa.db"}, "encryptionKey": ")" +
         kMfaKeyHex + R"("})";
}

// A file in a fresh temporary folder, removed with the folder at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    dir_ = std::filesystem::temp_directory_path() /
           ("scimgate-config-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    std::ofstream(path(), std::ios::binary) << content;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  std::filesystem::path path() const { return dir_ / "blocklist.txt"; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace

TEST_CASE("without passwords and mfa sections the defaults hold and MFA is off", "[config]") {
  const auto loaded = config::loadText(minimalConfig(), "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.empty());

  const auto& p = loaded.config.passwords;
  CHECK(p.minLength == 10);
  CHECK(p.maxLength == 256);
  CHECK(p.requireLower);
  CHECK(p.requireUpper);
  CHECK(p.requireDigit);
  CHECK(p.requireSpecial);
  CHECK(p.rejectUserNameParts);
  CHECK(p.blocklist.empty());

  const auto& m = loaded.config.mfa;
  CHECK(m.store.kind == "sqlite");
  CHECK(m.store.path.empty());
  CHECK(m.store.postgres.empty());
  CHECK(m.settings.encryptionKey.empty());
  CHECK(m.settings.window == 1);
  CHECK(m.settings.maxFailures == 5);
  CHECK(m.settings.lockoutSeconds == 900);
  CHECK(m.settings.backupCodeCount == 10);
  CHECK(m.settings.issuer == "scimgate");
  CHECK_FALSE(m.allowSelfBackupCodes);
  CHECK(m.requireForRoles.empty());
}

TEST_CASE("an mfa section with only a store and a key keeps the other defaults", "[config]") {
  const auto loaded =
      config::loadText(minimalConfigWith(minimalMfa()), "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.empty());
  const auto& m = loaded.config.mfa;
  CHECK(m.store.kind == "sqlite");
  CHECK(m.store.path == "/var/lib/scimgate/mfa.db");
  CHECK(m.settings.encryptionKey == bytesFrom(0));
  CHECK(m.settings.window == 1);
  CHECK(m.settings.maxFailures == 5);
  CHECK(m.settings.lockoutSeconds == 900);
  CHECK(m.settings.backupCodeCount == 10);
  CHECK(m.settings.issuer == "scimgate");
  CHECK_FALSE(m.allowSelfBackupCodes);
  CHECK(m.requireForRoles.empty());
}

TEST_CASE("every passwords and mfa setting is read", "[config]") {
  const TempFile blocklist("Password123!\n  Welcome2024! \n\n");
  const std::string text = minimalConfigWith(kAuthWithSessionKey + R"(,
    "passwords": {"minLength": 12, "maxLength": 64, "requireLower": false, "requireUpper": false,
                  "requireDigit": false, "requireSpecial": false, "rejectUserNameParts": false,
                  "blocklistFile": ")" + blocklist.path().string() +
                                             R"("},
    "mfa": {
      "store": {"kind": "postgres", "path": "/unused.db",
                "postgres": "host=db.example.com dbname=scimgate"},
      "encryptionKey": ")" + kMfaKeyBase64 + R"(",
      "window": 0, "maxFailures": 3, "lockoutSeconds": 60, "backupCodeCount": 100,
      "issuer": "Example Corp", "allowSelfBackupCodes": true,
      "requireForRoles": ["administrator", "MANAGER", "Agent"]
    })");
  const auto loaded = config::loadText(text, "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.empty());

  const auto& p = loaded.config.passwords;
  CHECK(p.minLength == 12);
  CHECK(p.maxLength == 64);
  CHECK_FALSE(p.requireLower);
  CHECK_FALSE(p.requireUpper);
  CHECK_FALSE(p.requireDigit);
  CHECK_FALSE(p.requireSpecial);
  CHECK_FALSE(p.rejectUserNameParts);
  CHECK(p.blocklist == std::vector<std::string>{"Password123!", "Welcome2024!"});

  const auto& m = loaded.config.mfa;
  CHECK(m.store.kind == "postgres");
  CHECK(m.store.path == "/unused.db");
  CHECK(m.store.postgres == "host=db.example.com dbname=scimgate");
  CHECK(m.settings.encryptionKey == bytesFrom(0));
  CHECK(m.settings.window == 0);
  CHECK(m.settings.maxFailures == 3);
  CHECK(m.settings.lockoutSeconds == 60);
  CHECK(m.settings.backupCodeCount == 100);
  CHECK(m.settings.issuer == "Example Corp");
  CHECK(m.allowSelfBackupCodes);
  // Role names compare case-insensitively and are kept in their canonical spelling.
  CHECK(m.requireForRoles == std::vector<std::string>{"Administrator", "Manager", "Agent"});
}

TEST_CASE("every passwords and mfa mistake is reported at once with its JSON path", "[config]") {
  const std::string text = minimalConfigWith(R"(
    "passwords": {"minLength": 0, "maxLength": 5000, "requireLower": "yes",
                  "rejectUserNameParts": 1, "blocklistFile": 7},
    "mfa": {
      "store": {"kind": "mysql"},
      "encryptionKey": "not-a-key",
      "window": 11, "maxFailures": 0, "lockoutSeconds": 0, "backupCodeCount": 101,
      "issuer": "", "allowSelfBackupCodes": "no",
      "requireForRoles": ["Administrator", "Boss", 3]
    })");
  const auto loaded = config::loadText(text, "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  for (const char* path : {
           "$.passwords.minLength",
           "$.passwords.maxLength",
           "$.passwords.requireLower",
           "$.passwords.rejectUserNameParts",
           "$.passwords.blocklistFile",
           "$.mfa.store.kind",
           "$.mfa.encryptionKey",
           "$.mfa.window",
           "$.mfa.maxFailures",
           "$.mfa.lockoutSeconds",
           "$.mfa.backupCodeCount",
           "$.mfa.issuer",
           "$.mfa.allowSelfBackupCodes",
           "$.mfa.requireForRoles[1]",
           "$.mfa.requireForRoles[2]",
       }) {
    CAPTURE(path);
    CHECK(hasProblemAt(loaded.problems, path));
  }
  CHECK_FALSE(hasProblemAt(loaded.problems, "$.mfa.requireForRoles[0]"));
  CHECK(loaded.problems.items.size() == 15);
}

TEST_CASE("an integer beyond 64-bit signed range is a problem, not a crash", "[config]") {
  const auto loaded = config::loadText(
      minimalConfigWith(R"("mfa": {"store": {"path": "/x.db"}, "encryptionKey": ")" + kMfaKeyHex +
                        R"(", "maxFailures": 18446744073709551615})"),
      "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.items.size() == 1);
  CHECK(hasProblemAt(loaded.problems, "$.mfa.maxFailures"));
}

TEST_CASE("password length limits are checked against each other", "[config]") {
  SECTION("maxLength below minLength") {
    const auto loaded =
        config::loadText(minimalConfigWith(R"("passwords": {"minLength": 20, "maxLength": 12})"),
                         "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK_THAT(loaded.problems.items[0],
               Catch::StartsWith("$.passwords.maxLength: ") && Catch::Contains("minLength"));
  }
  SECTION("maxLength below the default minLength") {
    const auto loaded = config::loadText(minimalConfigWith(R"("passwords": {"maxLength": 8})"),
                                         "test.json", kNoEnvironment);
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK(hasProblemAt(loaded.problems, "$.passwords.maxLength"));
  }
  SECTION("the widest range is accepted") {
    const auto loaded =
        config::loadText(minimalConfigWith(R"("passwords": {"minLength": 1, "maxLength": 4096})"),
                         "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.passwords.minLength == 1);
    CHECK(loaded.config.passwords.maxLength == 4096);
  }
  SECTION("equal limits are accepted") {
    const auto loaded =
        config::loadText(minimalConfigWith(R"("passwords": {"minLength": 16, "maxLength": 16})"),
                         "test.json", kNoEnvironment);
    CHECK(loaded.problems.empty());
  }
}

TEST_CASE("a password blocklist file that cannot be read is a problem", "[config]") {
  const TempFile existing("x\n");
  SECTION("a missing file") {
    const auto missing = (existing.dir() / "missing.txt").string();
    const auto loaded = config::loadText(
        minimalConfigWith(R"("passwords": {"blocklistFile": ")" + missing + R"("})"), "test.json",
        kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK_THAT(loaded.problems.items[0],
               Catch::StartsWith("$.passwords.blocklistFile: ") && Catch::Contains(missing));
    CHECK(loaded.config.passwords.blocklist.empty());
  }
  SECTION("a directory") {
    const auto loaded = config::loadText(minimalConfigWith(R"("passwords": {"blocklistFile": ")" +
                                                           existing.dir().string() + R"("})"),
                                         "test.json", kNoEnvironment);
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK(hasProblemAt(loaded.problems, "$.passwords.blocklistFile"));
  }
  SECTION("an empty path means no list") {
    const auto loaded = config::loadText(minimalConfigWith(R"("passwords": {"blocklistFile": ""})"),
                                         "test.json", kNoEnvironment);
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.passwords.blocklist.empty());
  }
}

TEST_CASE("an mfa section needs a complete store and a key", "[config]") {
  SECTION("an empty section") {
    const auto loaded =
        config::loadText(minimalConfigWith(R"("mfa": {})"), "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 2);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.store.path"));
    CHECK(hasProblemAt(loaded.problems, "$.mfa.encryptionKey"));
    CHECK_THAT(joined(loaded.problems), Catch::Contains("SCIMGATE_MFA_KEY"));
  }
  SECTION("sqlite without a path") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"kind": "sqlite", "postgres": "host=db"},
                                     "encryptionKey": ")" +
                          kMfaKeyHex + R"("})"),
        "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.store.path"));
  }
  SECTION("postgres without a conninfo") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"kind": "postgres", "path": "/x.db"},
                                     "encryptionKey": ")" +
                          kMfaKeyHex + R"("})"),
        "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.store.postgres"));
    CHECK_THAT(loaded.problems.items[0], Catch::Contains("SCIMGATE_MFA_POSTGRES"));
  }
  SECTION("an unknown kind") {
    const auto loaded =
        config::loadText(minimalConfigWith(R"("mfa": {"store": {"kind": "SQLite", "path": "/x.db"},
                                     "encryptionKey": ")" +
                                           kMfaKeyHex + R"("})"),
                         "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK_THAT(loaded.problems.items[0],
               Catch::StartsWith("$.mfa.store.kind: ") && Catch::Contains("sqlite or postgres"));
  }
  SECTION("an empty key counts as missing") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"path": "/x.db"}, "encryptionKey": ""})"),
        "test.json", kNoEnvironment);
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.encryptionKey"));
  }
  SECTION("a key of the wrong type is one problem") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"path": "/x.db"}, "encryptionKey": 42})"),
        "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.encryptionKey"));
  }
  SECTION("sections of the wrong type") {
    const auto loaded = config::loadText(minimalConfigWith(R"("mfa": [], "passwords": "strict")"),
                                         "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 2);
    CHECK(hasProblemAt(loaded.problems, "$.mfa"));
    CHECK(hasProblemAt(loaded.problems, "$.passwords"));
  }
  SECTION("a store of the wrong type") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": "/x.db", "encryptionKey": ")" + kMfaKeyHex + R"("})"),
        "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    CHECK(hasProblemAt(loaded.problems, "$.mfa.store"));
  }
}

TEST_CASE("a PostgreSQL state store needs a configured session key", "[config]") {
  // Several gateways share a PostgreSQL store (README "Running several instances"): a session
  // one of them issues must verify on the others, which a random key per process cannot do.
  const std::string postgresMfa = R"("mfa": {"store": {"kind": "postgres", "postgres": "host=db"},
                                             "encryptionKey": ")" +
                                  kMfaKeyHex + R"("})";
  SECTION("without one, in the file or the environment, it is a problem") {
    const auto loaded =
        config::loadText(minimalConfigWith(postgresMfa), "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK(hasProblemAt(loaded.problems, "$.auth.sessionKey"));
    CHECK_THAT(loaded.problems.items[0], Catch::Contains("PostgreSQL") &&
                                             Catch::Contains("SCIMGATE_SESSION_KEY") &&
                                             Catch::Contains("openssl rand -hex 32"));
  }
  SECTION("from the file") {
    const auto loaded = config::loadText(minimalConfigWith(kAuthWithSessionKey + "," + postgresMfa),
                                         "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    CHECK(loaded.problems.empty());
  }
  SECTION("from the environment") {
    FakeEnvironment env{{{"SCIMGATE_SESSION_KEY", std::string(64, 'b')}}};
    const auto loaded = config::loadText(minimalConfigWith(postgresMfa), "test.json", env);
    INFO(joined(loaded.problems));
    CHECK(loaded.problems.empty());
  }
  SECTION("a SQLite store (one instance) still makes a key per start when none is set") {
    const auto loaded =
        config::loadText(minimalConfigWith(minimalMfa()), "test.json", kNoEnvironment);
    CHECK(loaded.problems.empty());
  }
}

TEST_CASE("an unknown role in requireForRoles is reported with the allowed names", "[config]") {
  const auto loaded = config::loadText(
      minimalConfigWith(R"("mfa": {"store": {"path": "/x.db"}, "encryptionKey": ")" + kMfaKeyHex +
                        R"(", "requireForRoles": ["viewer", " Agent", "Boss"]})"),
      "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.items.size() == 2);
  CHECK_THAT(loaded.problems.items[0], Catch::StartsWith("$.mfa.requireForRoles[1]: "));
  CHECK_THAT(loaded.problems.items[1],
             Catch::StartsWith("$.mfa.requireForRoles[2]: ") && Catch::Contains("Boss"));
  for (const char* role : {"Administrator", "Manager", "Agent", "Viewer"}) {
    CAPTURE(role);
    CHECK_THAT(loaded.problems.items[1], Catch::Contains(role));
  }
}

TEST_CASE("the MFA key and the PostgreSQL conninfo come from the environment", "[config]") {
  SECTION("SCIMGATE_MFA_KEY fills in a key the file leaves out") {
    FakeEnvironment env{{{"SCIMGATE_MFA_KEY", kMfaKeyBase64}}};
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"path": "/x.db"}})"), "test.json", env);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.mfa.settings.encryptionKey == bytesFrom(0));
  }
  SECTION("SCIMGATE_MFA_KEY replaces the file's key") {
    FakeEnvironment env{{{"SCIMGATE_MFA_KEY", kOtherMfaKeyHex}}};
    const auto loaded = config::loadText(minimalConfigWith(minimalMfa()), "test.json", env);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.mfa.settings.encryptionKey == bytesFrom(32));
  }
  SECTION("a good SCIMGATE_MFA_KEY makes a bad key in the file irrelevant") {
    FakeEnvironment env{{{"SCIMGATE_MFA_KEY", kMfaKeyHex}}};
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"path": "/x.db"}, "encryptionKey": "old"})"),
        "test.json", env);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.mfa.settings.encryptionKey == bytesFrom(0));
  }
  SECTION("a bad SCIMGATE_MFA_KEY is reported against the variable, without its value") {
    FakeEnvironment env{{{"SCIMGATE_MFA_KEY", "env-key-in-clear-text"}}};
    const auto loaded = config::loadText(minimalConfigWith(minimalMfa()), "test.json", env);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK_THAT(loaded.problems.items[0], Catch::StartsWith("env SCIMGATE_MFA_KEY: "));
    CHECK_THAT(loaded.problems.items[0], !Catch::Contains("env-key-in-clear-text"));
    CHECK(loaded.config.mfa.settings.encryptionKey.empty());
  }
  SECTION("SCIMGATE_MFA_POSTGRES fills in and replaces the conninfo") {
    FakeEnvironment env{{{"SCIMGATE_MFA_POSTGRES", "host=db password=pg-secret"}}};
    for (const char* store :
         {R"({"kind": "postgres"})", R"({"kind": "postgres", "postgres": "host=file"})"}) {
      CAPTURE(store);
      const auto loaded = config::loadText(
          minimalConfigWith(kAuthWithSessionKey + R"(, "mfa": {"store": )" + store +
                            R"(, "encryptionKey": ")" + kMfaKeyHex + R"("})"),
          "test.json", env);
      INFO(joined(loaded.problems));
      REQUIRE(loaded.problems.empty());
      CHECK(loaded.config.mfa.store.postgres == "host=db password=pg-secret");
    }
  }
  SECTION("an empty variable counts as unset") {
    FakeEnvironment env{{{"SCIMGATE_MFA_KEY", ""}, {"SCIMGATE_MFA_POSTGRES", ""}}};
    const auto loaded = config::loadText(minimalConfigWith(minimalMfa()), "test.json", env);
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.mfa.settings.encryptionKey == bytesFrom(0));
    CHECK(loaded.config.mfa.store.postgres.empty());
  }
  SECTION("without an mfa section the variables leave MFA off") {
    FakeEnvironment env{{{"SCIMGATE_MFA_KEY", kMfaKeyHex}, {"SCIMGATE_MFA_POSTGRES", "host=db"}}};
    const auto loaded = config::loadText(minimalConfig(), "test.json", env);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.mfa.settings.encryptionKey.empty());
    CHECK(loaded.config.mfa.store.postgres.empty());
    CHECK(loaded.config.mfa.store.path.empty());
  }
}

TEST_CASE("problems never repeat the MFA key or the PostgreSQL conninfo", "[config]") {
  // Almost a key: 63 hex digits, then a base64 text of the wrong length.
  for (const std::string& key : {kMfaKeyHex.substr(1), std::string("c2hvcnQtYnV0LXNlY3JldA==")}) {
    CAPTURE(key.size());
    const auto loaded = config::loadText(minimalConfigWith(kAuthWithSessionKey + R"(,
                                     "mfa": {"store": {"kind": "postgres",
                                               "postgres": "password=pg-secret"},
                                     "encryptionKey": ")" + key +
                                                           R"(", "window": -1})"),
                                         "test.json", kNoEnvironment);
    REQUIRE(loaded.problems.items.size() == 2);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.encryptionKey"));
    CHECK(hasProblemAt(loaded.problems, "$.mfa.window"));
    CHECK_THAT(joined(loaded.problems), !Catch::Contains(key));
    CHECK_THAT(joined(loaded.problems), !Catch::Contains("pg-secret"));
  }
}

TEST_CASE("the email flows' lifetimes and the forgot-password limits are read and checked",
          "[config]") {
  auto defaults = config::loadText(minimalConfig(), "test", kNoEnvironment);
  REQUIRE(defaults.problems.empty());
  CHECK(defaults.config.auth.invitationSeconds == 7 * 24 * 3600);
  CHECK(defaults.config.auth.resetSeconds == 1800);
  CHECK(defaults.config.auth.loginCodeSeconds == 300);
  CHECK(defaults.config.auth.forgotThrottle.maxFailuresPerUser == 3);

  auto set =
      config::loadText(minimalConfigWith(R"("auth": {"invitationSeconds": 3600, "resetSeconds": 600,
          "loginCodeSeconds": 120, "loginCodeResendSeconds": 10,
          "forgotThrottle": {"maxRequestsPerLogin": 5, "maxRequestsPerAddress": 50,
                             "addressWindowSeconds": 60, "lockoutSeconds": 30}})"),
                       "test", kNoEnvironment);
  REQUIRE(set.problems.empty());
  CHECK(set.config.auth.invitationSeconds == 3600);
  CHECK(set.config.auth.resetSeconds == 600);
  CHECK(set.config.auth.loginCodeSeconds == 120);
  CHECK(set.config.auth.loginCodeResendSeconds == 10);
  CHECK(set.config.auth.forgotThrottle.maxFailuresPerUser == 5);
  CHECK(set.config.auth.forgotThrottle.maxFailuresPerAddress == 50);
  CHECK(set.config.auth.forgotThrottle.addressWindowSeconds == 60);
  CHECK(set.config.auth.forgotThrottle.lockoutSeconds == 30);

  auto wrong = config::loadText(
      minimalConfigWith(
          R"("auth": {"resetSeconds": 5, "forgotThrottle": {"maxRequestsPerLogin": 0}})"),
      "test", kNoEnvironment);
  CHECK(hasProblemAt(wrong.problems, "$.auth.resetSeconds"));
  CHECK(hasProblemAt(wrong.problems, "$.auth.forgotThrottle.maxRequestsPerLogin"));
}
