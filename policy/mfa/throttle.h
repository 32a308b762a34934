#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "policy/mfa/state_store.h"

namespace scimgate::policy::mfa {

/// Limits on password guessing (issue #13; DESIGN 5a).
struct ThrottleSettings {
  int maxFailuresPerUser = 10;      // failed attempts in a row before a userName must wait
  int maxFailuresPerAddress = 100;  // failed attempts from one address within the window; 0 = off
  int addressWindowSeconds = 900;
  int lockoutSeconds = 300;  // how long a throttled userName or address waits
};

/// Throttles password checks (logins, SSO verifications) per userName, known or not, so that
/// throttling tells nothing about which userNames exist, and per client address. The counts live
/// in the state store, so every gateway instance sharing it sees them; without a store, in this
/// process's memory. A userName's count starts again after a success; an address's does not (a
/// guesser with one good account could otherwise reset it), it is counted per window instead.
/// UserNames are kept only as SHA-256 digests of their lower-case form: a password
/// typed into the userName field is not stored readable. Thread-safe.
class LoginThrottle {
 public:
  /// `store` null: counts in this process's memory. `purpose` keeps the counts of different
  /// throttles apart ("login"; "forgot" for password-reset requests).
  LoginThrottle(std::shared_ptr<StateStore> store, ThrottleSettings settings,
                std::string purpose = "login");
  ~LoginThrottle();
  LoginThrottle(const LoginThrottle&) = delete;
  LoginThrottle& operator=(const LoginThrottle&) = delete;

  /// Seconds until an attempt for this userName from this address may be checked; 0 = now.
  Result<std::int64_t> waitSeconds(std::string_view userName, std::string_view address,
                                   std::int64_t now);
  /// Counts one failed attempt (wrong password or code, unknown userName, locked account).
  Result<void> recordFailure(std::string_view userName, std::string_view address, std::int64_t now);
  /// A successful check: the userName's failures in a row start again from zero.
  Result<void> recordSuccess(std::string_view userName);
  /// Clears the userName's count and wait (an administrator unlocked the account).
  Result<void> forgive(std::string_view userName);

  const ThrottleSettings& settings() const { return settings_; }

  class Counters;  // where the counts live (state store or memory)

 private:
  std::unique_ptr<Counters> counters_;
  ThrottleSettings settings_;
  std::string purpose_;
};

}  // namespace scimgate::policy::mfa
