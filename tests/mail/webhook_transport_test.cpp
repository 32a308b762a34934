// The SMS webhook transport against a real HTTP server (Poco's, on a free port of 127.0.0.1).
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "mail/transport.h"

namespace mail = scimgate::mail;
using scimgate::ErrorKind;

namespace {

struct Received {
  std::string method;
  std::string path;
  std::string contentType;
  std::string authorization;  // "" when absent
  std::string body;
};

// What the server saw and what it answers; shared with its handlers.
struct Script {
  std::mutex mutex;
  std::vector<Received> requests;
  int status = 200;
  std::string answer = "{}";
};

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(Script& script) : script_(script) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    Received received;
    received.method = request.getMethod();
    received.path = request.getURI();
    received.contentType = request.getContentType();
    received.authorization = request.get("Authorization", "");
    Poco::StreamCopier::copyToString(request.stream(), received.body);
    int status = 0;
    std::string answer;
    {
      std::lock_guard lock(script_.mutex);
      script_.requests.push_back(received);
      status = script_.status;
      answer = script_.answer;
    }
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(answer.size()));
    response.send() << answer;
  }

 private:
  Script& script_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(Script& script) : script_(script) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(script_);
  }

 private:
  Script& script_;
};

// A small HTTP server on a free port, stopped by the destructor.
class WebhookServer {
 public:
  WebhookServer()
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
        server_(new Factory(script_), socket_, new Poco::Net::HTTPServerParams) {
    server_.start();
  }
  ~WebhookServer() { server_.stopAll(true); }
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  std::string url(const std::string& path = "/sms") const {
    return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + path;
  }
  void answer(int status, std::string body) {
    std::lock_guard lock(script_.mutex);
    script_.status = status;
    script_.answer = std::move(body);
  }
  std::vector<Received> requests() {
    std::lock_guard lock(script_.mutex);
    return script_.requests;
  }

 private:
  Script script_;
  Poco::Net::ServerSocket socket_;
  Poco::Net::HTTPServer server_;
};

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
