#include "gateway/client_writes.h"

#include <algorithm>
#include <chrono>
#include <iterator>

namespace scimgate::gateway {
namespace {

std::int64_t unixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Entries older than this are dropped from memory once it holds kPruneAt clients: a replica
// this far behind serves no reads anyway (ldap.replicaMaxLagMs is at most an hour).
constexpr std::int64_t kForgetAfterMs = 3'600'000;
constexpr std::size_t kPruneAt = 10'000;

}  // namespace

ClientWrites::ClientWrites(bool enabled, std::shared_ptr<policy::mfa::StateStore> store)
    : enabled_(enabled), store_(std::move(store)) {}

std::int64_t ClientWrites::lastWrite(const std::string& client) {
  std::int64_t known = 0;
  {
    std::lock_guard lock(mutex_);
    if (auto found = recent_.find(client); found != recent_.end()) known = found->second;
  }
  if (!store_) return known;
  auto stored = store_->lastClientWrite(client);
  if (!stored) return unixMillis();  // unknown: as if just now, so the providers answer
  return std::max(known, stored->value_or(0));
}

void ClientWrites::noteWrite(const std::string& client) {
  const std::int64_t now = unixMillis();
  {
    std::lock_guard lock(mutex_);
    if (recent_.size() >= kPruneAt) {
      std::erase_if(recent_,
                    [&](const auto& entry) { return now - entry.second > kForgetAfterMs; });
    }
    recent_[client] = now;
  }
  // A failure leaves only this instance knowing: its own reads still wait for the replica.
  if (store_) (void)store_->noteClientWrite(client, now);
}

}  // namespace scimgate::gateway
