// Faults of the HTTP layer and the directory (issue #13, items 8, 11, 13, 14, 15, 16): hostile or
// slow clients, a directory that hangs or crashes, and a SIGTERM with requests in flight. Each
// test starts its own slapd (when it needs one) and its own gateway, and signals only the slapd
// it started, by the pid in its pid file.
#include <Poco/JSON/Parser.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/child_gateway.h"
#include "support/gateway.h"
#include "support/slapd.h"

namespace scimgate::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Writing to a connection the gateway closed must fail the write, not end the test process.
[[maybe_unused]] const bool kIgnoreSigpipe = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

long long millisSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// A gateway config whose directory is never reached (nothing listens on port 9): for tests of
// the HTTP layer alone.
config::Config httpOnlyConfig() {
  config::Config cfg;
  cfg.server.listen = "127.0.0.1";
  cfg.server.port = 0;
  cfg.server.maxBodyBytes = 64 * 1024;
  cfg.server.headerTimeoutMs = 2000;
  cfg.tokens = {{"test", config::sha256Hex(kToken)}};
  cfg.ldap.uris = {"ldap://127.0.0.1:9"};
  cfg.ldap.baseDn = "dc=example,dc=com";
  cfg.ldap.peopleDn = "ou=people,dc=example,dc=com";
  cfg.ldap.rolesDn = "ou=roles,dc=example,dc=com";
  cfg.ldap.userMapping = ldap::defaultUserMapping();
  return cfg;
}

// A gateway in front of a private slapd, with the shipped LDAP timeouts.
config::Config directoryConfig(const SlapdEnv& env) {
  config::Config cfg = httpOnlyConfig();
  const ldap::Settings defaults;
  cfg.ldap = env.ldapSettings();
  cfg.ldap.connectTimeoutMs = defaults.connectTimeoutMs;
  cfg.ldap.operationTimeoutMs = defaults.operationTimeoutMs;
  cfg.ldap.acquireTimeoutMs = defaults.acquireTimeoutMs;
  return cfg;
}

// One HTTP response as read from a raw socket; status 0 when none came.
struct RawReply {
  int status = 0;
  std::string head;
  std::string body;

  Poco::JSON::Object::Ptr json() const {
    Poco::JSON::Parser parser;
    return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  }
};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Reads one response (head, then Content-Length bytes of body) within `timeout`.
RawReply readReply(Poco::Net::StreamSocket& socket, milliseconds timeout) {
  RawReply reply;
  std::string data;
  const auto deadline = Clock::now() + timeout;
  std::size_t headEnd = std::string::npos;
  std::size_t wanted = 0;
  char buffer[4096];
  while (Clock::now() < deadline) {
    if (headEnd != std::string::npos && data.size() >= headEnd + 4 + wanted) break;
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    socket.setReceiveTimeout(Poco::Timespan(std::max<long long>(1000, left.count())));
    int n = 0;
    try {
      n = socket.receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::Exception&) {
      break;  // timeout or reset
    }
    if (n <= 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
    if (headEnd == std::string::npos && (headEnd = data.find("\r\n\r\n")) != std::string::npos) {
      const std::string head = lower(data.substr(0, headEnd));
      if (auto at = head.find("content-length:"); at != std::string::npos) {
        wanted = std::stoul(head.substr(at + 15));
      }
    }
  }
  if (headEnd == std::string::npos || data.rfind("HTTP/1.", 0) != 0) return reply;
  if (data.size() < headEnd + 4 + wanted) return reply;  // truncated
  reply.head = data.substr(0, headEnd);
  reply.status = std::stoi(data.substr(9, 3));
  reply.body = data.substr(headEnd + 4, wanted);
  return reply;
}

Poco::Net::StreamSocket connectTo(int port) {
  return Poco::Net::StreamSocket(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
}

void sendAll(Poco::Net::StreamSocket& socket, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const int n = socket.sendBytes(data.data() + sent, static_cast<int>(data.size() - sent));
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
}

// A raw request and its answer on a fresh connection.
RawReply rawExchange(int port, const std::string& request,
                     milliseconds timeout = milliseconds(3000)) {
  auto socket = connectTo(port);
  try {
    sendAll(socket, request);
  } catch (const Poco::Exception&) {
    // The server may answer and close before it has read everything; read its answer anyway.
  }
  return readReply(socket, timeout);
}

void checkScimError(const RawReply& reply, int status) {
  INFO(reply.head << "\n\n" << reply.body);
  REQUIRE(reply.status == status);
  auto body = reply.json();
  CHECK(body->getArray("schemas")->getElement<std::string>(0) ==
        "urn:ietf:params:scim:api:messages:2.0:Error");
  CHECK(body->getValue<std::string>("status") == std::to_string(status));
  CHECK_FALSE(body->getValue<std::string>("detail").empty());
}

std::string auth() { return std::string("Authorization: Bearer ") + kToken + "\r\n"; }

// Sends SIGCONT to a stopped slapd however the test ends, so that it can be stopped and wiped.
struct ContinueOnExit {
  const SlapdEnv& env;
  ~ContinueOnExit() { signalSlapd(env, SIGCONT); }
};

std::string newUserBody(const std::string& userName) {
  return R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":")" + userName +
         R"(","name":{"givenName":"Fault","familyName":"Test"}})";
}

}  // namespace

TEST_CASE("a Content-Length far beyond the body limit is answered 413 at once", "[faults][http]") {
  Gateway gateway(httpOnlyConfig());
  const auto started = Clock::now();
  auto reply =
      rawExchange(gateway.port(), "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n" + auth() +
                                      "Content-Type: application/scim+json\r\n"
                                      "Content-Length: 1000000000000\r\n\r\n{\"userName\":\"x\"}");
  CHECK(millisSince(started) < 1000);
  checkScimError(reply, 413);
}

TEST_CASE("a non-numeric Content-Length is answered 400 invalidSyntax", "[faults][http]") {
  Gateway gateway(httpOnlyConfig());
  for (const char* length : {"abc", "-5", "12x"}) {
    SECTION(std::string("Content-Length: ") + length) {
      auto reply =
          rawExchange(gateway.port(), "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n" + auth() +
                                          "Content-Length: " + length + "\r\n\r\n{}");
      checkScimError(reply, 400);
      CHECK(reply.json()->getValue<std::string>("scimType") == "invalidSyntax");
    }
  }
}

TEST_CASE("a POST without Content-Length or chunked body has an empty body, answered at once",
          "[faults][http]") {
  Gateway gateway(httpOnlyConfig());
  const auto started = Clock::now();
  // RFC 7230 3.3.3: a request with neither has a body of length zero (curl -X POST sends this).
  auto reply =
      rawExchange(gateway.port(), "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n" + auth() + "\r\n");
  CHECK(millisSince(started) < 1000);
  checkScimError(reply, 400);
  CHECK(reply.json()->getValue<std::string>("scimType") == "invalidSyntax");
}

TEST_CASE("an oversized request line or header is refused with a SCIM error body",
          "[faults][http]") {
  Gateway gateway(httpOnlyConfig());
  SECTION("a 100 KB filter is 414") {
    const std::string filter = "userName%20eq%20%22" + std::string(100 * 1024, 'a') + "%22";
    auto reply = rawExchange(gateway.port(), "GET /scim/v2/Users?filter=" + filter +
                                                 " HTTP/1.1\r\nHost: x\r\n" + auth() + "\r\n");
    checkScimError(reply, 414);
  }
  SECTION("5,000 repeated attributes parameters are 414") {
    std::string query;
    for (int i = 0; i < 5000; ++i) query += "attributes=userName&";
    auto reply = rawExchange(gateway.port(), "GET /scim/v2/Users?" + query +
                                                 " HTTP/1.1\r\nHost: x\r\n" + auth() + "\r\n");
    checkScimError(reply, 414);
  }
  SECTION("a 20 KB header value is 431") {
    auto reply =
        rawExchange(gateway.port(), "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n" + auth() +
                                        "X-Big: " + std::string(20 * 1024, 'b') + "\r\n\r\n");
    checkScimError(reply, 431);
  }
  SECTION("500 header fields are 431") {
    std::string headers;
    for (int i = 0; i < 500; ++i) headers += "X-H" + std::to_string(i) + ": v\r\n";
    auto reply = rawExchange(
        gateway.port(), "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n" + auth() + headers + "\r\n");
    checkScimError(reply, 431);
  }
  SECTION("a 300-byte header name is 431") {
    auto reply = rawExchange(gateway.port(), "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n" +
                                                 std::string(300, 'n') + ": v\r\n\r\n");
    checkScimError(reply, 431);
  }
  SECTION("a malformed request line is 400") {
    auto reply = rawExchange(gateway.port(), "GARBAGE\r\n\r\n");
    checkScimError(reply, 400);
  }
}

TEST_CASE("a keep-alive connection serves request after request and is closed once idle",
          "[faults][http]") {
  Gateway gateway(httpOnlyConfig());  // headerTimeoutMs 2000
  auto socket = connectTo(gateway.port());
  for (int i = 0; i < 3; ++i) {
    sendAll(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(readReply(socket, milliseconds(1000)).status == 200);
  }
  std::this_thread::sleep_for(milliseconds(2500));
  char byte = 0;
  socket.setReceiveTimeout(Poco::Timespan(1, 0));
  int received = -1;
  try {
    received = socket.receiveBytes(&byte, 1);
  } catch (const Poco::Exception&) {
    received = -1;  // reset: closed as well
  }
  CHECK(received <= 0);
}

TEST_CASE(
    "a kept-alive connection's next request is read like a first one: in parts, or refused when "
    "its request line is too long",
    "[faults][http]") {
  Gateway gateway(httpOnlyConfig());
  auto socket = connectTo(gateway.port());
  sendAll(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(readReply(socket, milliseconds(1000)).status == 200);
  // At once after the answer (the worker that answered may take it), then in two parts with a
  // pause longer than that worker waits (back to the poller), then a request line too long.
  sendAll(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(readReply(socket, milliseconds(1000)).status == 200);
  sendAll(socket, "GET /healthz HTTP/1.1\r\nHo");
  std::this_thread::sleep_for(milliseconds(100));
  sendAll(socket, "st: x\r\n\r\n");
  CHECK(readReply(socket, milliseconds(1000)).status == 200);
  sendAll(socket, "GET /scim/v2/Users?filter=" + std::string(20 * 1024, 'a') +
                      " HTTP/1.1\r\nHost: x\r\n" + auth() + "\r\n");
  checkScimError(readReply(socket, milliseconds(1000)), 414);
}

TEST_CASE("120 connections trickling header bytes do not starve normal requests",
          "[faults][http][slow]") {
  Gateway gateway(httpOnlyConfig());  // headerTimeoutMs 2000
  std::vector<Poco::Net::StreamSocket> slow;
  for (int i = 0; i < 120; ++i) {
    slow.push_back(connectTo(gateway.port()));
    sendAll(slow.back(), "G");
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    const std::string rest = "ET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    for (std::size_t i = 0; !done; ++i) {
      for (auto& socket : slow) {
        try {
          socket.sendBytes(i < rest.size() ? &rest[i] : "a", 1);
        } catch (const Poco::Exception&) {
          // closed by the gateway's header deadline: as it should be
        }
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  std::this_thread::sleep_for(milliseconds(300));
  for (int i = 0; i < 10; ++i) {
    const auto started = Clock::now();
    auto reply =
        rawExchange(gateway.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", milliseconds(1500));
    CHECK(reply.status == 200);
    CHECK(millisSince(started) < 1000);
    std::this_thread::sleep_for(milliseconds(100));
  }
  // Past the header deadline, the trickling connections are answered 408 and closed.
  std::this_thread::sleep_for(milliseconds(1500));
  done = true;
  trickle.join();
  auto late = readReply(slow.front(), milliseconds(1000));
  CHECK(late.status == 408);
}

TEST_CASE(
    "a hanging directory gets 503 with Retry-After within 5 s, and recovery without a restart",
    "[faults][slapd]") {
  PrivateSlapd slapd("faults-hang");
  Gateway gateway(directoryConfig(slapd.env()));
  auto created = gateway.request("POST", "/scim/v2/Users", newUserBody("hang-" + uniqueSuffix()));
  REQUIRE(created.status == 201);
  const std::string id = created.json()->getValue<std::string>("id");

  signalSlapd(slapd.env(), SIGSTOP);
  ContinueOnExit resume{slapd.env()};
  std::vector<std::thread> clients;
  std::mutex mutex;
  std::vector<std::pair<int, long long>> outcomes;  // status, milliseconds
  std::vector<std::string> retryAfter;
  for (int i = 0; i < 12; ++i) {
    clients.emplace_back([&, i] {
      const auto started = Clock::now();
      Reply reply;
      switch (i % 3) {
        case 0:
          reply = gateway.request("GET", "/scim/v2/Users/" + id);
          break;
        case 1:
          reply = gateway.request("GET", "/scim/v2/Users?filter=userName%20sw%20%22h%22");
          break;
        default:
          reply = gateway.request("POST", "/scim/v2/Users", newUserBody("hang-" + uniqueSuffix()));
      }
      std::lock_guard lock(mutex);
      outcomes.emplace_back(reply.status, millisSince(started));
      retryAfter.push_back(reply.header("Retry-After"));
    });
  }
  std::this_thread::sleep_for(milliseconds(200));
  auto healthStarted = Clock::now();
  CHECK(gateway.request("GET", "/healthz", "", "").status == 200);
  CHECK(millisSince(healthStarted) < 500);
  for (auto& client : clients) client.join();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    INFO("request " << i << ": " << outcomes[i].first << " after " << outcomes[i].second << " ms");
    CHECK(outcomes[i].first == 503);
    CHECK(outcomes[i].second < 5000);
    CHECK_FALSE(retryAfter[i].empty());
  }
  const auto readyStarted = Clock::now();
  auto ready = gateway.request("GET", "/readyz", "", "");
  CHECK(ready.status == 503);
  CHECK(millisSince(readyStarted) < 5000);
  auto again = gateway.request("GET", "/scim/v2/Users/" + id);
  CHECK(again.status == 503);

  signalSlapd(slapd.env(), SIGCONT);
  const auto resumed = Clock::now();
  int status = 0;
  while (millisSince(resumed) < 8000) {
    status = gateway.request("GET", "/scim/v2/Users/" + id).status;
    if (status == 200) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  CHECK(status == 200);
  CHECK(millisSince(resumed) < 5000);
  CHECK(gateway.request("POST", "/scim/v2/Users", newUserBody("hang-" + uniqueSuffix())).status ==
        201);
}

TEST_CASE("a directory crash loses no acknowledged write, and writes resume after its restart",
          "[faults][slapd]") {
  PrivateSlapd slapd("faults-crash");
  Gateway gateway(directoryConfig(slapd.env()));
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::vector<std::string> failures;
  int unavailable = 0;  // 5xx answers within 10 s: what the crash should produce
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop; ++i) {
        const std::string userName = "crash-" + std::to_string(c) + "-" + std::to_string(i);
        const auto started = Clock::now();
        auto reply = gateway.request("POST", "/scim/v2/Users", newUserBody(userName));
        const auto took = millisSince(started);
        std::lock_guard lock(mutex);
        if (reply.status / 100 == 2) {
          acknowledged.push_back(userName);
        } else if (reply.status >= 500 && took < 10000) {
          ++unavailable;
        } else {
          failures.push_back(userName + ": " + std::to_string(reply.status) + " after " +
                             std::to_string(took) + " ms: " + reply.body);
        }
        if (took > 10000) failures.push_back(userName + " took " + std::to_string(took) + " ms");
      }
    });
  }
  std::this_thread::sleep_for(milliseconds(1000));
  signalSlapd(slapd.env(), SIGKILL);
  std::this_thread::sleep_for(milliseconds(1000));
  restartSlapd(slapd.env());
  std::this_thread::sleep_for(milliseconds(2000));
  stop = true;
  for (auto& client : clients) client.join();
  for (const auto& failure : failures) FAIL_CHECK(failure);
  WARN(acknowledged.size() << " creates acknowledged, " << unavailable << " answered 5xx");
  CHECK(unavailable > 0);  // the crash was seen, or the test proves nothing
  REQUIRE_FALSE(acknowledged.empty());
  const auto suffix = slapd.env().suffix;
  for (const auto& userName : acknowledged) {
    INFO(userName);
    CHECK(
        ldapSearch(slapd.env(), "ou=people," + suffix, "(uid=" + userName + ")", {"uid"}).size() ==
        1);
  }
  CHECK(gateway.request("POST", "/scim/v2/Users", newUserBody("crash-after-" + uniqueSuffix()))
            .status == 201);
}

namespace {

// The scimgate binary in front of `env`, with its config in `dir`.
std::string childConfig(const SlapdEnv& env, int drainTimeoutMs) {
  std::ostringstream json;
  json << R"({"server":{"listen":"127.0.0.1","port":0,"drainTimeoutMs":)" << drainTimeoutMs
       << R"(},"tokens":[{"name":"test","sha256":")" << config::sha256Hex(kToken)
       << R"("}],"ldap":{"uris":[")" << env.url << R"("],"bindDn":")" << env.bindDn
       << R"(","bindPassword":")" << env.bindPassword << R"(","baseDn":")" << env.suffix
       << R"("}})";
  return json.str();
}

}  // namespace

TEST_CASE("SIGTERM answers every request in flight and exits within the drain timeout",
          "[faults][slapd][sigterm]") {
  PrivateSlapd slapd("faults-sigterm");
  const auto dir = std::filesystem::temp_directory_path() / ("scimgate-sigterm-" + uniqueSuffix());
  std::filesystem::create_directories(dir);
  struct Wipe {
    std::filesystem::path dir;
    ~Wipe() { std::filesystem::remove_all(dir); }
  } wipe{dir};
  ChildGateway child(SCIMGATE_BINARY, dir.string(), childConfig(slapd.env(), 5000));

  // More requests than worker threads (8), each sent up to the middle of its body.
  constexpr int kClients = 12;
  std::vector<Poco::Net::StreamSocket> sockets;
  std::vector<std::string> rests;
  for (int i = 0; i < kClients; ++i) {
    const std::string body = newUserBody("term-" + std::to_string(i) + "-" + uniqueSuffix());
    const std::string head =
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n" + auth() +
        "Content-Type: application/scim+json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n";
    sockets.push_back(connectTo(child.port()));
    sendAll(sockets.back(), head + body.substr(0, body.size() / 2));
    rests.push_back(body.substr(body.size() / 2));
  }
  std::this_thread::sleep_for(milliseconds(300));
  const auto terminated = Clock::now();
  child.terminate();
  std::this_thread::sleep_for(milliseconds(300));
  for (int i = 0; i < kClients; ++i) {
    try {
      sendAll(sockets[static_cast<std::size_t>(i)], rests[static_cast<std::size_t>(i)]);
    } catch (const Poco::Exception& e) {
      FAIL_CHECK("request " << i << ": " << e.displayText());
    }
  }
  for (int i = 0; i < kClients; ++i) {
    auto reply = readReply(sockets[static_cast<std::size_t>(i)], milliseconds(5000));
    INFO("request " << i << ": " << reply.head);
    CHECK(reply.status == 201);
  }
  CHECK(child.waitExit(milliseconds(6000)) == 0);
  CHECK(millisSince(terminated) < 5500);
}

TEST_CASE("SIGTERM exits within the drain timeout when requests never complete",
          "[faults][slapd][sigterm]") {
  PrivateSlapd slapd("faults-drain");
  const auto dir = std::filesystem::temp_directory_path() / ("scimgate-drain-" + uniqueSuffix());
  std::filesystem::create_directories(dir);
  struct Wipe {
    std::filesystem::path dir;
    ~Wipe() { std::filesystem::remove_all(dir); }
  } wipe{dir};
  ChildGateway child(SCIMGATE_BINARY, dir.string(), childConfig(slapd.env(), 1000));

  // 12 requests whose bodies never finish: 8 are being read by the workers, 4 wait for one.
  std::vector<Poco::Net::StreamSocket> sockets;
  for (int i = 0; i < 12; ++i) {
    sockets.push_back(connectTo(child.port()));
    sendAll(sockets.back(), "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n" + auth() +
                                "Content-Type: application/scim+json\r\nContent-Length: 100\r\n"
                                "\r\n{\"userName\":");
  }
  std::this_thread::sleep_for(milliseconds(300));
  const auto terminated = Clock::now();
  child.terminate();
  CHECK(child.waitExit(milliseconds(4000)) == 0);
  CHECK(millisSince(terminated) < 2000);
  // Those still waiting for a worker were told to retry.
  int unavailable = 0;
  for (auto& socket : sockets) {
    if (readReply(socket, milliseconds(200)).status == 503) ++unavailable;
  }
  CHECK(unavailable == 4);
}

}  // namespace scimgate::testing
