#include "gateway/server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>

#include "gateway/error_response.h"
#include "gateway/handlers.h"
#include "gateway/http_listener.h"
#include "gateway/log_line.h"
#include "gateway/metrics.h"
#include "gateway/request.h"
#include "gateway/router.h"
#include "gateway/services.h"
#include "gateway/tls.h"

namespace scimgate::gateway {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using scim::ErrorKind;

// Paths that need a credential even when nothing is routed there (401 before 404, so the route
// table is not disclosed to strangers).
bool isApiPath(const std::string& path) {
  for (std::string_view prefix : {"/scim/v2/", "/auth/", "/mfa/", "/invitations/"}) {
    if (path.rfind(prefix, 0) == 0) return true;
  }
  return path == "/scim/v2" || path == "/invitations";
}

// The client's X-Request-Id when it is a plain token (letters, digits, '.', '_', '-', ':', at
// most 128), so that the client's and the gateway's logs can be joined; otherwise a new one.
std::string requestIdFor(const HTTPServerRequest& http) {
  const std::string given = http.get("X-Request-Id", "");  // a copy: get() may return its default
  const bool usable =
      !given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' ||
               c == '-' || c == ':';
      });
  if (usable) return given;
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id(16, '0');
  auto bits = generator();
  for (auto& c : id) {
    c = kDigits[bits & 0x0f];
    bits >>= 4;
  }
  return id;
}

// One JSON line per request: no bodies, no headers, no secrets.
void logLine(const char* level, const std::string& requestId, const std::string& method,
             const std::string& path, int status, std::chrono::steady_clock::time_point started,
             const std::string& message) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", static_cast<double>(micros) / 1000.0);
  std::string line = R"({"time":")" + log::timestamp() + R"(","level":")" + level +
                     R"(","requestId":)" + log::quoted(requestId) + R"(,"method":)" +
                     log::quoted(method) + R"(,"path":)" + log::quoted(path) + R"(,"status":)" +
                     std::to_string(status) + R"(,"ms":)" + ms;
  if (!message.empty()) line += R"(,"message":)" + log::quoted(message);
  log::write(line + "}");
}

// Who calls, whether the route lets them, then the route's handler; `route` becomes the
// matched route's pattern (for /metrics, never the path: ids would make a series per user).
Reply dispatch(Services& services, const Router& router, Request& request, std::string& route) {
  if (auto page = services.console.reply(request.method(), request.path(),
                                         request.header("If-None-Match", ""))) {
    return *page;
  }
  const auto match = router.match(request.method(), request.path());
  if (match.route) route = match.route->pattern;
  if (match.route && match.route->guard == Guard::Public) {
    request.setParams(match.params);
    return match.route->handler(request);
  }
  if (!isApiPath(request.path())) return Router::unmatched({}, request.path());
  auto caller =
      services.access.identify(request.header("Authorization"), request.clientCertificate());
  if (!caller) return errorReply(caller.error());
  request.caller = *caller;
  request.audit.principal = caller->name;
  request.audit.principalId = caller->principal.userId;
  if (caller->enrolmentOnly && !(match.route && match.route->guard == Guard::CallerOrEnrolment)) {
    return request.deny(policy::Decision::forbidden(
        "enrol a second factor first (POST /mfa/totp, then POST /mfa/totp/confirm; or POST "
        "/mfa/code, then POST /mfa/code/confirm), then log in again"));
  }
  if (!match.route) return Router::unmatched(match, request.path());
  request.setParams(match.params);
  if (!services.clientWrites.enabled()) return match.route->handler(request);
  // Directory replicas (ldap.readUris): a reading request may be served by one that holds this
  // client's last write; a writing one goes to the providers and moves that time on.
  const std::string client =
      caller->isPerson() ? "user:" + caller->principal.userId : "client:" + caller->name;
  const bool reads = request.method() == "GET" || request.method() == "HEAD" ||
                     match.route->pattern.ends_with("/.search");
  if (reads) {
    const ldap::ReplicaReads replicas(services.clientWrites.lastWrite(client));
    return match.route->handler(request);
  }
  auto reply = match.route->handler(request);
  services.clientWrites.noteWrite(client);
  return reply;
}

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  RequestHandler(Services& services, const Router& router) : services_(services), router_(router) {}

  void handleRequest(HTTPServerRequest& http, HTTPServerResponse& response) override {
    const auto started = std::chrono::steady_clock::now();
    const std::string requestId = requestIdFor(http);
    const std::string& method = http.getMethod();
    std::string path = "?";
    std::string route = "other";
    std::optional<Request> request;
    Reply reply;
    bool failed = false;
    try {
      request.emplace(http, services_.config.server);
      request->audit.requestId = requestId;
      path = request->path();
      reply = dispatch(services_, router_, *request, route);
      request->drainBody();
    } catch (const Poco::SyntaxException&) {
      reply = errorReply({ErrorKind::InvalidSyntax, "malformed request URI"});
    } catch (const std::exception& e) {
      failed = true;
      logLine("error", requestId, method, path, 500, started, e.what());
      reply = errorReply({ErrorKind::Internal, "internal error"});
    }
    reply.with("X-Request-Id", requestId);
    if (!response.sent()) send(response, reply);
    if (!failed) logLine("info", requestId, method, path, reply.status, started, "");
    services_.metrics.request(
        route, method, reply.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (auto record =
            completeAudit(request ? request->audit : AuditRecord{}, method, path, reply.status)) {
      record->requestId = requestId;
      services_.audit.record(*record);
    }
  }

 private:
  Services& services_;
  const Router& router_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Services& services, const Router& router) : services_(services), router_(router) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new RequestHandler(services_, router_);
  }

 private:
  Services& services_;
  const Router& router_;
};

}  // namespace

struct Server::Impl {
  Impl(const config::Config& config, ldap::Directory& directory, ldap::GroupDirectory& groups)
      : services(config, directory, groups), router(makeRouter(services)) {
    addBulkRoute(router, services);  // it dispatches through this router, at a stable address
  }
  Services services;
  Router router;
  std::unique_ptr<HttpListener> http;
  config::ServerSettings metricsSettings;     // the listener keeps a reference
  std::unique_ptr<HttpListener> metricsHttp;  // null without a metrics section
  std::string tlsDescription;
};

Server::Server(const config::Config& config, ldap::Directory& directory,
               ldap::GroupDirectory& groups)
    : impl_(std::make_unique<Impl>(config, directory, groups)) {}

Server::~Server() { stop(); }

void Server::start() {
  const auto& settings = impl_->services.config.server;
  std::shared_ptr<const TlsContext> tls;
  if (settings.tls.enabled()) {
    auto loaded = TlsContext::load(settings.tls);
    if (!loaded) throw std::runtime_error(loaded.error().detail);
    tls = *loaded;
    impl_->tlsDescription = tls->description();
  }
  Poco::Net::SocketAddress address(settings.listen, static_cast<Poco::UInt16>(settings.port));
  Poco::Net::ServerSocket socket(address, 256);
  impl_->http = std::make_unique<HttpListener>(socket, new Factory(impl_->services, impl_->router),
                                               settings, tls);
  impl_->http->start();
  startMetrics(std::move(tls));
}

// GET /metrics on its own address (README "Metrics"), with the main listener's TLS if any.
void Server::startMetrics(std::shared_ptr<const TlsContext> tls) {
  const auto& wanted = impl_->services.config.metrics;
  if (!wanted.enabled) return;
  auto& settings = impl_->metricsSettings;
  settings = impl_->services.config.server;
  settings.threads = 2;
  settings.maxQueued = 16;
  settings.maxBodyBytes = 1024;
  Poco::Net::SocketAddress address(wanted.listen, static_cast<Poco::UInt16>(wanted.port));
  Poco::Net::ServerSocket socket(address, 16);
  impl_->metricsHttp = std::make_unique<HttpListener>(
      socket, metrics::makeScrapeFactory(impl_->services.metrics, wanted.tokenSha256), settings,
      std::move(tls));
  impl_->metricsHttp->start();
}

std::vector<std::string> Server::reload() {
  std::vector<std::string> problems;
  const auto& settings = impl_->services.config.server;
  if (settings.tls.enabled() && impl_->http) {
    if (auto loaded = TlsContext::load(settings.tls)) {
      impl_->tlsDescription = (*loaded)->description();
      impl_->http->setTls(*loaded);
      if (impl_->metricsHttp) impl_->metricsHttp->setTls(*loaded);
    } else {
      problems.push_back(loaded.error().detail + "; new connections keep the old certificate");
    }
  }
  if (auto reopened = impl_->services.audit.reopen(); !reopened) {
    problems.push_back(reopened.error().detail);
  }
  return problems;
}

std::string Server::tlsDescription() const { return impl_->tlsDescription; }

void Server::stop() {
  if (impl_ && impl_->metricsHttp) {
    impl_->metricsHttp->stop(std::chrono::milliseconds(0));
    impl_->metricsHttp.reset();
  }
  if (!impl_ || !impl_->http) return;
  // Graceful drain: stop accepting, answer what was received, within server.drainTimeoutMs.
  impl_->http->stop(std::chrono::milliseconds(impl_->services.config.server.drainTimeoutMs));
  impl_->http.reset();
}

int Server::port() const { return impl_->http ? impl_->http->port() : 0; }

int Server::metricsPort() const { return impl_->metricsHttp ? impl_->metricsHttp->port() : 0; }

}  // namespace scimgate::gateway
