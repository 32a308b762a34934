#pragma once
// What the directory counts about its LDAP traffic, for the gateway's /metrics: plain atomics
// that ldap/ fills in where it calls libldap and that others only read.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace scimgate::ldap {

/// The LDAP operations counted (RFC 4511), as libldap calls them.
enum class OpKind { Search, Add, Modify, Delete, Bind, Compare, Extended };
inline constexpr std::size_t kOpKinds = 7;
/// Label values, indexed by OpKind.
inline constexpr std::array<const char*, kOpKinds> kOpKindNames = {
    "search", "add", "modify", "delete", "bind", "compare", "extended"};

/// Upper bounds of the operation latency buckets, seconds.
inline constexpr std::array<double, 14> kLatencyBounds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
/// Upper bounds of the group-commit batch size buckets, member changes per modify.
inline constexpr std::array<double, 10> kBatchBounds = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};

/// A histogram with fixed bounds: counts[i] observations at most bounds[i] (not cumulative),
/// counts[N] above the last.
template <std::size_t N>
struct FixedHistogram {
  std::array<std::atomic<std::uint64_t>, N + 1> counts{};
  std::atomic<double> sum{0};

  void observe(double value, const std::array<double, N>& bounds) {
    std::size_t i = 0;
    while (i < N && value > bounds[i]) ++i;
    counts[i].fetch_add(1, std::memory_order_relaxed);
    sum.fetch_add(value, std::memory_order_relaxed);
  }
};

/// One process's directory traffic (one pool: the user and group directories share it).
struct Stats {
  std::array<std::atomic<std::uint64_t>, kOpKinds> succeeded{};
  std::array<std::atomic<std::uint64_t>, kOpKinds> failed{};
  std::array<FixedHistogram<kLatencyBounds.size()>, kOpKinds> latency;
  /// Member changes merged into each modify of a group's member values.
  FixedHistogram<kBatchBounds.size()> groupCommitBatch;
  /// The pool: its configured size, connections lent out, open and idle, callers waiting.
  std::atomic<int> poolSize{0};
  std::atomic<int> inUse{0};
  std::atomic<int> idle{0};
  std::atomic<int> waiting{0};
  /// The index in ldap.uris of the directory new connections go to (0: the first; more: failed
  /// over to a later one), -1 before the first connection.
  std::atomic<int> serverIndex{-1};
  /// With ldap.readUris: reads a replica served, reads that went to a provider instead because
  /// the client had written since the replica's last known catch-up (read-your-writes) or the
  /// replica lagged or failed, and how far behind the providers the replica is known to be
  /// (milliseconds; -1 while not known).
  std::atomic<std::uint64_t> replicaReads{0};
  std::atomic<std::uint64_t> providerReads{0};
  std::atomic<std::int64_t> replicaLagMs{-1};

  /// One operation: `ok` when the server answered success (or compareTrue/compareFalse).
  void record(OpKind kind, bool ok, double seconds) {
    const auto i = static_cast<std::size_t>(kind);
    (ok ? succeeded : failed)[i].fetch_add(1, std::memory_order_relaxed);
    latency[i].observe(seconds, kLatencyBounds);
  }
};

}  // namespace scimgate::ldap
