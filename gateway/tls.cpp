#include "gateway/tls.h"

#include <Poco/Net/NetException.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "config/distinguished_name.h"

namespace scimgate::gateway {
namespace {

// TLS 1.2 suites with forward secrecy and authenticated encryption (TLS 1.3's are all such).
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's reason for the last failure, emptying its error queue.
std::string lastSslError() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) text += "; ";
    text += buffer.data();
  }
  return text.empty() ? "unknown TLS error" : text;
}

Error fileError(const std::string& key, const std::string& file, const std::string& what) {
  return Error{ErrorKind::InvalidValue, "server.tls." + key + " " + file + ": " + what};
}

// What OpenSSL printed into a memory BIO (freed here).
std::string textOf(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(std::max(0L, size)));
  BIO_free(bio);
  return text;
}

std::string timeText(const ASN1_TIME* time) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "?";
  ASN1_TIME_print(bio, time);
  return textOf(bio);
}

// "CN = scim.example.com, O = Example" (RFC 2253 order reversed, as openssl prints it), or in
// another of openssl's forms (`flags`: XN_FLAG_RFC2253...).
std::string nameText(const X509_NAME* name,
                     unsigned long flags = XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "?";
  X509_NAME_print_ex(bio, name, 0, flags);
  return textOf(bio);
}

}  // namespace

Result<std::shared_ptr<const TlsContext>> TlsContext::load(const config::TlsSettings& settings) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Error{ErrorKind::Internal, "cannot create a TLS context"};
  std::shared_ptr<TlsContext> context(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return Error{ErrorKind::Internal, "TLS cipher list refused: " + lastSslError()};
  }
  for (const auto& [key, file] :
       {std::pair{"certFile", settings.certFile}, std::pair{"keyFile", settings.keyFile}}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      return fileError(key, file, "no such file");
    }
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, settings.certFile.c_str()) != 1) {
    return fileError("certFile", settings.certFile,
                     "not a PEM certificate chain (" + lastSslError() + ")");
  }
  EVP_PKEY* key = nullptr;
  if (FILE* file = std::fopen(settings.keyFile.c_str(), "r")) {
    key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
    std::fclose(file);
  }
  ERR_clear_error();  // a reason may quote the file's contents
  if (key == nullptr) {
    return fileError("keyFile", settings.keyFile,
                     "not a readable PEM private key without a passphrase");
  }
  const bool used = SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  ERR_clear_error();
  if (!used) {
    return fileError("keyFile", settings.keyFile,
                     "does not belong to the certificate in " + settings.certFile);
  }
  if (!settings.clientCaFile.empty()) {
    std::error_code ec;
    STACK_OF(X509_NAME)* names = nullptr;
    if (std::filesystem::is_regular_file(settings.clientCaFile, ec)) {
      names = SSL_load_client_CA_file(settings.clientCaFile.c_str());
    }
    if (names == nullptr ||
        SSL_CTX_load_verify_locations(ctx, settings.clientCaFile.c_str(), nullptr) != 1) {
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      ERR_clear_error();
      return fileError("clientCaFile", settings.clientCaFile,
                       "not a readable PEM file of CA certificates");
    }
    SSL_CTX_set_client_CA_list(ctx, names);  // the context owns the list now
    // Asked for, not required: browsers and token clients connect without one. A certificate
    // that does not chain to clientCaFile (or has expired) ends the handshake.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, nullptr);
    SSL_CTX_set_verify_depth(ctx, 4);
    // Resumed sessions keep the verified certificate; OpenSSL wants a context id for that.
    static constexpr unsigned char kSessionContext[] = "scimgate";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  }
  if (X509* leaf = SSL_CTX_get0_certificate(ctx)) {
    context->description_ = nameText(X509_get_subject_name(leaf)) + ", valid until " +
                            timeText(X509_get0_notAfter(leaf));
  }
  return std::shared_ptr<const TlsContext>(std::move(context));
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsSocketImpl::TlsSocketImpl(int fd, std::shared_ptr<const TlsContext> context)
    : Poco::Net::StreamSocketImpl(fd), context_(std::move(context)), ssl_(nullptr) {
  ssl_ = SSL_new(context_->native());
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd) != 1) {
    throw Poco::IOException("cannot set up TLS on a connection");
  }
  SSL_set_accept_state(ssl_);
}

TlsSocketImpl::~TlsSocketImpl() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

TlsSocketImpl::Progress TlsSocketImpl::handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) return Progress::Done;
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ:
      return Progress::WantRead;
    case SSL_ERROR_WANT_WRITE:
      return Progress::WantWrite;
    default:
      ERR_clear_error();
      return Progress::Failed;
  }
}

TlsSocketImpl::Progress TlsSocketImpl::fill(std::size_t limit) {
  if (consumed_ > 0) {
    buffered_.erase(0, consumed_);
    consumed_ = 0;
  }
  std::array<char, 16384> chunk{};
  while (buffered_.size() < limit) {
    ERR_clear_error();
    const int want = static_cast<int>(std::min(chunk.size(), limit - buffered_.size()));
    const int n = SSL_read(ssl_, chunk.data(), want);
    if (n > 0) {
      buffered_.append(chunk.data(), static_cast<std::size_t>(n));
      continue;
    }
    const int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_WANT_READ) return Progress::WantRead;
    if (error == SSL_ERROR_WANT_WRITE) return Progress::WantWrite;
    ERR_clear_error();
    return Progress::Failed;
  }
  return Progress::Done;
}

bool TlsSocketImpl::hasPending() const {
  return consumed_ < buffered_.size() || SSL_pending(ssl_) > 0;
}

int TlsSocketImpl::receiveBytes(void* buffer, int length, int /*flags*/) {
  if (length <= 0) return 0;
  if (consumed_ < buffered_.size()) {
    const std::size_t n = std::min(static_cast<std::size_t>(length), buffered_.size() - consumed_);
    std::memcpy(buffer, buffered_.data() + consumed_, n);
    consumed_ += n;
    if (consumed_ == buffered_.size()) {
      buffered_.clear();
      consumed_ = 0;
    }
    return static_cast<int>(n);
  }
  if (inputEnded_ || closed_) return 0;
  ERR_clear_error();
  const int n = SSL_read(ssl_, buffer, length);
  if (n > 0) return n;
  switch (SSL_get_error(ssl_, n)) {
    case SSL_ERROR_ZERO_RETURN:
      return 0;  // the client's close_notify
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      // A blocking socket whose receive timeout passed.
      throw Poco::TimeoutException("TLS read timed out");
    case SSL_ERROR_SYSCALL:
      if (errno == EAGAIN || errno == EWOULDBLOCK) throw Poco::TimeoutException("TLS read");
      if (n == 0) return 0;  // closed without close_notify: the end of what was sent
      [[fallthrough]];
    default:
      ERR_clear_error();
      throw Poco::Net::ConnectionResetException("TLS connection broken");
  }
}

int TlsSocketImpl::sendBytes(const void* buffer, int length, int /*flags*/) {
  const char* data = static_cast<const char*>(buffer);
  int sent = 0;
  while (sent < length) {
    if (closed_) throw Poco::Net::ConnectionResetException("TLS connection closed");
    ERR_clear_error();
    const int n = SSL_write(ssl_, data + sent, length - sent);
    if (n > 0) {
      sent += n;
      continue;
    }
    const int error = SSL_get_error(ssl_, n);
    ERR_clear_error();
    if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ ||
        (error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
      throw Poco::TimeoutException("TLS write timed out");
    }
    throw Poco::Net::ConnectionResetException("TLS connection broken");
  }
  return sent;
}

int TlsSocketImpl::available() {
  return static_cast<int>(buffered_.size() - consumed_) + SSL_pending(ssl_);
}

void TlsSocketImpl::sendCloseNotify() {
  if (closed_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // best effort: the peer may be gone
  ERR_clear_error();
}

void TlsSocketImpl::shutdownSend() {
  sendCloseNotify();
  Poco::Net::StreamSocketImpl::shutdownSend();
}

void TlsSocketImpl::shutdown() {
  sendCloseNotify();
  Poco::Net::StreamSocketImpl::shutdown();
}

void TlsSocketImpl::close() {
  closed_ = true;
  Poco::Net::StreamSocketImpl::close();
}

std::optional<PeerCertificate> TlsSocketImpl::peerCertificate() const {
  if (ssl_ == nullptr || !SSL_is_init_finished(ssl_)) return std::nullopt;
  if (!peer_) peer_ = readPeerCertificate();  // once per connection, not per request
  return *peer_;
}

std::optional<PeerCertificate> TlsSocketImpl::readPeerCertificate() const {
  X509* certificate = SSL_get0_peer_certificate(ssl_);
  if (certificate == nullptr || SSL_get_verify_result(ssl_) != X509_V_OK) return std::nullopt;
  auto subject =
      config::canonicalSubject(nameText(X509_get_subject_name(certificate), XN_FLAG_RFC2253));
  unsigned char* der = nullptr;
  const int length = i2d_X509(certificate, &der);
  const std::string bytes =
      length > 0 ? std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length))
                 : std::string();
  OPENSSL_free(der);
  ERR_clear_error();
  if (!subject || bytes.empty()) return std::nullopt;
  return PeerCertificate{*subject, config::sha256Hex(bytes)};
}

TlsSocketImpl* tlsOf(const Poco::Net::StreamSocket& socket) {
  return dynamic_cast<TlsSocketImpl*>(socket.impl());
}

}  // namespace scimgate::gateway
