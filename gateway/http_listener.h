#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/ServerSocket.h>

#include <chrono>
#include <memory>

#include "config/config.h"

namespace scimgate::gateway {

class TlsContext;

/// The HTTP/1.1 listener. One thread accepts connections and waits (poll, no worker held) until
/// each has delivered a complete request head, within server.headerTimeoutMs (slower ones get
/// 408 and are closed); `server.threads` workers serve the complete ones. So slow or idle clients
/// never tie up a worker. Refusals of the HTTP layer carry an RFC 7644 error body: 400 for a
/// malformed request line, header or Content-Length, 413 for a Content-Length over
/// server.maxBodyBytes (answered before the body is read), 414 for a request line and 431 for
/// headers over the limits, 503 when server.maxQueued complete requests already wait for a worker.
/// With a TLS context it speaks HTTPS only: the poller also drives each TLS handshake (within the
/// same header timeout) and reads the head ahead; a client that does not speak TLS is closed.
class HttpListener {
 public:
  HttpListener(const Poco::Net::ServerSocket& socket,
               Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
               const config::ServerSettings& settings,
               std::shared_ptr<const TlsContext> tls = nullptr);

  /// New connections use `tls` from now on (a certificate reload); open ones keep theirs.
  void setTls(std::shared_ptr<const TlsContext> tls);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  void start();
  /// Stops accepting and closes connections that have not sent a complete request head; serves
  /// what was received, each answer with Connection: close, for up to `drain`; then answers what
  /// still waits with 503, closes the connections still being served, and returns.
  void stop(std::chrono::milliseconds drain);
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scimgate::gateway
