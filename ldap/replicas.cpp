#include "ldap/detail/replicas.h"

#include <chrono>

#include "ldap/directory.h"

namespace scimgate::ldap {

ReplicaReads::ReplicaReads(std::int64_t writtenAtMs) : previous_(detail::replicaReadsAfter()) {
  detail::replicaReadsAfter() = writtenAtMs;
}

ReplicaReads::~ReplicaReads() { detail::replicaReadsAfter() = previous_; }

}  // namespace scimgate::ldap

namespace scimgate::ldap::detail {
namespace {

std::int64_t unixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The server id of a CSN, "" when it has no third field.
std::string serverIdOf(const std::string& csn) {
  const auto first = csn.find('#');
  if (first == std::string::npos) return {};
  const auto second = csn.find('#', first + 1);
  if (second == std::string::npos) return {};
  const auto third = csn.find('#', second + 1);
  return csn.substr(second + 1,
                    third == std::string::npos ? std::string::npos : third - second - 1);
}

// The settings of one replica's pool: its URI only (no failover to another replica, which
// would serve reads unchecked), no replicas of its own.
Settings replicaSettings(const Settings& settings, const std::string& uri) {
  Settings replica = settings;
  replica.uris = {uri};
  replica.readUris.clear();
  return replica;
}

// Samples kept waiting for the replica: at one per replicaCheckMs, enough for the longest lag
// that still serves reads; a replica further behind drops the oldest (it serves no reads then).
constexpr std::size_t kMaxSamples = 4096;

}  // namespace

bool covers(const CsnSet& replica, const CsnSet& providers) {
  for (const auto& [sid, csn] : providers) {
    const auto held = replica.find(sid);
    if (held == replica.end() || held->second < csn) return false;
  }
  return true;
}

Replicas::Replica::Replica(const Settings& settings, Stats& counters) : pool(settings, &counters) {}

Replicas::Replicas(Pool& providers, const Settings& settings)
    : providers_(providers), settings_(settings), providerConnections_(settings.uris.size()) {
  for (const auto& uri : settings.readUris) {
    replicas_.push_back(
        std::make_unique<Replica>(replicaSettings(settings, uri), providers.stats()));
  }
  watcher_ = std::thread([this] { watch(); });
}

Replicas::~Replicas() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  watcher_.join();
}

Pool* Replicas::forRead(std::int64_t writtenAtMs) {
  const std::int64_t now = unixMillis();
  for (auto& replica : replicas_) {
    const std::int64_t caught = replica->caughtUpTo.load(std::memory_order_acquire);
    const bool fresh = caught != 0 && now - caught <= settings_.replicaMaxLagMs;
    if (fresh && (writtenAtMs == 0 || caught > writtenAtMs + kClockAllowanceMs)) {
      return &replica->pool;
    }
  }
  providers_.stats().providerReads.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

std::optional<CsnSet> Replicas::contextCsns(LDAP* ld) const {
  char attribute[] = "contextCSN";
  char* attrs[] = {attribute, nullptr};
  timeval timeout = toTimeval(settings_.operationTimeoutMs);
  LDAPMessage* raw = nullptr;
  const int rc = ldap_search_ext_s(ld, settings_.baseDn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)",
                                   attrs, 0, nullptr, nullptr, &timeout, 1, &raw);
  MessagePtr result(raw);
  if (rc != LDAP_SUCCESS) return std::nullopt;
  LDAPMessage* entry = ldap_first_entry(ld, result.get());
  if (entry == nullptr) return std::nullopt;
  CsnSet csns;
  berval** values = ldap_get_values_len(ld, entry, attribute);
  for (int i = 0; values != nullptr && values[i] != nullptr; ++i) {
    std::string csn(values[i]->bv_val, values[i]->bv_len);
    auto& held = csns[serverIdOf(csn)];
    if (held < csn) held = std::move(csn);
  }
  ldap_value_free_len(values);
  return csns;
}

std::optional<CsnSet> Replicas::readFrom(Pool& pool, std::size_t index, LdapHandle& connection) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!connection) {
      std::string error;
      bool refused = false;
      auto fresh = pool.connectTo(index, error, refused);
      if (!fresh) return std::nullopt;
      connection = std::move(*fresh);
    }
    if (auto csns = contextCsns(connection.get())) return csns;
    connection.reset();  // lost (a restart): one fresh connection, then give up this round
  }
  return std::nullopt;
}

void Replicas::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    // What the providers hold now: for each server id, the latest CSN any of them has. A
    // provider that does not answer is left out (its writes no one else has are not readable
    // anywhere until it is back).
    const std::int64_t at = unixMillis();
    CsnSet held;
    bool any = false;
    for (std::size_t i = 0; i < providerConnections_.size(); ++i) {
      auto csns = readFrom(providers_, i, providerConnections_[i]);
      if (!csns) continue;
      any = true;
      for (auto& [sid, csn] : *csns) {
        if (held[sid] < csn) held[sid] = csn;
      }
    }
    std::int64_t lag = -1;  // the least known lag of any replica
    for (auto& replica : replicas_) {
      if (any) {
        replica->samples.push_back({at, held});
        if (replica->samples.size() > kMaxSamples) replica->samples.pop_front();
      }
      if (auto csns = readFrom(replica->pool, 0, replica->connection)) {
        std::int64_t caught = 0;
        while (!replica->samples.empty() && covers(*csns, replica->samples.front().csns)) {
          caught = replica->samples.front().at;
          replica->samples.pop_front();
        }
        if (caught != 0) replica->caughtUpTo.store(caught, std::memory_order_release);
      }
      if (const std::int64_t known = replica->caughtUpTo.load(std::memory_order_acquire);
          known != 0 && (lag < 0 || unixMillis() - known < lag)) {
        lag = unixMillis() - known;
      }
    }
    providers_.stats().replicaLagMs.store(lag, std::memory_order_relaxed);
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(settings_.replicaCheckMs),
                   [&] { return stopping_; });
  }
}

}  // namespace scimgate::ldap::detail
