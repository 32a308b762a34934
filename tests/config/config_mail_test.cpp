// The "mail" section (issue #14): outgoing mail, the SMS webhook, retries and templates.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "config/config.h"
#include "config_helpers.h"

namespace config = scimgate::config;
namespace mail = scimgate::mail;

using scimgate::testing::FakeEnvironment;
using scimgate::testing::hasProblemAt;
using scimgate::testing::joined;
using scimgate::testing::kMfaKeyHex;
using scimgate::testing::kNoEnvironment;
using scimgate::testing::minimalConfig;

namespace {

const std::string kMfa =
    R"("mfa": {"store": {"path": "/var/lib/scimgate/mfa.db"}, "encryptionKey": ")" + kMfaKeyHex +
    R"("})";

/// minimalConfig() with more top-level members.
std::string withMembers(const std::string& members) {
  auto text = minimalConfig();
  text.insert(text.find('{') + 1, members + ",");
  return text;
}

/// A config with the mfa section, a public URL and this "mail" object.
std::string withMail(const std::string& mailObject) {
  return withMembers(kMfa + R"(, "server": {"publicUrl": "https://scim.example.com"}, "mail": )" +
                     mailObject);
}

const std::string kMinimalMail = R"({"smtp": {"from": "scimgate <no-reply@example.com>"}})";

config::Loaded load(const std::string& text, const FakeEnvironment& env = kNoEnvironment) {
  return config::loadText(text, "test", env);
}

// An operator's templates folder, removed at the end of the test.
class TemplatesFolder {
 public:
  TemplatesFolder() {
    path_ = std::filesystem::temp_directory_path() /
            ("scimgate-config-templates-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path_);
  }
  ~TemplatesFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TemplatesFolder(const TemplatesFolder&) = delete;
  TemplatesFolder& operator=(const TemplatesFolder&) = delete;
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name, std::ios::binary) << content;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("without a mail section mail is off and nothing is required") {
  auto loaded = load(minimalConfig());
  INFO(joined(loaded.problems));
  CHECK(loaded.problems.empty());
  CHECK_FALSE(loaded.config.mail.enabled);
}

TEST_CASE("the smallest mail section: STARTTLS on port 587 and the documented defaults") {
  auto loaded = load(withMail(kMinimalMail));
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.empty());
  const auto& m = loaded.config.mail;
  CHECK(m.enabled);
  CHECK(m.settings.smtp.from == "scimgate <no-reply@example.com>");
  CHECK(m.settings.smtp.host == "127.0.0.1");
  CHECK(m.settings.smtp.security == mail::Security::StartTls);
  CHECK(m.settings.smtp.port == 587);
  CHECK(m.settings.smtp.username.empty());
  CHECK(m.settings.smtp.verifyCertificate);
  CHECK(m.settings.retry.firstDelaySeconds == 30);
  CHECK(m.settings.retry.maxDelaySeconds == 3600);
  CHECK(m.settings.retry.maxAttempts == 20);
  CHECK(m.settings.productName == "scimgate");
  CHECK(m.settings.sms.url.empty());
  CHECK(m.settings.templatesDir.empty());
  CHECK(std::filesystem::exists(m.settings.defaultTemplatesDir + "/invitation.txt"));
}

TEST_CASE("every mail key is read") {
  TemplatesFolder folder;
  folder.write("invitation.subject", "Welcome to {{productName}}\n");
  auto loaded = load(withMail(R"({
    "smtp": {"host": "smtp.example.com", "port": 465, "security": "tls", "username": "mailer",
             "password": "smtp-secret", "from": "Acme <no-reply@acme.example>",
             "timeoutMs": 5000, "verifyCertificate": false, "caFile": "/etc/ssl/certs/ca-certificates.crt"},
    "sms": {"url": "https://sms.example.com/send", "authorization": "Bearer sms-secret",
            "timeoutMs": 4000},
    "retry": {"firstDelaySeconds": 10, "maxDelaySeconds": 600, "maxAttempts": 5,
              "leaseSeconds": 60, "pollMilliseconds": 500},
    "templatesDir": ")" + folder.path() +
                              R"(",
    "productName": "Acme Portal"})"));
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.empty());
  const auto& s = loaded.config.mail.settings;
  CHECK(s.smtp.host == "smtp.example.com");
  CHECK(s.smtp.port == 465);
  CHECK(s.smtp.security == mail::Security::Tls);
  CHECK(s.smtp.username == "mailer");
  CHECK(s.smtp.password == "smtp-secret");
  CHECK(s.smtp.from == "Acme <no-reply@acme.example>");
  CHECK(s.smtp.timeoutMs == 5000);
  CHECK_FALSE(s.smtp.verifyCertificate);
  CHECK(s.smtp.caFile == "/etc/ssl/certs/ca-certificates.crt");
  CHECK(s.sms.url == "https://sms.example.com/send");
  CHECK(s.sms.authorization == "Bearer sms-secret");
  CHECK(s.sms.timeoutMs == 4000);
  CHECK(s.retry.firstDelaySeconds == 10);
  CHECK(s.retry.maxDelaySeconds == 600);
  CHECK(s.retry.maxAttempts == 5);
  CHECK(s.retry.leaseSeconds == 60);
  CHECK(s.retry.pollMilliseconds == 500);
  CHECK(s.templatesDir == folder.path());
  CHECK(s.productName == "Acme Portal");
}

TEST_CASE("the default port follows the security: 465 for tls, 25 for none") {
  auto tls = load(withMail(R"({"smtp": {"from": "a@example.com", "security": "tls"}})"));
  REQUIRE(tls.problems.empty());
  CHECK(tls.config.mail.settings.smtp.port == 465);
  auto none = load(withMail(R"({"smtp": {"from": "a@example.com", "security": "none"}})"));
  REQUIRE(none.problems.empty());
  CHECK(none.config.mail.settings.smtp.security == mail::Security::None);
  CHECK(none.config.mail.settings.smtp.port == 25);
}

TEST_CASE("mail problems name their JSON path") {
  SECTION("from is required") {
    auto loaded = load(withMail(R"({"smtp": {"host": "smtp.example.com"}})"));
    INFO(joined(loaded.problems));
    CHECK(hasProblemAt(loaded.problems, "$.mail.smtp.from"));
  }
  SECTION("the port is 1..65535") {
    for (const char* port : {"0", "65536", "\"25\""}) {
      auto loaded = load(
          withMail(std::string(R"({"smtp": {"from": "a@example.com", "port": )") + port + "}}"));
      INFO(joined(loaded.problems));
      CHECK(hasProblemAt(loaded.problems, "$.mail.smtp.port"));
    }
  }
  SECTION("security is starttls, tls or none") {
    auto loaded = load(withMail(R"({"smtp": {"from": "a@example.com", "security": "ssl"}})"));
    INFO(joined(loaded.problems));
    REQUIRE(hasProblemAt(loaded.problems, "$.mail.smtp.security"));
    CHECK(joined(loaded.problems).find("starttls, tls or none") != std::string::npos);
  }
  SECTION("the SMS webhook is an http(s) URL") {
    auto loaded =
        load(withMail(R"({"smtp": {"from": "a@example.com"}, "sms": {"url": "ftp://x"}})"));
    INFO(joined(loaded.problems));
    CHECK(hasProblemAt(loaded.problems, "$.mail.sms.url"));
  }
  SECTION("a username needs a password") {
    auto loaded = load(withMail(R"({"smtp": {"from": "a@example.com", "username": "mailer"}})"));
    INFO(joined(loaded.problems));
    CHECK(hasProblemAt(loaded.problems, "$.mail.smtp.password"));
  }
  SECTION("no password in clear to a server that is not on this machine") {
    auto loaded = load(withMail(R"({"smtp": {"from": "a@example.com", "host": "smtp.example.com",
        "security": "none", "username": "mailer", "password": "smtp-secret"}})"));
    INFO(joined(loaded.problems));
    CHECK(hasProblemAt(loaded.problems, "$.mail.smtp.security"));
    CHECK(joined(loaded.problems).find("smtp-secret") == std::string::npos);
  }
  SECTION("the maximum delay is at least the first") {
    auto loaded = load(withMail(R"({"smtp": {"from": "a@example.com"},
        "retry": {"firstDelaySeconds": 600, "maxDelaySeconds": 60}})"));
    INFO(joined(loaded.problems));
    CHECK(hasProblemAt(loaded.problems, "$.mail.retry.maxDelaySeconds"));
  }
  SECTION("a line break in the From address") {
    auto loaded = load(withMail(R"({"smtp": {"from": "a@example.com\r\nBcc: b@example.com"}})"));
    INFO(joined(loaded.problems));
    CHECK(hasProblemAt(loaded.problems, "$.mail.smtp.from"));
  }
}

TEST_CASE("a mail section needs the public URL its links are built from") {
  auto loaded = load(withMembers(kMfa + R"(, "mail": )" + kMinimalMail));
  CHECK(hasProblemAt(loaded.problems, "$.server.publicUrl"));
}

TEST_CASE("a mail section without the mfa section's state store is a problem") {
  auto loaded = load(withMembers(R"("mail": )" + kMinimalMail));
  INFO(joined(loaded.problems));
  REQUIRE(hasProblemAt(loaded.problems, "$.mail"));
  CHECK(joined(loaded.problems).find("\"mfa\" section") != std::string::npos);
}

TEST_CASE("an operator's template with an unknown key or a missing folder is reported") {
  TemplatesFolder folder;
  folder.write("invitation.txt", "Hello {{firstName}}: {{link}}\n");
  auto loaded = load(withMail(R"({"smtp": {"from": "a@example.com"}, "templatesDir": ")" +
                              folder.path() + R"("})"));
  INFO(joined(loaded.problems));
  REQUIRE(hasProblemAt(loaded.problems, "$.mail.templatesDir"));
  CHECK(joined(loaded.problems).find("invitation.txt") != std::string::npos);
  CHECK(joined(loaded.problems).find("firstName") != std::string::npos);

  auto missing = load(withMail(R"({"smtp": {"from": "a@example.com"}, "templatesDir": ")" +
                               folder.path() + R"(/nowhere"})"));
  INFO(joined(missing.problems));
  CHECK(hasProblemAt(missing.problems, "$.mail.templatesDir"));
}

TEST_CASE("SCIMGATE_SMTP_PASSWORD and SCIMGATE_SMS_AUTHORIZATION override the file") {
  FakeEnvironment env;
  env.values["SCIMGATE_SMTP_PASSWORD"] = "env-smtp-secret";
  env.values["SCIMGATE_SMS_AUTHORIZATION"] = "Bearer env-sms";
  auto loaded = load(withMail(R"({"smtp": {"from": "a@example.com", "username": "mailer",
                                           "password": "file-secret"},
                                  "sms": {"url": "https://sms.example.com"}})"),
                     env);
  INFO(joined(loaded.problems));
  REQUIRE(loaded.problems.empty());
  CHECK(loaded.config.mail.settings.smtp.password == "env-smtp-secret");
  CHECK(loaded.config.mail.settings.sms.authorization == "Bearer env-sms");

  SECTION("the password may come from the environment alone") {
    auto fromEnv = load(withMail(R"({"smtp": {"from": "a@example.com", "username": "m"}})"), env);
    INFO(joined(fromEnv.problems));
    CHECK(fromEnv.problems.empty());
    CHECK(fromEnv.config.mail.settings.smtp.password == "env-smtp-secret");
  }
  SECTION("without a mail section they change nothing") {
    auto off = load(minimalConfig(), env);
    CHECK(off.problems.empty());
    CHECK_FALSE(off.config.mail.enabled);
    CHECK(off.config.mail.settings.smtp.password.empty());
  }
}

TEST_CASE("the example config's mail section is valid (with a key for mfa)") {
  FakeEnvironment env;
  env.values["SCIMGATE_MFA_KEY"] = kMfaKeyHex;
  env.values["SCIMGATE_LDAP_BIND_PASSWORD"] = "pw";
  env.values["SCIMGATE_SMTP_PASSWORD"] = "smtp-secret";
  auto loaded = config::loadFile(std::string(SCIMGATE_SOURCE_DIR) + "/scimgate.example.json", env);
  INFO(joined(loaded.problems));
  for (const auto& problem : loaded.problems.items) CHECK(problem.rfind("$.mail", 0) != 0);
  CHECK(loaded.config.mail.enabled);
}
