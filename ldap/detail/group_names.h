#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "ldap/detail/text.h"

namespace scimgate::ldap::detail {

/// Values by group DN (compared without regard to case), each valid for `seconds` after it was
/// kept; 0 seconds keeps nothing. Thread-safe; at most kMaxEntries DNs (then it starts over).
template <typename Value>
class KeptByDn {
 public:
  static constexpr std::size_t kMaxEntries = 100000;

  explicit KeptByDn(int seconds) : ttl_(std::chrono::seconds(seconds)) {}
  KeptByDn(const KeptByDn&) = delete;
  KeptByDn& operator=(const KeptByDn&) = delete;

  /// The value kept for `dn` less than `seconds` ago.
  std::optional<Value> find(const std::string& dn) const {
    if (ttl_.count() <= 0) return std::nullopt;
    const std::string key = lower(dn);
    std::lock_guard lock(mutex_);
    const auto it = kept_.find(key);
    if (it == kept_.end() || Clock::now() - it->second.seen >= ttl_) return std::nullopt;
    return it->second.value;
  }
  void keep(const std::string& dn, Value value) {
    if (ttl_.count() <= 0) return;
    std::string key = lower(dn);
    std::lock_guard lock(mutex_);
    if (kept_.size() >= kMaxEntries) kept_.clear();
    kept_[std::move(key)] = Kept{std::move(value), Clock::now()};
  }
  void forget(const std::string& dn) {
    const std::string key = lower(dn);
    std::lock_guard lock(mutex_);
    kept_.erase(key);
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Kept {
    Value value;
    Clock::time_point seen;
  };

  const Clock::duration ttl_;
  mutable std::mutex mutex_;
  std::map<std::string, Kept> kept_;  // by lower-case DN
};

/// What a user's answer shows of a group it is a member of (its memberOf names only the DN).
struct GroupName {
  std::string id;    // the profile's id attribute (entryUUID, objectGUID...)
  std::string name;  // cn
  std::string kind;  // scimgateGroupKind, lower case ("" for a plain LDAP group)
};

/// Group DN -> id, name and kind, kept for ldap.groupCacheSeconds so that reading a user costs
/// one search instead of two (#18). A DN names the same group until that group is deleted or
/// renamed and another takes its DN; this gateway forgets a DN it deletes, renames or creates, so
/// only a group deleted and made again under the same DN by another LDAP client within that time
/// shows its old id. Memberships themselves are never kept: they come fresh from the user's
/// memberOf.
using GroupNames = KeptByDn<GroupName>;

}  // namespace scimgate::ldap::detail
