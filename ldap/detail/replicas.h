#pragma once
// Reads from directory replicas with read-your-writes (issue #19). Internal to ldap/.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
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

/// The replica pool (ldap.readUris) and what is known of how far it has caught up. A background
/// thread reads, every ldap.replicaCheckMs, the contextCSN of every provider (ldap.uris) and
/// remembers it with the time it was read; once the replica's contextCSN covers such a sample,
/// the replica holds every write the providers had acknowledged at that time.
class Replicas {
 public:
  Replicas(Pool& providers, const Settings& settings);
  ~Replicas();
  Replicas(const Replicas&) = delete;
  Replicas& operator=(const Replicas&) = delete;

  /// The replica pool when a read of a client that last wrote at `writtenAtMs` (unix ms; 0:
  /// never) may go there, else null (the read goes to the providers).
  Pool* forRead(std::int64_t writtenAtMs);
  /// Latest time (unix ms) whose provider state the replica is known to hold; 0 while unknown.
  std::int64_t caughtUpTo() const { return caughtUpTo_.load(std::memory_order_acquire); }

  /// Allowance for the instances' clocks: a write recorded at W by another instance counts as
  /// held by the replica only once it has caught up to W plus this.
  static constexpr std::int64_t kClockAllowanceMs = 1000;

 private:
  struct Sample {
    std::int64_t at = 0;
    CsnSet csns;
  };
  void watch();
  /// The contextCSN of the database (ldap.baseDn) on `ld`; nullopt when it cannot be read.
  std::optional<CsnSet> contextCsns(LDAP* ld) const;
  /// Reads it from `uris[index]` of `pool` over `connection`, opened (or reopened) as needed.
  std::optional<CsnSet> readFrom(Pool& pool, std::size_t index, LdapHandle& connection);

  Pool& providers_;
  Settings settings_;
  Pool pool_;  // the replicas, counting into the providers' stats
  std::atomic<std::int64_t> caughtUpTo_{0};
  std::deque<Sample> samples_;  // the watcher's own: provider states not yet seen on the replica
  std::vector<LdapHandle> providerConnections_;
  LdapHandle replicaConnection_;
  int replicaIndex_ = -1;
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
