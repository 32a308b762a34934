// The SMS webhook transport against a real HTTP server (Poco's, on a free port of 127.0.0.1).
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "mail/transport.h"
#include "support/webhook.h"

namespace mail = scimgate::mail;
using scimgate::ErrorKind;
using scimgate::testing::Received;
using scimgate::testing::WebhookServer;

namespace {

mail::Message sms() {
  mail::Message message;
  message.channel = mail::Channel::Sms;
  message.to = "+15550100";
  message.text = "Acme login code: 123456 (valid for 5 minutes). Zoë";
  return message;
}

}  // namespace

TEST_CASE("the webhook gets a JSON POST with to, text and the Authorization header") {
  WebhookServer server;
  mail::WebhookSettings settings;
  settings.url = server.url("/v1/sms?account=7");
  settings.authorization = "Bearer hook-secret";
  auto sent = mail::makeWebhookTransport(settings)->send(sms());
  INFO((sent.ok() ? "" : sent.error().detail));
  REQUIRE(sent.ok());

  auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].path == "/v1/sms?account=7");
  CHECK(requests[0].contentType == "application/json");
  CHECK(requests[0].authorization == "Bearer hook-secret");
  Poco::JSON::Parser parser;
  auto body = parser.parse(requests[0].body).extract<Poco::JSON::Object::Ptr>();
  CHECK(body->getValue<std::string>("to") == "+15550100");
  CHECK(body->getValue<std::string>("text") == sms().text);
}

TEST_CASE("without an authorization setting no Authorization header is sent") {
  WebhookServer server;
  mail::WebhookSettings settings;
  settings.url = server.url();
  REQUIRE(mail::makeWebhookTransport(settings)->send(sms()).ok());
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].authorization.empty());
}

TEST_CASE("any 2xx answer is delivered") {
  WebhookServer server;
  server.answer(202, "");
  mail::WebhookSettings settings;
  settings.url = server.url();
  CHECK(mail::makeWebhookTransport(settings)->send(sms()).ok());
}

TEST_CASE("a 4xx answer is a permanent refusal naming the status, never the secret") {
  WebhookServer server;
  server.answer(400, R"({"error": "invalid number"})");
  mail::WebhookSettings settings;
  settings.url = server.url();
  settings.authorization = "Bearer hook-secret";
  auto sent = mail::makeWebhookTransport(settings)->send(sms());
  REQUIRE_FALSE(sent.ok());
  INFO(sent.error().detail);
  CHECK(sent.error().kind == ErrorKind::InvalidValue);
  CHECK(sent.error().detail.find("400") != std::string::npos);
  CHECK(sent.error().detail.find("invalid number") != std::string::npos);
  CHECK(sent.error().detail.find("hook-secret") == std::string::npos);
  CHECK(sent.error().detail.find("123456") == std::string::npos);
}

TEST_CASE("a 5xx answer or no server may pass: Unavailable") {
  int port = 0;
  {
    WebhookServer server;
    server.answer(503, "busy");
    mail::WebhookSettings settings;
    settings.url = server.url();
    auto sent = mail::makeWebhookTransport(settings)->send(sms());
    REQUIRE_FALSE(sent.ok());
    CHECK(sent.error().kind == ErrorKind::Unavailable);
    CHECK(sent.error().detail.find("503") != std::string::npos);
    port = std::stoi(server.url().substr(std::string("http://127.0.0.1:").size()));
  }
  mail::WebhookSettings settings;
  settings.url = "http://127.0.0.1:" + std::to_string(port) + "/sms";  // nobody listens now
  settings.timeoutMs = 2000;
  auto sent = mail::makeWebhookTransport(settings)->send(sms());
  REQUIRE_FALSE(sent.ok());
  CHECK(sent.error().kind == ErrorKind::Unavailable);
}
