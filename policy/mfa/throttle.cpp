#include "policy/mfa/throttle.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

namespace scimgate::policy::mfa {

/// The failure counts, with the semantics of StateStore's failures/recordFailure/resetFailures/
/// clearFailures.
class LoginThrottle::Counters {
 public:
  virtual ~Counters() = default;
  virtual Result<FailureRecord> read(const std::string& key) = 0;
  virtual Result<void> add(const std::string& key, std::int64_t now, std::int64_t max,
                           std::int64_t lockoutSeconds) = 0;
  virtual Result<void> reset(const std::string& key) = 0;
  virtual Result<void> clear(const std::string& key) = 0;
};

namespace {

// In the state store: shared by every instance using it.
class StoreCounters final : public LoginThrottle::Counters {
 public:
  explicit StoreCounters(std::shared_ptr<StateStore> store) : store_(std::move(store)) {}
  Result<FailureRecord> read(const std::string& key) override { return store_->failures(key); }
  Result<void> add(const std::string& key, std::int64_t now, std::int64_t max,
                   std::int64_t lockoutSeconds) override {
    auto recorded = store_->recordFailure(key, now, max, lockoutSeconds);
    if (!recorded) return recorded.error();
    return {};
  }
  Result<void> reset(const std::string& key) override { return store_->resetFailures(key); }
  Result<void> clear(const std::string& key) override { return store_->clearFailures(key); }

 private:
  std::shared_ptr<StateStore> store_;
};

// In this process only (no state store configured). Old address windows are dropped as they go
// by, so the map stays as small as the set of recent failures.
class MemoryCounters final : public LoginThrottle::Counters {
 public:
  Result<FailureRecord> read(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto found = records_.find(key);
    return found == records_.end() ? FailureRecord{} : found->second.record;
  }
  Result<void> add(const std::string& key, std::int64_t now, std::int64_t max,
                   std::int64_t lockoutSeconds) override {
    std::lock_guard lock(mutex_);
    dropStale(now);
    auto& entry = records_[key];
    entry.touched = now;
    if (++entry.record.failures >= max) {
      entry.record.failures = 0;
      entry.record.lockedUntil = now + lockoutSeconds;
    }
    return {};
  }
  Result<void> reset(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto found = records_.find(key);
    if (found != records_.end()) found->second.record.failures = 0;
    return {};
  }
  Result<void> clear(const std::string& key) override {
    std::lock_guard lock(mutex_);
    records_.erase(key);
    return {};
  }

 private:
  struct Entry {
    FailureRecord record;
    std::int64_t touched = 0;
  };
  // Entries untouched for a day and not locked any more.
  void dropStale(std::int64_t now) {
    if (now - lastSweep_ < 60) return;
    lastSweep_ = now;
    std::erase_if(records_, [now](const auto& item) {
      const auto& [key, entry] = item;
      return now - entry.touched > 24 * 3600 && entry.record.lockedUntil.value_or(0) <= now;
    });
  }
  std::mutex mutex_;
  std::map<std::string, Entry> records_;
  std::int64_t lastSweep_ = 0;
};

std::string userKey(const std::string& purpose, std::string_view userName) {
  std::string folded(userName);
  std::transform(folded.begin(), folded.end(), folded.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(folded);
  return purpose + "-user:" + Poco::DigestEngine::digestToHex(engine.digest());
}

std::string addressKey(const std::string& purpose, std::string_view address, std::int64_t window) {
  return purpose + "-address:" + std::string(address) + "@" + std::to_string(window);
}

std::int64_t remaining(const FailureRecord& record, std::int64_t now) {
  return record.lockedUntil && *record.lockedUntil > now ? *record.lockedUntil - now : 0;
}

}  // namespace

LoginThrottle::LoginThrottle(std::shared_ptr<StateStore> store, ThrottleSettings settings,
                             std::string purpose)
    : settings_(settings), purpose_(std::move(purpose)) {
  if (store) {
    counters_ = std::make_unique<StoreCounters>(std::move(store));
  } else {
    counters_ = std::make_unique<MemoryCounters>();
  }
}

LoginThrottle::~LoginThrottle() = default;

Result<std::int64_t> LoginThrottle::waitSeconds(std::string_view userName, std::string_view address,
                                                std::int64_t now) {
  auto user = counters_->read(userKey(purpose_, userName));
  if (!user) return user.error();
  std::int64_t wait = remaining(*user, now);
  if (settings_.maxFailuresPerAddress > 0 && !address.empty()) {
    // A lockout started late in the previous window still holds.
    const std::int64_t window = now / settings_.addressWindowSeconds;
    for (std::int64_t w : {window - 1, window}) {
      auto counted = counters_->read(addressKey(purpose_, address, w));
      if (!counted) return counted.error();
      wait = std::max(wait, remaining(*counted, now));
    }
  }
  return wait;
}

Result<void> LoginThrottle::recordFailure(std::string_view userName, std::string_view address,
                                          std::int64_t now) {
  auto user = counters_->add(userKey(purpose_, userName), now, settings_.maxFailuresPerUser,
                             settings_.lockoutSeconds);
  if (!user) return user.error();
  if (settings_.maxFailuresPerAddress > 0 && !address.empty()) {
    return counters_->add(addressKey(purpose_, address, now / settings_.addressWindowSeconds), now,
                          settings_.maxFailuresPerAddress, settings_.lockoutSeconds);
  }
  return {};
}

Result<void> LoginThrottle::recordSuccess(std::string_view userName) {
  return counters_->reset(userKey(purpose_, userName));
}

Result<void> LoginThrottle::forgive(std::string_view userName) {
  return counters_->clear(userKey(purpose_, userName));
}

}  // namespace scimgate::policy::mfa
