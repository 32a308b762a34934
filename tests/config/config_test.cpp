#include "config/config.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ldap/settings.h"

namespace config = scimgate::config;

namespace {

const std::string kTokenHash = config::sha256Hex("secret-token-1");

std::string minimalConfig() {
  return R"({
    "tokens": [{"name": "entra", "sha256": ")" +
         kTokenHash + R"("}],
    "ldap": {
      "uris": ["ldap://ldap.example.com:389"],
      "bindDn": "cn=scimgate,ou=services,dc=example,dc=com",
      "bindPassword": "bind-secret",
      "baseDn": "dc=example,dc=com"
    }
  })";
}

/// An environment lookup backed by a map; names not in it are unset.
struct FakeEnvironment {
  std::map<std::string, std::string> values;
  const char* operator()(const char* name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  }
};

const FakeEnvironment kNoEnvironment{};

/// minimalConfig() with more top-level members, e.g. R"("mfa": {...})".
std::string minimalConfigWith(const std::string& members) {
  auto text = minimalConfig();
  text.insert(text.find('{') + 1, members + ",");
  return text;
}

// Bytes 0..31 as hex and as base64; bytes 32..63 as hex (a second, different key).
const std::string kMfaKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kMfaKeyBase64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const std::string kOtherMfaKeyHex =
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

std::vector<unsigned char> bytesFrom(unsigned char first) {
  std::vector<unsigned char> bytes;
  for (unsigned char i = 0; i < 32; ++i) bytes.push_back(static_cast<unsigned char>(first + i));
  return bytes;
}

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

/// True when some problem starts with `path` followed by ": ".
bool hasProblemAt(const config::Problems& problems, const std::string& path) {
  return std::any_of(problems.items.begin(), problems.items.end(),
                     [&](const std::string& item) { return item.rfind(path + ": ", 0) == 0; });
}

std::string joined(const config::Problems& problems) {
  std::string out;
  for (const auto& item : problems.items) out += item + "\n";
  return out;
}

}  // namespace

TEST_CASE("a minimal config loads without problems and fills in the defaults", "[config]") {
  const auto loaded = config::loadText(minimalConfig(), "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.empty());

  const auto& c = loaded.config;
  CHECK(c.server.listen == "127.0.0.1");
  CHECK(c.server.port == 8080);
  CHECK(c.server.threads == 8);
  CHECK(c.server.maxBodyBytes == 1024 * 1024);
  CHECK(c.scim.defaultPageSize == 100);
  CHECK(c.scim.maxPageSize == 200);
  REQUIRE(c.tokens.size() == 1);
  CHECK(c.tokens[0].name == "entra");
  CHECK(c.tokens[0].sha256 == kTokenHash);
  CHECK(c.ldap.uris == std::vector<std::string>{"ldap://ldap.example.com:389"});
  CHECK(c.ldap.bindDn == "cn=scimgate,ou=services,dc=example,dc=com");
  CHECK(c.ldap.bindPassword == "bind-secret");
  CHECK(c.ldap.baseDn == "dc=example,dc=com");
  CHECK(c.ldap.peopleDn == "ou=people,dc=example,dc=com");
  CHECK(c.ldap.rolesDn == "ou=roles,dc=example,dc=com");
  CHECK(c.ldap.poolSize == 4);
  CHECK(c.ldap.userMapping == scimgate::ldap::defaultUserMapping());
}

TEST_CASE("explicit values override the defaults", "[config]") {
  const std::string text = R"({
    "server": {"listen": "0.0.0.0", "port": 0, "publicUrl": "https://scim.example.com",
               "threads": 2, "maxBodyBytes": 65536},
    "scim": {"defaultPageSize": 50, "maxPageSize": 500},
    "tokens": [{"name": "entra", "sha256": ")" +
                           kTokenHash + R"("}],
    "ldap": {
      "uris": ["ldaps://a.example.com", "ldap://b.example.com"],
      "bindDn": "cn=admin,dc=example,dc=com", "bindPassword": "pw",
      "baseDn": "dc=example,dc=com", "peopleDn": "ou=staff,dc=example,dc=com",
      "poolSize": 16,
      "userMapping": {"userName": "uid", "emails[primary].value": "mail"}
    }
  })";
  const auto loaded = config::loadText(text, "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.empty());
  const auto& c = loaded.config;
  CHECK(c.server.listen == "0.0.0.0");
  CHECK(c.server.port == 0);
  CHECK(c.server.publicUrl == "https://scim.example.com");
  CHECK(c.server.threads == 2);
  CHECK(c.server.maxBodyBytes == 65536);
  CHECK(c.scim.defaultPageSize == 50);
  CHECK(c.scim.maxPageSize == 500);
  CHECK(c.ldap.uris.size() == 2);
  CHECK(c.ldap.peopleDn == "ou=staff,dc=example,dc=com");
  CHECK(c.ldap.poolSize == 16);
  CHECK(c.ldap.userMapping ==
        std::map<std::string, std::string>{{"userName", "uid"}, {"emails[primary].value", "mail"}});
}

TEST_CASE("a config with several mistakes reports every one with its JSON path", "[config]") {
  const std::string text = R"({
    "server": {"port": 70000, "threads": "many", "listen": 5},
    "scim": {"defaultPageSize": 0},
    "tokens": [
      {"name": "entra", "sha256": "not-a-hash"},
      {"sha256": ")" + kTokenHash +
                           R"("},
      "just-a-string"
    ],
    "ldap": {
      "uris": ["http://ldap.example.com", "ldap://ok.example.com", 7],
      "bindPassword": "pw",
      "poolSize": 0,
      "userMapping": {"userName": 3}
    }
  })";
  const auto loaded = config::loadText(text, "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  for (const char* path : {
           "$.server.port",
           "$.server.threads",
           "$.server.listen",
           "$.scim.defaultPageSize",
           "$.tokens[0].sha256",
           "$.tokens[1].name",
           "$.tokens[2]",
           "$.ldap.uris[0]",
           "$.ldap.uris[2]",
           "$.ldap.bindDn",
           "$.ldap.baseDn",
           "$.ldap.poolSize",
           "$.ldap.userMapping.userName",
       }) {
    CAPTURE(path);
    CHECK(hasProblemAt(loaded.problems, path));
  }
  CHECK_FALSE(hasProblemAt(loaded.problems, "$.ldap.uris[1]"));
  CHECK_FALSE(hasProblemAt(loaded.problems, "$.ldap.bindPassword"));
  CHECK_FALSE(hasProblemAt(loaded.problems, "$.tokens[1].sha256"));
  CHECK(loaded.problems.items.size() == 13);
}

TEST_CASE("a URI problem names the URI's own index even after a non-string entry", "[config]") {
  auto text = minimalConfig();
  const std::string good = R"(["ldap://ldap.example.com:389"])";
  text.replace(text.find(good), good.size(), R"([7, "http://ldap.example.com", "ldaps://ok"])");
  const auto loaded = config::loadText(text, "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.items.size() == 2);
  CHECK_THAT(loaded.problems.items[0], Catch::StartsWith("$.ldap.uris[0]: must be a string"));
  CHECK_THAT(loaded.problems.items[1], Catch::StartsWith("$.ldap.uris[1]: must start with"));
}

TEST_CASE("an empty object reports each required setting", "[config]") {
  const auto loaded = config::loadText("{}", "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  for (const char* path : {"$.ldap", "$.ldap.uris", "$.ldap.bindDn", "$.ldap.bindPassword",
                           "$.ldap.baseDn", "$.tokens"}) {
    CAPTURE(path);
    CHECK(hasProblemAt(loaded.problems, path));
  }
}

TEST_CASE("a section of the wrong type is reported at its path", "[config]") {
  const auto loaded = config::loadText(R"({"server": [], "ldap": "ldap://x", "tokens": {}})",
                                       "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  CHECK(hasProblemAt(loaded.problems, "$.server"));
  CHECK(hasProblemAt(loaded.problems, "$.ldap"));
  CHECK(hasProblemAt(loaded.problems, "$.tokens"));
}

TEST_CASE("defaultPageSize above maxPageSize is a problem", "[config]") {
  auto text = minimalConfig();
  text.insert(text.find('{') + 1, R"("scim": {"defaultPageSize": 300, "maxPageSize": 200},)");
  const auto loaded = config::loadText(text, "test.json", kNoEnvironment);
  INFO(joined(loaded.problems));
  CHECK(loaded.problems.items.size() == 1);
  CHECK(hasProblemAt(loaded.problems, "$.scim.defaultPageSize"));
}

TEST_CASE("malformed JSON is one problem naming the origin", "[config]") {
  for (const char* text : {"{", "", "{\"ldap\": }", "not json", "{\"a\": 1,}"}) {
    CAPTURE(text);
    const auto loaded = config::loadText(text, "broken.json", kNoEnvironment);
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK_THAT(loaded.problems.items[0],
               Catch::StartsWith("$: ") && Catch::Contains("broken.json"));
  }
}

TEST_CASE("JSON that is not an object is one problem", "[config]") {
  for (const char* text : {"[]", "42", "\"config\"", "null"}) {
    CAPTURE(text);
    const auto loaded = config::loadText(text, "odd.json", kNoEnvironment);
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK_THAT(loaded.problems.items[0], Catch::StartsWith("$: "));
  }
}

TEST_CASE("environment variables fill in and override settings", "[config]") {
  const std::string text = R"({
    "ldap": {"uris": ["ldap://file.example.com"], "bindDn": "cn=file,dc=example,dc=com",
             "baseDn": "dc=example,dc=com"}
  })";
  const std::string envHash = config::sha256Hex("env-token");

  SECTION("the bind password and a token come from the environment") {
    FakeEnvironment env{
        {{"SCIMGATE_LDAP_BIND_PASSWORD", "from-env"}, {"SCIMGATE_TOKEN_SHA256", envHash}}};
    const auto loaded = config::loadText(text, "test.json", env);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.ldap.bindPassword == "from-env");
    REQUIRE(loaded.config.tokens.size() == 1);
    CHECK(loaded.config.tokens[0].sha256 == envHash);
    CHECK_FALSE(loaded.config.tokens[0].name.empty());
  }

  SECTION("environment tokens add to the file's tokens") {
    FakeEnvironment env{{{"SCIMGATE_TOKEN_SHA256", envHash + ", " + config::sha256Hex("two")}}};
    const auto loaded = config::loadText(minimalConfig(), "test.json", env);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.empty());
    REQUIRE(loaded.config.tokens.size() == 3);
    CHECK(loaded.config.tokens[0].sha256 == kTokenHash);
    CHECK(loaded.config.tokens[1].sha256 == envHash);
    CHECK(loaded.config.tokens[2].sha256 == config::sha256Hex("two"));
  }

  SECTION("URIs, bind DN and port from the environment replace the file's") {
    FakeEnvironment env{{{"SCIMGATE_LDAP_URI", "ldaps://a.example.com, ldap://b.example.com"},
                         {"SCIMGATE_LDAP_BIND_DN", "cn=env,dc=example,dc=com"},
                         {"SCIMGATE_PORT", "9443"}}};
    const auto loaded = config::loadText(minimalConfig(), "test.json", env);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.ldap.uris ==
          std::vector<std::string>{"ldaps://a.example.com", "ldap://b.example.com"});
    CHECK(loaded.config.ldap.bindDn == "cn=env,dc=example,dc=com");
    CHECK(loaded.config.server.port == 9443);
  }

  SECTION("an empty variable counts as unset") {
    FakeEnvironment env{{{"SCIMGATE_LDAP_BIND_PASSWORD", ""}, {"SCIMGATE_PORT", ""}}};
    const auto loaded = config::loadText(minimalConfig(), "test.json", env);
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.ldap.bindPassword == "bind-secret");
    CHECK(loaded.config.server.port == 8080);
  }

  SECTION("a bad port is reported") {
    for (const char* port : {"http", "-1", "65536", "99999999999", "80abc"}) {
      CAPTURE(port);
      FakeEnvironment env{{{"SCIMGATE_PORT", port}}};
      const auto loaded = config::loadText(minimalConfig(), "test.json", env);
      REQUIRE(loaded.problems.items.size() == 1);
      CHECK_THAT(loaded.problems.items[0], Catch::Contains("SCIMGATE_PORT"));
      CHECK(loaded.config.server.port == 8080);
    }
  }

  SECTION("a bad token hash is reported") {
    FakeEnvironment env{{{"SCIMGATE_TOKEN_SHA256", "secret-token-in-clear"}}};
    const auto loaded = config::loadText(minimalConfig(), "test.json", env);
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK_THAT(loaded.problems.items[0], Catch::Contains("SCIMGATE_TOKEN_SHA256"));
    CHECK_THAT(loaded.problems.items[0], !Catch::Contains("secret-token-in-clear"));
  }

  SECTION("a bad environment URI is reported against the variable") {
    FakeEnvironment env{{{"SCIMGATE_LDAP_URI", "ldap://ok.example.com,https://bad.example.com"}}};
    const auto loaded = config::loadText(minimalConfig(), "test.json", env);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK_THAT(loaded.problems.items[0], Catch::StartsWith("env SCIMGATE_LDAP_URI: ") &&
                                             Catch::Contains("https://bad.example.com"));
  }
}

TEST_CASE("problems never repeat the bind password", "[config]") {
  const std::string text = R"({"ldap": {"bindPassword": "hunter2-secret", "poolSize": "x"}})";
  const auto loaded = config::loadText(text, "test.json", kNoEnvironment);
  REQUIRE_FALSE(loaded.problems.empty());
  CHECK_THAT(joined(loaded.problems), !Catch::Contains("hunter2-secret"));
}

TEST_CASE("a missing config file is one problem", "[config]") {
  const auto loaded = config::loadFile("/nonexistent/scimgate.json", kNoEnvironment);
  REQUIRE(loaded.problems.items.size() == 1);
  CHECK_THAT(loaded.problems.items[0], Catch::Contains("/nonexistent/scimgate.json"));
}

TEST_CASE("sha256Hex gives the lower-case hex SHA-256", "[config]") {
  CHECK(config::sha256Hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(config::sha256Hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("the example config shipped with the project loads", "[config]") {
  // tests/config/config_test.cpp -> the source root.
  const std::filesystem::path example =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() /
      "scimgate.example.json";
  if (!std::filesystem::exists(example)) {
    WARN("scimgate.example.json does not exist yet; skipping");
    return;
  }
  // The example leaves the secrets to the environment, as a deployment would.
  FakeEnvironment env{{{"SCIMGATE_LDAP_BIND_PASSWORD", "from-env"},
                       {"SCIMGATE_TOKEN_SHA256", kTokenHash},
                       {"SCIMGATE_MFA_KEY", kMfaKeyHex}}};
  const auto loaded = config::loadFile(example.string(), env);
  INFO(joined(loaded.problems));
  CHECK(loaded.problems.empty());
  CHECK_FALSE(loaded.config.ldap.uris.empty());
  CHECK_FALSE(loaded.config.tokens.empty());
  CHECK_FALSE(loaded.config.mfa.store.path.empty());
  CHECK(loaded.config.mfa.settings.encryptionKey == bytesFrom(0));
}

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
  const std::string text = minimalConfigWith(R"(
    "passwords": {"minLength": 12, "maxLength": 64, "requireLower": false, "requireUpper": false,
                  "requireDigit": false, "requireSpecial": false, "rejectUserNameParts": false,
                  "blocklistFile": ")" + blocklist.path().string() + R"("},
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
    const auto loaded = config::loadText(
        minimalConfigWith(R"("passwords": {"minLength": 20, "maxLength": 12})"), "test.json",
        kNoEnvironment);
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
    const auto loaded = config::loadText(
        minimalConfigWith(R"("passwords": {"minLength": 1, "maxLength": 4096})"), "test.json",
        kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.empty());
    CHECK(loaded.config.passwords.minLength == 1);
    CHECK(loaded.config.passwords.maxLength == 4096);
  }
  SECTION("equal limits are accepted") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("passwords": {"minLength": 16, "maxLength": 16})"), "test.json",
        kNoEnvironment);
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
    const auto loaded = config::loadText(
        minimalConfigWith(R"("passwords": {"blocklistFile": ")" + existing.dir().string() +
                          R"("})"),
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
    const auto loaded = config::loadText(minimalConfigWith(R"("mfa": {})"), "test.json",
                                         kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 2);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.store.path"));
    CHECK(hasProblemAt(loaded.problems, "$.mfa.encryptionKey"));
    CHECK_THAT(joined(loaded.problems), Catch::Contains("SCIMGATE_MFA_KEY"));
  }
  SECTION("sqlite without a path") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"kind": "sqlite", "postgres": "host=db"},
                                     "encryptionKey": ")" + kMfaKeyHex + R"("})"),
        "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.store.path"));
  }
  SECTION("postgres without a conninfo") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"kind": "postgres", "path": "/x.db"},
                                     "encryptionKey": ")" + kMfaKeyHex + R"("})"),
        "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 1);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.store.postgres"));
    CHECK_THAT(loaded.problems.items[0], Catch::Contains("SCIMGATE_MFA_POSTGRES"));
  }
  SECTION("an unknown kind") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"kind": "SQLite", "path": "/x.db"},
                                     "encryptionKey": ")" + kMfaKeyHex + R"("})"),
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
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": [], "passwords": "strict")"), "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    REQUIRE(loaded.problems.items.size() == 2);
    CHECK(hasProblemAt(loaded.problems, "$.mfa"));
    CHECK(hasProblemAt(loaded.problems, "$.passwords"));
  }
  SECTION("a store of the wrong type") {
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": "/x.db", "encryptionKey": ")" + kMfaKeyHex +
                          R"("})"),
        "test.json", kNoEnvironment);
    INFO(joined(loaded.problems));
    CHECK(hasProblemAt(loaded.problems, "$.mfa.store"));
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
          minimalConfigWith(std::string(R"("mfa": {"store": )") + store +
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
    const auto loaded = config::loadText(
        minimalConfigWith(R"("mfa": {"store": {"kind": "postgres",
                                               "postgres": "password=pg-secret"},
                                     "encryptionKey": ")" + key + R"(", "window": -1})"),
        "test.json", kNoEnvironment);
    REQUIRE(loaded.problems.items.size() == 2);
    CHECK(hasProblemAt(loaded.problems, "$.mfa.encryptionKey"));
    CHECK(hasProblemAt(loaded.problems, "$.mfa.window"));
    CHECK_THAT(joined(loaded.problems), !Catch::Contains(key));
    CHECK_THAT(joined(loaded.problems), !Catch::Contains("pg-secret"));
  }
}
