#include "ldap/detail/group_names.h"

#include <algorithm>
#include <cctype>

namespace scimgate::ldap::detail {

std::string GroupNames::keyOf(const std::string& dn) {
  std::string key = dn;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

std::optional<GroupName> GroupNames::find(const std::string& dn) const {
  if (!enabled()) return std::nullopt;
  const std::string key = keyOf(dn);
  std::lock_guard lock(mutex_);
  const auto it = kept_.find(key);
  if (it == kept_.end() || Clock::now() - it->second.seen >= ttl_) return std::nullopt;
  return it->second.group;
}

void GroupNames::remember(const std::string& dn, GroupName group) {
  if (!enabled()) return;
  std::string key = keyOf(dn);
  std::lock_guard lock(mutex_);
  if (kept_.size() >= kMaxEntries) kept_.clear();
  kept_[std::move(key)] = Kept{std::move(group), Clock::now()};
}

void GroupNames::forget(const std::string& dn) {
  const std::string key = keyOf(dn);
  std::lock_guard lock(mutex_);
  kept_.erase(key);
}

}  // namespace scimgate::ldap::detail
