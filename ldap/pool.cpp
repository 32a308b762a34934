#include "ldap/detail/pool.h"

#include <poll.h>
#include <sys/time.h>

namespace scimgate::ldap::detail {
namespace {

timeval toTimeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

// A bound idle connection has nothing to read; if its socket is readable or in error, the server
// closed it (restart, idle timeout) and it must not be reused.
bool looksAlive(LDAP* ld) {
  int fd = -1;
  if (ldap_get_option(ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS || fd < 0) return false;
  pollfd pfd{fd, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, 0);
  return ready == 0;
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
  }
  handle_.reset();
}

Pool::Pool(Settings settings) : settings_(std::move(settings)) {}

// LDAPv3, no referral chasing, the configured network and operation timeouts, and TLS: the
// server's certificate must chain to the configured CA and name the host (ldaps:// or StartTLS).
// LDAP_SUCCESS, or the code of the failed StartTLS.
int Pool::configure(LDAP* ld) const {
  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  const timeval network = toTimeval(settings_.connectTimeoutMs);
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &network);
  const timeval op = toTimeval(settings_.operationTimeoutMs);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op);
  if (!settings_.tlsCaFile.empty()) {
    const int demand = LDAP_OPT_X_TLS_DEMAND;
    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, settings_.tlsCaFile.c_str());
    const int isServer = 0;
    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &isServer);  // this connection's own TLS settings
  }
  if (settings_.startTls) return ldap_start_tls_s(ld, nullptr, nullptr);
  return LDAP_SUCCESS;
}

scim::Result<LdapHandle> Pool::connect() {
  std::string lastError = "no LDAP URI configured";
  for (const auto& uri : settings_.uris) {
    LDAP* raw = nullptr;
    if (int rc = ldap_initialize(&raw, uri.c_str()); rc != LDAP_SUCCESS) {
      lastError = uri + ": " + ldap_err2string(rc);
      continue;
    }
    LdapHandle ld(raw);
    if (const int tls = configure(ld.get()); tls != LDAP_SUCCESS) {
      lastError = uri + ": StartTLS failed: " + ldap_err2string(tls);
      continue;
    }

    berval cred{};
    cred.bv_val = const_cast<char*>(settings_.bindPassword.c_str());
    cred.bv_len = settings_.bindPassword.size();
    const int rc = ldap_sasl_bind_s(ld.get(), settings_.bindDn.c_str(), LDAP_SASL_SIMPLE, &cred,
                                    nullptr, nullptr, nullptr);
    if (rc == LDAP_SUCCESS) return ld;
    // Never include the bind DN or password in what reaches a caller.
    lastError = uri + ": bind failed: " + ldap_err2string(rc);
    if (rc == LDAP_INVALID_CREDENTIALS) break;  // the next replica has the same accounts
  }
  return scim::makeError(scim::ErrorKind::Unavailable, "directory unavailable (" + lastError + ")");
}

int Pool::bindAs(const std::string& dn, const std::string& password,
                 const std::function<int(LDAP*)>& then) {
  int last = LDAP_SERVER_DOWN;
  for (const auto& uri : settings_.uris) {
    LDAP* raw = nullptr;
    if (ldap_initialize(&raw, uri.c_str()) != LDAP_SUCCESS) continue;
    LdapHandle ld(raw);
    if (last = configure(ld.get()); last != LDAP_SUCCESS) continue;
    // An empty password would be an unauthenticated bind (RFC 4513 5.1.2), which "succeeds".
    if (password.empty()) return LDAP_INVALID_CREDENTIALS;
    berval cred{};
    cred.bv_val = const_cast<char*>(password.c_str());
    cred.bv_len = password.size();
    last =
        ldap_sasl_bind_s(ld.get(), dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
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
      if (looksAlive(handle.get())) return Lease(this, std::move(handle));
      sortContexts_.erase(handle.get());
      --open_;  // dead: dropped here, a fresh one is opened below
    }
    if (open_ < settings_.poolSize) {
      ++open_;
      lock.unlock();
      const auto started = std::chrono::steady_clock::now();
      auto fresh = connect();
      lock.lock();
      if (!fresh) {
        --open_;
        // Refused at once (a stopped server): the next caller may simply try again. Failing
        // slowly (a timeout: a hung server or a lost network) is what must not repeat.
        if (std::chrono::steady_clock::now() - started >= kProbeInterval) markUnresponsive();
        return fresh.error();
      }
      return Lease(this, std::move(*fresh));
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= settings_.poolSize) {
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
  probeWake_.notify_all();
  if (!prober_.joinable() && !stopping_) prober_ = std::thread([this] { probe(); });
}

// While the directory is unresponsive: a fresh connection every kProbeInterval, off the request
// path; the first that works goes to the pool and ends the fail-fast.
void Pool::probe() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!unresponsive_) {
      probeWake_.wait(lock);
      continue;
    }
    lock.unlock();
    auto fresh = connect();
    lock.lock();
    if (fresh) {
      unresponsive_ = false;
      if (open_ < settings_.poolSize) {
        ++open_;
        idle_.push_back(std::move(*fresh));
      }
      available_.notify_all();
      continue;
    }
    probeWake_.wait_for(lock, kProbeInterval, [&] { return stopping_; });
  }
}

Pool::~Pool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    probeWake_.notify_all();
  }
  if (prober_.joinable()) prober_.join();
}

void Pool::noteSortContext(LDAP* ld) {
  std::lock_guard lock(mutex_);
  ++sortContexts_[ld];
}

void Pool::release(LdapHandle handle) {
  std::lock_guard lock(mutex_);
  if (auto used = sortContexts_.find(handle.get());
      handle && used != sortContexts_.end() && used->second >= sortContextsPerConnection()) {
    sortContexts_.erase(used);
    handle.reset();  // retired: its sort contexts are freed with it; a fresh one opens on demand
  }
  if (handle) {
    idle_.push_back(std::move(handle));
  } else {
    --open_;
  }
  available_.notify_one();
}

}  // namespace scimgate::ldap::detail
