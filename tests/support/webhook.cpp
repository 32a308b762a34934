#include "support/webhook.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/StreamCopier.h>

namespace scimgate::testing {
namespace {

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

}  // namespace

WebhookServer::WebhookServer()
    : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
      server_(new Factory(script_), socket_, new Poco::Net::HTTPServerParams) {
  server_.start();
}

WebhookServer::~WebhookServer() { server_.stopAll(true); }

std::string WebhookServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + path;
}

void WebhookServer::answer(int status, std::string body) {
  std::lock_guard lock(script_.mutex);
  script_.status = status;
  script_.answer = std::move(body);
}

std::vector<Received> WebhookServer::requests() {
  std::lock_guard lock(script_.mutex);
  return script_.requests;
}

}  // namespace scimgate::testing
