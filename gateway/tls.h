#pragma once

#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace scimgate::gateway {

/// A client certificate that chained to server.tls.clientCaFile in the handshake: what
/// clientCertificates entries are matched against (never key material).
struct PeerCertificate {
  std::string subject;  // RFC 4514 form, e.g. "CN=workday,O=Example" (config::canonicalSubject)
  std::string sha256;   // SHA-256 of the DER certificate, 64 lower-case hex digits
};

/// The listener's TLS settings made usable: certificate chain and key (checked to match), TLS 1.2
/// or newer, forward-secret AEAD ciphers only, no renegotiation; with clientCaFile, a client
/// certificate is asked for (not required) and one that does not chain to it ends the handshake.
/// Immutable; a reload makes a new one (connections keep theirs).
class TlsContext {
 public:
  /// Reads the files `settings` names; an error names the file and what is wrong with it.
  static Result<std::shared_ptr<const TlsContext>> load(const config::TlsSettings& settings);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* native() const { return ctx_; }
  /// The certificate's subject and expiry, for the start-up log line (no key material).
  const std::string& description() const { return description_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
  std::string description_;
};

/// One server-side TLS connection as a Poco stream socket, so that Poco's HTTP session reads and
/// writes through it. The listener's poller drives the handshake and reads the request head
/// without blocking (the socket is non-blocking then); those bytes stay here and are the first a
/// worker reads. Workers use it blocking, with the socket's receive and send timeouts.
class TlsSocketImpl final : public Poco::Net::StreamSocketImpl {
 public:
  enum class Progress { Done, WantRead, WantWrite, Failed };

  /// Takes ownership of the connected descriptor `fd`.
  TlsSocketImpl(int fd, std::shared_ptr<const TlsContext> context);

  /// Advances the handshake on a non-blocking socket.
  Progress handshake();
  /// Reads what has arrived, without waiting, into the buffer (up to `limit` bytes held).
  /// WantRead: nothing more for now; Done: the buffer holds `limit` bytes; Failed: the peer
  /// closed or broke the connection.
  Progress fill(std::size_t limit);
  /// Decrypted bytes read ahead and not yet consumed.
  std::string_view buffered() const { return buffered_; }
  /// Whether more decrypted bytes may be waiting without the descriptor being readable.
  bool hasPending() const;
  /// After this, reads return end of stream once the buffered bytes are consumed (a request
  /// whose body has no length).
  void endInput() { inputEnded_ = true; }

  int receiveBytes(void* buffer, int length, int flags = 0) override;
  int sendBytes(const void* buffer, int length, int flags = 0) override;
  int available() override;
  void shutdownSend() override;
  void shutdown() override;
  void close() override;
  bool secure() const override { return true; }

  /// The client's certificate once the handshake is done, when it sent one (it was verified
  /// against clientCaFile, or the handshake would have failed).
  std::optional<PeerCertificate> peerCertificate() const;

 protected:
  ~TlsSocketImpl() override;

 private:
  /// TLS close_notify before the TCP side is shut (not after close()).
  void sendCloseNotify();
  std::optional<PeerCertificate> readPeerCertificate() const;

  std::shared_ptr<const TlsContext> context_;
  SSL* ssl_;
  std::string buffered_;
  std::size_t consumed_ = 0;
  bool inputEnded_ = false;
  bool closed_ = false;
  // The client's certificate, read once the handshake is done (one worker at a time uses a
  // connection).
  mutable std::optional<std::optional<PeerCertificate>> peer_;
};

/// The TLS layer of a connection, or nullptr for plain HTTP.
TlsSocketImpl* tlsOf(const Poco::Net::StreamSocket& socket);

}  // namespace scimgate::gateway
