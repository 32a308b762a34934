#pragma once

#include <ldap.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ldap/settings.h"
#include "ldap/stats.h"
#include "scim/result.h"

namespace scimgate::ldap::detail {

struct LdapDeleter {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageDeleter {
  void operator()(LDAPMessage* msg) const { ldap_msgfree(msg); }
};
using LdapHandle = std::unique_ptr<LDAP, LdapDeleter>;
using MessagePtr = std::unique_ptr<LDAPMessage, MessageDeleter>;

/// Whether a libldap result code means the connection is gone (and a fresh one may succeed).
bool isConnectionLost(int rc);

/// Maps a libldap result code to an error kind (RFC 4511 appendix A), with a detail safe to show.
scim::Error errorFromLdap(int rc, const std::string& context);

class Pool;
class Replicas;

/// `ms` milliseconds as the timeval libldap's timeouts take.
inline timeval toTimeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

/// A bound connection borrowed from the pool; returned on destruction. Call `discard()` when an
/// operation showed the connection is dead so the pool reconnects instead of reusing it.
class Lease {
 public:
  Lease(Pool* pool, LdapHandle handle) : pool_(pool), handle_(std::move(handle)) {}
  Lease(Lease&& other) noexcept : pool_(other.pool_), handle_(std::move(other.handle_)) {
    other.pool_ = nullptr;
  }
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  /// The connection; operations on it in this thread are counted in its pool's stats (counted).
  LDAP* get() const;
  void discard();

 private:
  Pool* pool_;
  LdapHandle handle_;
};

/// A fixed-size pool of bound connections. Connections are opened lazily, tried against each URI
/// in order (failover), and checked before reuse: one the server has closed (after a restart) is
/// replaced transparently. After a failover new connections go to the URI that answered first;
/// every ldap.failbackSeconds a background check tries the earlier URIs again, and once one
/// answers the pool moves back to it (failback): connections to later URIs are closed as they
/// come back.
class Pool {
 public:
  /// `counters`, when set, counts this pool's operations instead of its own stats (a replica
  /// pool counts into its providers' pool). With settings.readUris, a replica pool is made too.
  explicit Pool(Settings settings, Stats* counters = nullptr);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// A bound connection, or Unavailable when no URI answers or none is free in time. While the
  /// directory is marked unresponsive this fails at once; a background probe tries a fresh
  /// connection every kProbeInterval and clears the mark when one works.
  scim::Result<Lease> acquire();

  /// Marks the directory unresponsive: an operation timed out (a hung server; a connection
  /// attempt that fails slowly does the same). Callers waiting for a connection are woken and
  /// fail at once.
  void noteUnresponsive();
  static constexpr std::chrono::milliseconds kProbeInterval{500};

  const Settings& settings() const { return settings_; }
  /// The traffic of this pool's connections and its gauges (ldap/stats.h).
  Stats& stats() { return stats_; }
  const Stats& stats() const { return stats_; }
  /// Where this pool's operations are counted.
  Stats& counters() { return counters_ != nullptr ? *counters_ : stats_; }

  /// The replica pool a read-only operation on this thread may use now (ldap::ReplicaReads,
  /// Replicas::forRead), or null: use this pool.
  Pool* replicaForRead();

  /// A bound connection to uris[index], outside the pool; on failure `error` says why, and
  /// `credentialsRefused` whether the bind was refused (the other URIs have the same accounts).
  scim::Result<LdapHandle> connectTo(std::size_t index, std::string& error,
                                     bool& credentialsRefused);

  /// Binds a fresh, unpooled connection as `dn` with `password` and closes it: the libldap code
  /// (LDAP_SUCCESS, LDAP_INVALID_CREDENTIALS for a wrong password, unknown DN or locked account).
  /// `then`, when set, runs on the connection after a successful bind, and its code is returned.
  int bindAs(const std::string& dn, const std::string& password,
             const std::function<int(LDAP*)>& then = {});

  /// Records that a search on `ld` opened a server-side sort context (a VLV page). slapd's sssvlv
  /// keeps each one until the connection closes and answers busy beyond sssvlv-maxperconn (16 by
  /// default) per connection or sssvlv-max in all, and a context cannot be reused for a new
  /// search (it serves the old result), so the pool closes a connection once it has opened
  /// sortContextsPerConnection() of them.
  void noteSortContext(LDAP* ld);
  static constexpr int kSortContextsPerConnection = 8;
  int sortContextsPerConnection() const {
    return std::max(1, std::min(kSortContextsPerConnection,
                                settings_.sortContexts / std::max(1, settings_.poolSize)));
  }

 private:
  friend class Lease;
  void release(LdapHandle handle);
  /// A bound connection to the first URI that answers, trying them from the one the pool uses
  /// now (firstUsable_) onwards and then the earlier ones; the pool then uses the one that
  /// answered. `uri` is set to its index.
  scim::Result<LdapHandle> connect(std::size_t& uri);
  /// The URI indexes in the order to try them: from firstUsable_ on, then the earlier ones.
  std::vector<std::size_t> tryOrder();
  /// Adds a fresh connection to uris[uri] to the open ones' bookkeeping (mutex_ held).
  void adopt(LDAP* ld, std::size_t uri);
  /// With mutex_ held: a fresh connection to uris[uri] made off the request path joins the idle
  /// ones, if the pool has room for it (else it is closed).
  void park(LdapHandle fresh, std::size_t uri);
  /// With mutex_ held: an open connection (`ld`, null for one already discarded) is gone; its
  /// bookkeeping goes with it.
  void forget(LDAP* ld);
  /// With mutex_ held: the pool now uses uris[uri] (after a failover or failback).
  void useUri(std::size_t uri);
  void startWatcher();       // with mutex_ held: the probe thread, once
  bool failbackDue() const;  // with mutex_ held: a later URI is in use and failback is on
  void failBack(std::unique_lock<std::mutex>& lock);  // the probe thread: try earlier URIs
  /// How far a connection's TLS got, to say why it failed.
  struct TlsProgress {
    bool settingsRefused = false;   // libldap could not build the TLS context (CA, cert or key)
    bool handshakeStarted = false;  // TCP stood and the TLS handshake began
  };
  int configure(LDAP* ld, const std::string& uri, TlsProgress& tls) const;
  bool handshakesUnchecked(const std::string& uri) const;
  std::string describeFailure(LDAP* ld, const std::string& uri, const char* step, int rc,
                              const TlsProgress& tls) const;
  void markUnresponsive();  // with mutex_ held
  void publish();           // with mutex_ held: the pool gauges of stats_
  void probe();             // the probe thread

  Settings settings_;
  Stats stats_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<LdapHandle> idle_;
  std::map<LDAP*, int> sortContexts_;   // per open connection that has opened any
  std::map<LDAP*, std::size_t> uriOf_;  // the index in uris of each open connection's server
  std::size_t firstUsable_ = 0;         // the URI new connections go to first
  int open_ = 0;                        // connections lent out or idle
  bool unresponsive_ = false;           // fail fast until the probe connects
  bool stopping_ = false;
  std::condition_variable probeWake_;
  std::thread prober_;  // started the first time the directory is unresponsive or fails over
  Stats* counters_ = nullptr;
  std::unique_ptr<Replicas> replicas_;  // with settings.readUris; stopped first
};

/// The stats that operations in this thread count into: those of the pool whose connection the
/// thread took last (Lease::get, Pool::bindAs); null before any.
inline Stats*& threadStats() {
  thread_local Stats* stats = nullptr;
  return stats;
}

inline LDAP* Lease::get() const {
  if (pool_ != nullptr) threadStats() = &pool_->counters();
  return handle_.get();
}

/// Runs one libldap operation (`call` returns its result code) and counts it, with its time,
/// in threadStats(): ok for success, compareTrue and compareFalse, error for any other code.
template <class Call>
int counted(OpKind kind, Call&& call) {
  const auto started = std::chrono::steady_clock::now();
  const int rc = call();
  if (Stats* stats = threadStats()) {
    const bool ok = rc == LDAP_SUCCESS || rc == LDAP_COMPARE_TRUE || rc == LDAP_COMPARE_FALSE;
    stats->record(
        kind, ok,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return rc;
}

}  // namespace scimgate::ldap::detail
