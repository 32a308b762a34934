#include "ldap/detail/pool.h"

#include <poll.h>
#include <strings.h>

#include <cstring>

#include "ldap/detail/replicas.h"

namespace scimgate::ldap::detail {
namespace {

// A bound idle connection has nothing to read; if its socket is readable or in error, the server
// closed it (restart, idle timeout) and it must not be reused.
bool looksAlive(LDAP* ld) {
  int fd = -1;
  if (ldap_get_option(ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS || fd < 0) return false;
  pollfd pfd{fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, 0);
  return ready == 0;
}

// libldap calls this once the TCP connection stands and the TLS session is set up, just before
// the handshake: a failure after it is TLS's (certificate or handshake), not a server that is down.
int noteHandshakeStarted(LDAP* /*ld*/, void* /*session*/, void* /*context*/, void* arg) {
  *static_cast<bool*>(arg) = true;
  return 0;
}

bool isLdaps(const std::string& uri) { return strncasecmp(uri.c_str(), "ldaps://", 8) == 0; }

// libldap's own words about the last failure on `ld`, when it has any worth showing (not
// GnuTLS's "(unknown error code)" for a failed host name check, which says nothing).
std::string diagnosticOf(LDAP* ld) {
  char* raw = nullptr;
  std::string text;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &raw) == LDAP_OPT_SUCCESS &&
      raw != nullptr) {
    if (std::strcmp(raw, "(unknown error code)") != 0) text = raw;
    ldap_memfree(raw);
  }
  return text;
}

}  // namespace

bool isConnectionLost(int rc) {
  return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ||
         rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

scim::Error errorFromLdap(int rc, const std::string& context) {
  using scim::ErrorKind;
  const std::string what = context + ": " + ldap_err2string(rc);
  switch (rc) {
    case LDAP_ALREADY_EXISTS:
      return {ErrorKind::Uniqueness, context + ": an entry with this name already exists"};
    case LDAP_CONSTRAINT_VIOLATION:
      // The unique overlay answers constraint violation for a taken uid or mail.
      return {ErrorKind::Uniqueness, context + ": a unique attribute (userName or email) is taken"};
    case LDAP_NO_SUCH_OBJECT:
      return {ErrorKind::NotFound, context + ": no such entry"};
    case LDAP_ASSERTION_FAILED:
      return {ErrorKind::PreconditionFailed, context + ": the resource changed (ETag mismatch)"};
    case LDAP_INVALID_SYNTAX:
    case LDAP_INVALID_DN_SYNTAX:
    case LDAP_OBJECT_CLASS_VIOLATION:
    case LDAP_UNDEFINED_TYPE:
    case LDAP_NAMING_VIOLATION:
    case LDAP_TYPE_OR_VALUE_EXISTS:
      return {ErrorKind::InvalidValue, what};
    case LDAP_SIZELIMIT_EXCEEDED:
    case LDAP_ADMINLIMIT_EXCEEDED:
      return {ErrorKind::TooMany, context + ": too many results; narrow the filter"};
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_STRONG_AUTH_REQUIRED:
      // The gateway's own service account lacks rights: an operator problem, not the caller's.
      return {ErrorKind::Internal, context + ": the directory refused the gateway's account"};
    case LDAP_SERVER_DOWN:
    case LDAP_CONNECT_ERROR:
    case LDAP_TIMEOUT:
    case LDAP_UNAVAILABLE:
    case LDAP_BUSY:
      return {ErrorKind::Unavailable, context + ": the directory is unavailable"};
    default:
      return {ErrorKind::Internal, what};
  }
}

Lease::~Lease() {
  if (pool_ != nullptr) pool_->release(std::move(handle_));
}

void Lease::discard() {
  if (pool_ != nullptr && handle_) {
    std::lock_guard lock(pool_->mutex_);
    pool_->sortContexts_.erase(handle_.get());
    pool_->uriOf_.erase(handle_.get());
  }
  handle_.reset();
}

Pool::Pool(Settings settings, Stats* counters)
    : settings_(std::move(settings)), counters_(counters) {
  stats_.poolSize.store(settings_.poolSize, std::memory_order_relaxed);
  if (!settings_.readUris.empty()) replicas_ = std::make_unique<Replicas>(*this, settings_);
}

Pool* Pool::replicaForRead() {
  const auto& after = replicaReadsAfter();
  if (!replicas_ || !after) return nullptr;
  return replicas_->forRead(*after);
}

// LDAPv3, no referral chasing, the configured network and operation timeouts, and TLS: the
// server's certificate must chain to the configured CA and name the host (ldaps:// or StartTLS).
// LDAP_SUCCESS, LDAP_LOCAL_ERROR when libldap refuses the TLS settings, or the code of the failed
// StartTLS.
int Pool::configure(LDAP* ld, const std::string& uri, TlsProgress& tls) const {
  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  const timeval network = toTimeval(settings_.connectTimeoutMs);
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &network);
  const timeval op = toTimeval(settings_.operationTimeoutMs);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op);
  if (!settings_.startTls && !isLdaps(uri)) return LDAP_SUCCESS;

  // DEMAND, said here and not left to libldap's default (also DEMAND): ldap.conf, ~/.ldaprc or
  // LDAPTLS_REQCERT may lower the default for the whole process, and with "allow" or "never"
  // libldap neither checks the chain nor compares the host name. With DEMAND the certificate must
  // chain to tlsCaFile (empty: the CAs of ldap.conf's TLS_CACERT, or the system's) and name the
  // host as the URI writes it.
  const int demand = LDAP_OPT_X_TLS_DEMAND;
  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
  if (!settings_.tlsCaFile.empty()) {
    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, settings_.tlsCaFile.c_str());
  }
  if (!settings_.tlsCertFile.empty()) {
    ldap_set_option(ld, LDAP_OPT_X_TLS_CERTFILE, settings_.tlsCertFile.c_str());
    ldap_set_option(ld, LDAP_OPT_X_TLS_KEYFILE, settings_.tlsKeyFile.c_str());
  }
  ldap_set_option(ld, LDAP_OPT_X_TLS_CONNECT_CB,
                  reinterpret_cast<void*>(&noteHandshakeStarted));  // NOLINT: libldap's API
  ldap_set_option(ld, LDAP_OPT_X_TLS_CONNECT_ARG, &tls.handshakeStarted);
  // This connection's own TLS context, built from the options above: without it libldap would
  // use the process-wide one, whose chain check follows the process-wide REQUIRE_CERT.
  const int isServer = 0;
  if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &isServer) != LDAP_OPT_SUCCESS) {
    tls.settingsRefused = true;
    return LDAP_LOCAL_ERROR;
  }
  if (settings_.startTls) return ldap_start_tls_s(ld, nullptr, nullptr);
  return LDAP_SUCCESS;
}

// Whether a TLS connection to `uri` works when the directory's certificate is not checked
// (LDAP_OPT_X_TLS_ALLOW: neither its chain nor its names). Only to tell, after a failure, a
// refused certificate from a refused handshake; nothing but an anonymous read of the root DSE is
// sent over it. That read is needed: in TLS 1.3 the server checks the client's certificate after
// the client has finished its handshake, and its refusal arrives with the first answer.
bool Pool::handshakesUnchecked(const std::string& uri) const {
  LDAP* raw = nullptr;
  if (ldap_initialize(&raw, uri.c_str()) != LDAP_SUCCESS) return false;
  LdapHandle ld(raw);
  const int version = LDAP_VERSION3;
  ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
  const timeval network = toTimeval(settings_.connectTimeoutMs);
  ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &network);
  const timeval op = toTimeval(settings_.operationTimeoutMs);
  ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &op);
  const int allow = LDAP_OPT_X_TLS_ALLOW;
  ldap_set_option(ld.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &allow);
  if (!settings_.tlsCertFile.empty()) {
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_CERTFILE, settings_.tlsCertFile.c_str());
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_KEYFILE, settings_.tlsKeyFile.c_str());
  }
  const int isServer = 0;
  if (ldap_set_option(ld.get(), LDAP_OPT_X_TLS_NEWCTX, &isServer) != LDAP_OPT_SUCCESS) return false;
  if (settings_.startTls && ldap_start_tls_s(ld.get(), nullptr, nullptr) != LDAP_SUCCESS) {
    return false;
  }
  char noAttrs[] = LDAP_NO_ATTRS;
  char* attrs[] = {noAttrs, nullptr};
  LDAPMessage* result = nullptr;
  const int rc = ldap_search_ext_s(ld.get(), "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0,
                                   nullptr, nullptr, nullptr, 1, &result);
  MessagePtr owned(result);
  return !isConnectionLost(rc);
}

// Why connecting to `uri` failed at `step` ("StartTLS", "bind"), in words an operator can act on.
// libldap says "Can't contact LDAP server" for a refused certificate as for a stopped server, and
// nothing at all about a host name mismatch (only its debug log does): once the handshake had
// begun, the cause is TLS, and a second handshake without the certificate checks tells which.
std::string Pool::describeFailure(LDAP* ld, const std::string& uri, const char* step, int rc,
                                  const TlsProgress& tls) const {
  if (tls.settingsRefused) {
    return uri +
           ": the TLS settings cannot be used (ldap.tls: the CA file, the client certificate and "
           "key: readable PEM files, the key unencrypted and matching the certificate)";
  }
  std::string text = uri + ": " + step + " failed: " + ldap_err2string(rc);
  if (!tls.handshakeStarted || !isConnectionLost(rc)) return text;
  if (const std::string diagnostic = diagnosticOf(ld); !diagnostic.empty()) {
    text += " (" + diagnostic + ")";
  }
  if (handshakesUnchecked(uri)) {
    return text + "; TLS failed: the directory's certificate was refused: it must chain to " +
           (settings_.tlsCaFile.empty() ? "the system's CAs (no ldap.tls.caFile)"
                                        : "ldap.tls.caFile") +
           " and name the host as the URI writes it";
  }
  return text + "; TLS failed: the directory refused the handshake" +
         (settings_.tlsCertFile.empty()
              ? " (does it demand a client certificate? ldap.tls.certFile)"
              : " (does it trust the CA of ldap.tls.certFile?)");
}

namespace {

// libldap reads each message in two reads (its tag and length, then the rest), each after a
// poll: four reads and three polls for a search's entry and result. A read-ahead layer under
// TLS (or the plain socket) takes in what the directory has sent with one read. libldap adds
// the same layer itself to connectionless LDAP.
void readAhead(LDAP* ld) {
  Sockbuf* sockbuf = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sockbuf) != LDAP_OPT_SUCCESS || sockbuf == nullptr)
    return;
  ber_sockbuf_add_io(sockbuf, &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_PROVIDER, nullptr);
}

}  // namespace

std::vector<std::size_t> Pool::tryOrder() {
  std::size_t first = 0;
  {
    std::lock_guard lock(mutex_);
    first = firstUsable_;
  }
  std::vector<std::size_t> order;
  for (std::size_t i = first; i < settings_.uris.size(); ++i) order.push_back(i);
  for (std::size_t i = 0; i < first && i < settings_.uris.size(); ++i) order.push_back(i);
  return order;
}

scim::Result<LdapHandle> Pool::connectTo(std::size_t index, std::string& error,
                                         bool& credentialsRefused) {
  const std::string& uri = settings_.uris[index];
  credentialsRefused = false;
  LDAP* raw = nullptr;
  if (int rc = ldap_initialize(&raw, uri.c_str()); rc != LDAP_SUCCESS) {
    error = uri + ": " + ldap_err2string(rc);
    return scim::makeError(scim::ErrorKind::Unavailable, error);
  }
  LdapHandle ld(raw);
  TlsProgress tls;
  if (const int rc = configure(ld.get(), uri, tls); rc != LDAP_SUCCESS) {
    error = describeFailure(ld.get(), uri, "StartTLS", rc, tls);
    return scim::makeError(scim::ErrorKind::Unavailable, error);
  }

  berval cred{};
  cred.bv_val = const_cast<char*>(settings_.bindPassword.c_str());
  cred.bv_len = settings_.bindPassword.size();
  threadStats() = &counters();
  const int rc = counted(OpKind::Bind, [&] {
    return ldap_sasl_bind_s(ld.get(), settings_.bindDn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr,
                            nullptr, nullptr);
  });
  if (rc == LDAP_SUCCESS) {
    // `tls` ends here, the connection does not: libldap reconnects by itself when a later
    // operation finds the connection gone, and must not call back into a dead TlsProgress.
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_CONNECT_CB, nullptr);
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_CONNECT_ARG, nullptr);
    readAhead(ld.get());
    return ld;
  }
  // Never include the bind DN or password in what reaches a caller.
  error = describeFailure(ld.get(), uri, "bind", rc, tls);
  credentialsRefused = rc == LDAP_INVALID_CREDENTIALS;
  return scim::makeError(scim::ErrorKind::Unavailable, error);
}

scim::Result<LdapHandle> Pool::connect(std::size_t& uri) {
  std::string lastError = "no LDAP URI configured";
  for (const std::size_t index : tryOrder()) {
    bool credentialsRefused = false;
    auto ld = connectTo(index, lastError, credentialsRefused);
    if (ld) {
      uri = index;
      std::lock_guard lock(mutex_);
      useUri(index);
      return ld;
    }
    if (credentialsRefused) break;  // the next replica has the same accounts
  }
  return scim::makeError(scim::ErrorKind::Unavailable, "directory unavailable (" + lastError + ")");
}

void Pool::useUri(std::size_t uri) {
  firstUsable_ = uri;
  stats_.serverIndex.store(static_cast<int>(uri), std::memory_order_relaxed);
  if (failbackDue()) startWatcher();
}

bool Pool::failbackDue() const { return firstUsable_ > 0 && settings_.failbackSeconds > 0; }

void Pool::adopt(LDAP* ld, std::size_t uri) { uriOf_[ld] = uri; }

void Pool::park(LdapHandle fresh, std::size_t uri) {
  if (open_ >= settings_.poolSize) return;  // full meanwhile: `fresh` is closed
  ++open_;
  adopt(fresh.get(), uri);
  idle_.push_back(std::move(fresh));
}

void Pool::forget(LDAP* ld) {
  sortContexts_.erase(ld);
  uriOf_.erase(ld);
  --open_;
}

int Pool::bindAs(const std::string& dn, const std::string& password,
                 const std::function<int(LDAP*)>& then) {
  int last = LDAP_SERVER_DOWN;
  for (const std::size_t index : tryOrder()) {
    const std::string& uri = settings_.uris[index];
    LDAP* raw = nullptr;
    if (ldap_initialize(&raw, uri.c_str()) != LDAP_SUCCESS) continue;
    LdapHandle ld(raw);
    TlsProgress tls;
    if (last = configure(ld.get(), uri, tls); last != LDAP_SUCCESS) continue;
    // An empty password would be an unauthenticated bind (RFC 4513 5.1.2), which "succeeds".
    if (password.empty()) return LDAP_INVALID_CREDENTIALS;
    berval cred{};
    cred.bv_val = const_cast<char*>(password.c_str());
    cred.bv_len = password.size();
    threadStats() = &counters();
    last = counted(OpKind::Bind, [&] {
      return ldap_sasl_bind_s(ld.get(), dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr,
                              nullptr);
    });
    if (last == LDAP_SUCCESS && then) return then(ld.get());
    if (!isConnectionLost(last)) return last;
  }
  return last;
}

scim::Result<Lease> Pool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.acquireTimeoutMs);
  while (true) {
    // A hung or dead directory: answer at once instead of tying up a request thread for the
    // operation timeout. The probe thread finds out when it is back.
    if (unresponsive_) {
      return scim::makeError(scim::ErrorKind::Unavailable,
                             "the directory is not answering; retry shortly");
    }
    while (!idle_.empty()) {
      LdapHandle handle = std::move(idle_.back());
      idle_.pop_back();
      if (looksAlive(handle.get())) {
        publish();
        return Lease(this, std::move(handle));
      }
      forget(handle.get());  // dead: dropped here, a fresh one is opened below
    }
    if (open_ < settings_.poolSize) {
      ++open_;
      publish();
      lock.unlock();
      const auto started = std::chrono::steady_clock::now();
      std::size_t uri = 0;
      auto fresh = connect(uri);
      lock.lock();
      if (!fresh) {
        --open_;
        // Refused at once (a stopped server): the next caller may simply try again. Failing
        // slowly (a timeout: a hung server or a lost network) is what must not repeat.
        if (std::chrono::steady_clock::now() - started >= kProbeInterval) markUnresponsive();
        publish();
        return fresh.error();
      }
      adopt(fresh->get(), uri);
      return Lease(this, std::move(*fresh));
    }
    stats_.waiting.fetch_add(1, std::memory_order_relaxed);
    const auto waited = available_.wait_until(lock, deadline);
    stats_.waiting.fetch_sub(1, std::memory_order_relaxed);
    if (waited == std::cv_status::timeout && idle_.empty() && open_ >= settings_.poolSize) {
      return scim::makeError(scim::ErrorKind::Unavailable,
                             "all directory connections are busy; retry shortly");
    }
  }
}

void Pool::noteUnresponsive() {
  std::lock_guard lock(mutex_);
  markUnresponsive();
}

void Pool::markUnresponsive() {
  unresponsive_ = true;
  available_.notify_all();  // waiters fail at once
  startWatcher();
}

void Pool::startWatcher() {
  probeWake_.notify_all();
  if (!prober_.joinable() && !stopping_) prober_ = std::thread([this] { probe(); });
}

// While the directory is unresponsive: a fresh connection every kProbeInterval, off the request
// path; the first that works goes to the pool and ends the fail-fast. After a failover: every
// failbackSeconds, the earlier URIs (failBack).
void Pool::probe() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!unresponsive_) {
      if (!failbackDue()) {
        probeWake_.wait(lock);
        continue;
      }
      const std::size_t from = firstUsable_;
      probeWake_.wait_for(lock, std::chrono::seconds(settings_.failbackSeconds),
                          [&] { return stopping_ || unresponsive_ || firstUsable_ != from; });
      if (!stopping_ && !unresponsive_ && failbackDue()) failBack(lock);
      continue;
    }
    lock.unlock();
    std::size_t uri = 0;
    auto fresh = connect(uri);
    lock.lock();
    if (fresh) {
      unresponsive_ = false;
      park(std::move(*fresh), uri);
      publish();
      available_.notify_all();
      continue;
    }
    probeWake_.wait_for(lock, kProbeInterval, [&] { return stopping_; });
  }
}

// One try of each URI before the one in use, in order, off the request path. The first that
// answers becomes the one in use: idle connections to later URIs are closed now, lent ones when
// they come back (release), and the fresh connection joins the pool.
void Pool::failBack(std::unique_lock<std::mutex>& lock) {
  const std::size_t current = firstUsable_;
  lock.unlock();
  for (std::size_t index = 0; index < current; ++index) {
    std::string error;
    bool credentialsRefused = false;
    auto fresh = connectTo(index, error, credentialsRefused);
    if (!fresh) continue;
    lock.lock();
    if (firstUsable_ != current || unresponsive_) return;  // things moved on meanwhile
    useUri(index);
    std::erase_if(idle_, [&](LdapHandle& idle) {
      if (uriOf_[idle.get()] <= index) return false;
      forget(idle.get());
      return true;
    });
    park(std::move(*fresh), index);
    publish();
    available_.notify_all();
    return;
  }
  lock.lock();
}

Pool::~Pool() {
  replicas_.reset();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    probeWake_.notify_all();
  }
  if (prober_.joinable()) prober_.join();
}

// Connections being opened count as in use: a request waits on them.
void Pool::publish() {
  const int idle = static_cast<int>(idle_.size());
  stats_.idle.store(idle, std::memory_order_relaxed);
  stats_.inUse.store(open_ - idle, std::memory_order_relaxed);
}

void Pool::noteSortContext(LDAP* ld) {
  std::lock_guard lock(mutex_);
  ++sortContexts_[ld];
}

void Pool::release(LdapHandle handle) {
  std::lock_guard lock(mutex_);
  LDAP* const ld = handle.get();
  if (auto used = sortContexts_.find(ld);
      handle && used != sortContexts_.end() && used->second >= sortContextsPerConnection()) {
    handle.reset();  // retired: its sort contexts are freed with it; a fresh one opens on demand
  }
  if (auto uri = uriOf_.find(ld); handle && uri != uriOf_.end() && uri->second > firstUsable_) {
    handle.reset();  // to a URI the pool has moved back from (failback)
  }
  if (handle) {
    idle_.push_back(std::move(handle));
  } else {
    forget(ld);
  }
  publish();
  available_.notify_one();
}

}  // namespace scimgate::ldap::detail
