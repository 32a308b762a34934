#pragma once
// A gateway on 127.0.0.1 and a free port in front of the CTest fixture's slapd, and a small HTTP
// client for it: what every gateway test needs.

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "gateway/server.h"
#include "ldap/directory.h"

namespace scimgate::testing {

/// The bearer token every test gateway accepts.
inline constexpr char kToken[] = "test-token-0123456789";

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  std::string contentType;

  Poco::JSON::Object::Ptr json() const;
  std::string header(const std::string& name) const;
};

/// An RFC 7644 3.5.2 PatchOp body with these operations (a comma-separated list of JSON objects).
std::string patchBody(const std::string& operations);

/// One HTTP/1.1 request on `session` (plain or HTTPS, maybe already connected); `token` "" sends
/// no Authorization header; `keepAlive` asks the server to keep the connection for the next one.
Reply requestOn(Poco::Net::HTTPClientSession& session,
                const std::map<std::string, std::string>& headers, const std::string& method,
                const std::string& path, const std::string& body, const std::string& token,
                const std::string& contentType = "application/scim+json", bool keepAlive = false);

/// One HTTP/1.1 request to 127.0.0.1:`port` on a fresh connection; `token` "" sends no
/// Authorization header.
Reply httpRequest(int port, const std::map<std::string, std::string>& headers,
                  const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& token = kToken,
                  const std::string& contentType = "application/scim+json");

/// What a test sends HTTP requests to: a gateway in this process, or the binary as a child
/// process (support/child_gateway.h).
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual int port() const = 0;

  /// One request on a fresh connection; `token` "" sends no Authorization header.
  Reply request(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& token = kToken,
                const std::string& contentType = "application/scim+json") const {
    return httpRequest(port(), {}, method, path, body, token, contentType);
  }
  /// The same with extra request headers (If-Match, If-None-Match...).
  Reply requestWith(const std::map<std::string, std::string>& headers, const std::string& method,
                    const std::string& path, const std::string& body = "",
                    const std::string& token = kToken,
                    const std::string& contentType = "application/scim+json") const {
    return httpRequest(port(), headers, method, path, body, token, contentType);
  }
};

class Gateway : public Endpoint {
 public:
  /// `faults`: failures to inject into the directory's steps (ldap/faults.h).
  explicit Gateway(config::Config cfg = defaultConfig(), ldap::Faults faults = {});

  /// Puts a decorator between the gateway and the real user directory, for faults the directory
  /// cannot produce on demand (a failing count, say): `wrap` gets the real one.
  using Wrap = std::function<std::unique_ptr<ldap::Directory>(ldap::Directory& real)>;
  Gateway(config::Config cfg, const Wrap& wrap);

  /// Port 0, the fixture's slapd, kToken, a 64 KiB body limit.
  static config::Config defaultConfig();

  int port() const override { return server_.port(); }
  gateway::Server& server() { return server_; }

 private:
  config::Config config_;
  ldap::Directories directories_;  // users and groups over one pool, as main() wires them
  std::unique_ptr<ldap::Directory> wrapped_;
  gateway::Server server_;
};

/// What this process writes to standard error (the gateway's log lines, written straight to the
/// descriptor) from construction until text(), which puts the old standard error back.
class StandardErrorCapture {
 public:
  StandardErrorCapture();
  ~StandardErrorCapture();
  StandardErrorCapture(const StandardErrorCapture&) = delete;
  StandardErrorCapture& operator=(const StandardErrorCapture&) = delete;
  std::string text();
  /// text(), once it holds `needle` or two seconds have passed: a request's log line is written
  /// after its answer is sent.
  std::string textOnceItHas(const std::string& needle);

 private:
  std::string path_;
  int saved_ = -1;
};

}  // namespace scimgate::testing
