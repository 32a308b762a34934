#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "policy/mfa/state_store.h"

namespace scimgate::gateway {

/// When each client (a provisioning client, or a person) last wrote, so that its reads wait for
/// a directory replica that holds the write (read-your-writes, ldap::ReplicaReads): in memory for
/// this instance, and in the state store, when there is one, for every instance sharing it. Only
/// kept when the directory has replicas (ldap.readUris); thread-safe.
class ClientWrites {
 public:
  ClientWrites(bool enabled, std::shared_ptr<policy::mfa::StateStore> store);

  bool enabled() const { return enabled_; }
  /// Unix ms of the client's last write as far as known; 0 for none. When the store cannot say,
  /// now: the read goes to a provider.
  std::int64_t lastWrite(const std::string& client);
  /// The client wrote (or tried to: a failed write may have been applied in part) until now.
  void noteWrite(const std::string& client);

 private:
  bool enabled_;
  std::shared_ptr<policy::mfa::StateStore> store_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> recent_;  // this instance's, pruned as it grows
};

}  // namespace scimgate::gateway
