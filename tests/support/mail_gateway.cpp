#include "support/mail_gateway.h"

#include <catch2/catch.hpp>

#include "support/gateway.h"
#include "support/slapd.h"

namespace scimgate::testing {

TempDir::TempDir()
    : path_(std::filesystem::temp_directory_path() / ("scimgate-test-" + uniqueSuffix())) {
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

policy::mfa::StoreSettings TempDir::sqliteStore() const {
  policy::mfa::StoreSettings store;
  store.kind = "sqlite";
  store.path = (path_ / "state.db").string();
  return store;
}

config::Config mailGatewayConfig(const policy::mfa::StoreSettings& store, int smtpPort) {
  auto cfg = Gateway::defaultConfig();
  cfg.server.publicUrl = kTestPublicUrl;
  cfg.mfa.store = store;
  const std::string hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    cfg.mfa.settings.encryptionKey.push_back(
        static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  cfg.mfa.settings.pbkdf2Iterations = 1000;  // fast tests; production keeps the default
  cfg.auth.refusalMinimumMs = 20;
  cfg.mail.enabled = true;
  auto& mail = cfg.mail.settings;
  mail.smtp.host = "127.0.0.1";
  mail.smtp.port = smtpPort;
  mail.smtp.security = mail::Security::None;
  mail.smtp.from = "scimgate test <no-reply@example.test>";
  mail.smtp.timeoutMs = 2000;
  mail.retry.firstDelaySeconds = 1;
  mail.retry.maxDelaySeconds = 1;
  mail.retry.pollMilliseconds = 50;
  mail.defaultTemplatesDir = std::string(SCIMGATE_SOURCE_DIR) + "/mail/templates";
  return cfg;
}

}  // namespace scimgate::testing
