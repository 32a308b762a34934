#pragma once
// A small HTTP server standing in for an SMS provider's webhook (Poco's HTTPServer on a free port
// of 127.0.0.1): it records every request and answers what the test scripts.

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>

#include <mutex>
#include <string>
#include <vector>

namespace scimgate::testing {

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

/// Stopped by the destructor.
class WebhookServer {
 public:
  WebhookServer();
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  std::string url(const std::string& path = "/sms") const;
  void answer(int status, std::string body);
  std::vector<Received> requests();

 private:
  Script script_;
  Poco::Net::ServerSocket socket_;
  Poco::Net::HTTPServer server_;
};

}  // namespace scimgate::testing
