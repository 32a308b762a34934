#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace scimgate::ldap::detail {

/// What a user's answer shows of a group it is a member of (its memberOf names only the DN).
struct GroupName {
  std::string id;    // the profile's id attribute (entryUUID, objectGUID...)
  std::string name;  // cn
  std::string kind;  // scimgateGroupKind, lower case ("" for a plain LDAP group)
};

/// Group DN -> id, name and kind, kept for `seconds` so that reading a user costs one search
/// instead of two (#18). A DN names the same group until that group is deleted or renamed and
/// another takes its DN; this gateway forgets a DN it deletes, renames or creates, so only a group
/// deleted and made again under the same DN by another LDAP client within `seconds` shows its old
/// id. Memberships themselves are never kept: they come fresh from the user's memberOf.
/// Thread-safe; at most kMaxEntries groups (then it starts over).
class GroupNames {
 public:
  static constexpr std::size_t kMaxEntries = 100000;

  explicit GroupNames(int seconds) : ttl_(std::chrono::seconds(seconds)) {}
  GroupNames(const GroupNames&) = delete;
  GroupNames& operator=(const GroupNames&) = delete;

  bool enabled() const { return ttl_.count() > 0; }
  /// The group at `dn` when it was seen less than `seconds` ago.
  std::optional<GroupName> find(const std::string& dn) const;
  void remember(const std::string& dn, GroupName group);
  void forget(const std::string& dn);

 private:
  using Clock = std::chrono::steady_clock;
  struct Kept {
    GroupName group;
    Clock::time_point seen;
  };
  static std::string keyOf(const std::string& dn);

  const Clock::duration ttl_;
  mutable std::mutex mutex_;
  std::map<std::string, Kept> kept_;  // by lower-case DN
};

}  // namespace scimgate::ldap::detail
