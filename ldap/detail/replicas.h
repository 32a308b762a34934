#pragma once
// Reads from directory replicas with read-your-writes (issue #19). Internal to ldap/.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ldap/detail/pool.h"

namespace scimgate::ldap::detail {

/// contextCSN values by server id (the third field of a CSN: "<time>#<count>#<sid>#<mod>").
using CsnSet = std::map<std::string, std::string>;

/// Whether `replica` holds everything `providers` did: for each server id, a CSN at least as
/// late (CSNs of one server id order as text).
bool covers(const CsnSet& replica, const CsnSet& providers);

/// The replicas (ldap.readUris), each with a pool of its own, and what is known of how far each
/// has caught up. A background thread reads, every ldap.replicaCheckMs, the contextCSN of every
/// provider (ldap.uris) and remembers it with the time it was read; once a replica's contextCSN
/// covers such a sample, that replica holds every write the providers had acknowledged at that
/// time. A replica's pool connects to that replica only, so a read never lands on another
/// replica than the one checked.
class Replicas {
 public:
  Replicas(Pool& providers, const Settings& settings);
  ~Replicas();
  Replicas(const Replicas&) = delete;
  Replicas& operator=(const Replicas&) = delete;

  /// The pool of the first replica (in ldap.readUris order) a read of a client that last wrote
  /// at `writtenAtMs` (unix ms; 0: never) may go to, else null (the read goes to the providers).
  Pool* forRead(std::int64_t writtenAtMs);

  /// Allowance for the instances' clocks: a write recorded at W by another instance counts as
  /// held by a replica only once it has caught up to W plus this.
  static constexpr std::int64_t kClockAllowanceMs = 1000;

 private:
  struct Sample {
    std::int64_t at = 0;
    CsnSet csns;
  };
  /// One replica: its pool, its check connection, and the provider states it does not hold yet.
  struct Replica {
    Replica(const Settings& settings, Stats& counters);
    Pool pool;
    LdapHandle connection;       // the watcher's own
    std::deque<Sample> samples;  // the watcher's own
    /// Latest time (unix ms) whose provider state the replica is known to hold; 0 while unknown.
    std::atomic<std::int64_t> caughtUpTo{0};
  };
  void watch();
  /// The contextCSN of the database (ldap.baseDn) on `ld`; nullopt when it cannot be read.
  std::optional<CsnSet> contextCsns(LDAP* ld) const;
  /// Reads it from `uris[index]` of `pool` over `connection`, opened (or reopened) as needed.
  std::optional<CsnSet> readFrom(Pool& pool, std::size_t index, LdapHandle& connection);

  Pool& providers_;
  Settings settings_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<LdapHandle> providerConnections_;  // the watcher's own
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread watcher_;
};

/// The client-write time of the reads this thread may send to a replica (ldap::ReplicaReads);
/// none: every operation goes to the providers.
inline std::optional<std::int64_t>& replicaReadsAfter() {
  thread_local std::optional<std::int64_t> writtenAtMs;
  return writtenAtMs;
}

}  // namespace scimgate::ldap::detail
