// Delivery around the email flows (issue #14): a login code sent by SMS through the webhook, two
// gateways sharing one state store sending each mail once, and the audit trail of mails and
// tokens. Real slapd, a real SMTP server (tools/smtp-sink.py) and a real HTTP server as webhook.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "support/api.h"
#include "support/gateway.h"
#include "support/mail_gateway.h"
#include "support/slapd.h"
#include "support/smtp.h"
#include "support/webhook.h"

namespace {

using namespace scimgate;
using namespace std::chrono_literals;
using testing::Gateway;
using testing::postJson;
using testing::Reply;
using testing::SmtpSink;
using testing::uniqueSuffix;

using testing::TempDir;

config::Config deliveryConfig(const TempDir& dir, int smtpPort) {
  return testing::mailGatewayConfig(dir.sqliteStore(), smtpPort);
}

std::string sixDigits(const std::string& text) {
  std::smatch match;
  static const std::regex code(R"((^|[^0-9])([0-9]{6})([^0-9]|$))");
  return std::regex_search(text, match, code) ? match[2].str() : "";
}

}  // namespace

TEST_CASE("a login code goes by SMS through the webhook to the mobile number",
          "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  testing::WebhookServer webhook;
  auto cfg = deliveryConfig(dir, sink.port());
  cfg.mail.settings.sms.url = webhook.url("/send");
  cfg.mail.settings.sms.authorization = "Bearer sms-provider-key";
  Gateway gw(cfg);
  const std::string name = "texted-" + uniqueSuffix();
  REQUIRE(gw.request("POST", "/scim/v2/Users",
                     R"({"userName":")" + name + R"(","password":")" + testing::kPassword +
                         R"(","phoneNumbers":[{"value":"+15550123","type":"mobile"}]})")
              .status == 201);
  const std::string session = testing::loginAs(gw, name, testing::kPassword);
  auto waitForTexts = [&](std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (webhook.requests().size() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    return webhook.requests();
  };

  auto enrol = postJson(gw, "/mfa/code", R"({"channel":"sms"})", session);
  CAPTURE(enrol.body);
  REQUIRE(enrol.status == 202);
  CHECK(enrol.json()->getValue<std::string>("sentTo") == "***23");
  auto texts = waitForTexts(1);
  REQUIRE(texts.size() == 1);
  CHECK(texts[0].path == "/send");
  CHECK(texts[0].authorization == "Bearer sms-provider-key");
  CHECK(texts[0].body.find("+15550123") != std::string::npos);
  const std::string code = sixDigits(texts[0].body);
  REQUIRE(code.size() == 6);
  // The code was sent by SMS: it does not turn on the email factor.
  CHECK(
      postJson(gw, "/mfa/code/confirm", R"({"channel":"email","code":")" + code + R"("})", session)
          .status == 400);
  REQUIRE(
      postJson(gw, "/mfa/code/confirm", R"({"channel":"sms","code":")" + code + R"("})", session)
          .status == 200);
  auto me = gw.request("GET", "/scim/v2/Me", "", session);
  CHECK(me.body.find(R"("codeFactor":"sms")") != std::string::npos);

  auto required = testing::tryLogin(gw, name, testing::kPassword);
  CHECK(required.status == 401);
  CHECK(required.json()->getValue<std::string>("codeSentTo") == "***23");
  texts = waitForTexts(2);
  REQUIRE(texts.size() == 2);
  auto login = postJson(gw, "/auth/login",
                        R"({"userName":")" + name + R"(","password":")" + testing::kPassword +
                            R"(","code":")" + sixDigits(texts[1].body) + R"("})");
  CHECK(login.status == 200);
  CHECK(sink.messages().empty());  // nothing went by mail
}

TEST_CASE("two gateways sharing one state store send each mail once", "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  auto cfg = deliveryConfig(dir, sink.port());
  Gateway first(cfg);
  Gateway second(cfg);
  // Both dispatchers poll the same outbox while the invitations are queued through both.
  std::set<std::string> addresses;
  for (int i = 0; i < 6; ++i) {
    const std::string email = "twice-" + std::to_string(i) + "-" + uniqueSuffix() + "@example.com";
    addresses.insert(email);
    auto& gw = i % 2 == 0 ? first : second;
    REQUIRE(postJson(gw, "/invitations", R"({"emails":[")" + email + R"("]})", testing::kToken)
                .status == 201);
  }
  auto messages = sink.waitForMessages(addresses.size(), 10s);
  std::this_thread::sleep_for(1s);  // a duplicate would arrive meanwhile
  messages = sink.messages();
  std::multiset<std::string> recipients;
  for (const auto& m : messages) {
    for (const auto& to : m.to) recipients.insert(to);
  }
  for (const auto& address : addresses) {
    CAPTURE(address);
    CHECK(recipients.count(address) == 1);
  }
}

TEST_CASE("mails and tokens leave an audit trail without secrets", "[gateway][mail][slapd]") {
  TempDir dir;
  SmtpSink sink;
  auto cfg = deliveryConfig(dir, sink.port());
  const auto auditPath = dir.path() / "audit.log";
  cfg.auth.auditPath = auditPath.string();
  Gateway gw(cfg);
  const std::string email = "audited-" + uniqueSuffix() + "@example.com";
  auto invited =
      postJson(gw, "/invitations", R"({"emails":[")" + email + R"("]})", testing::kToken);
  REQUIRE(invited.status == 201);
  auto messages = sink.waitForMessages(1, 10s);
  REQUIRE(messages.size() == 1);
  const std::string prefix = "https://scim.example.test/console/#/invitation/";
  const auto at = messages[0].text.find(prefix);
  REQUIRE(at != std::string::npos);
  const std::string token = messages[0].text.substr(at + prefix.size(), 43);
  CHECK(gw.request("GET", "/invitations/wrong-token", "", "").status == 404);
  CHECK(postJson(gw, "/invitations/" + token + "/accept",
                 R"({"password":")" + std::string(testing::kPassword) + R"(","confirmPassword":")" +
                     testing::kPassword + R"("})")
            .status == 200);

  std::this_thread::sleep_for(200ms);
  std::ifstream in(auditPath);
  std::string trail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CAPTURE(trail);
  CHECK(trail.find(R"("operation":"invitations.send")") != std::string::npos);
  CHECK(trail.find(R"("operation":"mail.deliver")") != std::string::npos);
  CHECK(trail.find(R"("reason":"unknown token")") != std::string::npos);
  CHECK(trail.find(R"("operation":"invitations.accept")") != std::string::npos);
  CHECK(trail.find(token) == std::string::npos);
  CHECK(trail.find(testing::kPassword) == std::string::npos);
  CHECK(trail.find(R"("target":"a***@example.com")") != std::string::npos);  // masked recipient
}
