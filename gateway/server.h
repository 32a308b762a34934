#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "ldap/directory.h"
#include "ldap/group_directory.h"

namespace scimgate::gateway {

class TlsContext;

/// The HTTP front: SCIM endpoints under /scim/v2, /healthz and /readyz. Owns its listener;
/// the directories are borrowed and must outlive the server.
class Server {
 public:
  Server(const config::Config& config, ldap::Directory& directory, ldap::GroupDirectory& groups);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Starts listening; throws Poco::Exception when the address cannot be bound, and
  /// std::runtime_error naming the file when the TLS certificate or key cannot be used.
  void start();
  /// Stops accepting and answers what was received (up to server.drainTimeoutMs), then closes.
  void stop();
  /// The bound port (useful when the config asked for port 0).
  int port() const;
  /// The metrics listener's bound port; 0 without a metrics section.
  int metricsPort() const;
  /// SIGHUP: reads the TLS certificate and key again (new connections use them; on a problem the
  /// old ones stay) and reopens the audit log. Returns what could not be done, one line each.
  std::vector<std::string> reload();
  /// The served certificate's subject and expiry, "" for plain HTTP.
  std::string tlsDescription() const;

 private:
  void startMetrics(std::shared_ptr<const TlsContext> tls);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scimgate::gateway
