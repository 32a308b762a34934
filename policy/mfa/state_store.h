#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace scimgate::policy::mfa {

/// Where the MFA state lives (DESIGN 6: SQLite file by default, PostgreSQL for several instances).
struct StoreSettings {
  std::string kind = "sqlite";  // "sqlite" or "postgres"
  std::string path;             // sqlite: database file, created when missing
  std::string postgres;         // postgres: libpq conninfo ("host=... port=... dbname=...")
};

enum class TotpState { Pending, Active };

/// One TOTP secret as stored: `sealedSecret` is the AES-GCM envelope from secret_box.h, never the
/// plain secret.
struct TotpRecord {
  TotpState state = TotpState::Pending;
  std::string sealedSecret;
  std::optional<std::int64_t> lastStep;  // last accepted RFC 6238 time step
};

/// One backup code as stored: only its salted slow hash (backup_codes.h).
struct StoredBackupCode {
  std::int64_t id = 0;
  std::string hash;
  bool used = false;
};

/// Second-factor throttling state of one user.
struct FailureRecord {
  std::int64_t failures = 0;                // failures since the last success or lockout
  std::optional<std::int64_t> lockedUntil;  // unix seconds; locked while now < lockedUntil
};

/// What a single-use token stands for (issue #14). Only a token's hash is stored.
enum class TokenKind {
  Invitation,     // accept an invitation: set the first password, Pending -> Active
  PasswordReset,  // set a new password after "forgot password" or an administrator's reset link
  LoginCode,      // a one-time second-factor code sent by email or SMS (hash includes the user id)
};

/// "invitation", "reset", "login-code": the stored and audited name.
std::string_view tokenKindName(TokenKind kind);

/// One stored token.
struct TokenRecord {
  std::string userId;
  std::int64_t createdAt = 0;
  std::int64_t expiresAt = 0;             // unix seconds; usable while now < expiresAt
  std::optional<std::int64_t> usedAt;     // set once used
  std::optional<std::int64_t> revokedAt;  // set when voided (revoked, resent, superseded)
};

/// The outcome of presenting a token.
enum class TokenUse { Accepted, Unknown, Expired, Used, Revoked };

/// What using a token did: Accepted with the user it belongs to, or why not (userId is set for
/// Expired, Used and Revoked too, for the audit trail).
struct TokenClaim {
  TokenUse use = TokenUse::Unknown;
  std::string userId;
};

/// A second factor that is a code sent to the person (issue #14): by email, or by SMS through
/// the webhook.
enum class CodeChannel { Email, Sms };

/// One message of the outgoing-mail outbox as stored (mail/outbox.h speaks for it).
struct OutboxRecord {
  std::int64_t id = 0;
  std::string channel;  // "email" or "sms"
  std::string recipient;
  std::string subject;
  std::string text;
  std::string html;
  std::int64_t attempts = 0;  // delivery attempts before the current one
};

/// Persistent MFA state, keyed by the user's SCIM id (the failure counts also by login throttling's
/// own keys, see throttle.h). Implementations are thread-safe, and every
/// "use once" operation is a single conditional write, atomic across processes sharing the store.
/// Failures are returned (kind Unavailable or Internal), never thrown; details carry no secrets.
class StateStore {
 public:
  virtual ~StateStore() = default;

  /// Stores a new pending TOTP secret for the user, replacing a previous pending one (the active
  /// secret, if any, stays in force until the new one is activated).
  virtual Result<void> putPendingTotp(std::string_view userId, std::string_view sealedSecret,
                                      std::int64_t now) = 0;
  /// The user's TOTP secret in that state, or nullopt.
  virtual Result<std::optional<TotpRecord>> findTotp(std::string_view userId, TotpState state) = 0;
  /// Records `step` as used for the secret `sealedSecret` in `state`, only when it is later than
  /// the last used step. True when this caller won; false when the step (or a later one) was
  /// already used or the secret was replaced meanwhile.
  virtual Result<bool> claimTotpStep(std::string_view userId, TotpState state,
                                     std::string_view sealedSecret, std::int64_t step) = 0;
  /// Makes the pending secret `sealedSecret` the active one (replacing the old active secret) in
  /// one transaction. False when that pending secret is no longer there.
  virtual Result<bool> activateTotp(std::string_view userId, std::string_view sealedSecret) = 0;
  /// Removes the user's pending and active TOTP secrets.
  virtual Result<void> removeTotp(std::string_view userId) = 0;

  /// Replaces the user's backup codes with `hashes` (a new generation) in one transaction: codes
  /// of earlier generations stop working. Returns the new generation (1, 2, ...).
  virtual Result<std::int64_t> replaceBackupCodes(std::string_view userId,
                                                  const std::vector<std::string>& hashes,
                                                  std::int64_t now) = 0;
  /// The user's current backup codes, used ones included.
  virtual Result<std::vector<StoredBackupCode>> backupCodes(std::string_view userId) = 0;
  /// Marks the code used if it is still unused: true for exactly one caller.
  virtual Result<bool> consumeBackupCode(std::int64_t codeId, std::int64_t now) = 0;
  /// How many of the user's current backup codes are unused.
  virtual Result<std::int64_t> countUnusedBackupCodes(std::string_view userId) = 0;

  /// The user's throttling state (zero failures when none is stored).
  virtual Result<FailureRecord> failures(std::string_view userId) = 0;
  /// Counts one failure atomically; when the count reaches `maxFailures` the user is locked until
  /// `now + lockoutSeconds` and the count starts again. True when this failure started a lockout.
  virtual Result<bool> recordFailure(std::string_view userId, std::int64_t now,
                                     std::int64_t maxFailures, std::int64_t lockoutSeconds) = 0;
  /// Clears the failure count (after a success); an active lockout is left in place.
  virtual Result<void> resetFailures(std::string_view userId) = 0;
  /// Forgets the count and the lockout (an administrator's unlock).
  virtual Result<void> clearFailures(std::string_view userId) = 0;

  /// Stores a new token (its hash) for the user, usable until `expiresAt`.
  virtual Result<void> putToken(TokenKind kind, std::string_view hash, std::string_view userId,
                                std::int64_t now, std::int64_t expiresAt) = 0;
  /// The token with this hash, or nullopt.
  virtual Result<std::optional<TokenRecord>> findToken(TokenKind kind, std::string_view hash) = 0;
  /// Uses the token up if it is still usable at `now`: one conditional write, so of concurrent
  /// callers (in any process) exactly one gets Accepted.
  virtual Result<TokenClaim> useToken(TokenKind kind, std::string_view hash, std::int64_t now) = 0;
  /// Voids every usable token of that kind of the user; how many there were.
  virtual Result<std::int64_t> revokeTokens(TokenKind kind, std::string_view userId,
                                            std::int64_t now) = 0;
  /// The user's most recent token of that kind (usable or not), or nullopt.
  virtual Result<std::optional<TokenRecord>> latestToken(TokenKind kind,
                                                         std::string_view userId) = 0;

  /// Sessions of the user issued before `time` (the gateway uses unix milliseconds) are no longer
  /// accepted (a password reset ends them). A later call moves the time forward, never back.
  virtual Result<void> endSessionsBefore(std::string_view userId, std::int64_t time) = 0;
  /// The time before which the user's sessions are void, or nullopt when none was set.
  virtual Result<std::optional<std::int64_t>> sessionsValidAfter(std::string_view userId) = 0;

  /// Records that the client `client` (a provisioning client or a person) wrote at `time` (unix
  /// ms): reads from directory replicas wait for the replica to hold it. Never moves back.
  virtual Result<void> noteClientWrite(std::string_view client, std::int64_t time) = 0;
  /// The time of the client's last recorded write, or nullopt.
  virtual Result<std::optional<std::int64_t>> lastClientWrite(std::string_view client) = 0;

  /// Turns the code-by-message second factor on (a channel) or off (nullopt) for the user.
  virtual Result<void> setCodeFactor(std::string_view userId, std::optional<CodeChannel> channel,
                                     std::int64_t now) = 0;
  /// The user's code-by-message second factor, or nullopt when it is off.
  virtual Result<std::optional<CodeChannel>> codeFactor(std::string_view userId) = 0;

  /// Adds a message to the outbox, due at once; its id.
  virtual Result<std::int64_t> enqueueMessage(const OutboxRecord& message, std::int64_t now) = 0;
  /// Claims up to `limit` due messages (mail::Outbox::claimDue).
  virtual Result<std::vector<OutboxRecord>> claimDueMessages(std::int64_t now,
                                                             std::int64_t leaseSeconds,
                                                             std::size_t limit) = 0;
  /// The message was delivered. Its body is dropped: it may carry a link or code, which must not
  /// stay readable in the store once the person has it.
  virtual Result<void> markMessageSent(std::int64_t id, std::int64_t now) = 0;
  /// Delivery failed: due again at `nextAttempt`, or given up (nullopt; the body is dropped).
  virtual Result<void> markMessageFailed(std::int64_t id, std::optional<std::int64_t> nextAttempt,
                                         const std::string& error) = 0;
  /// Messages neither sent nor given up.
  virtual Result<std::int64_t> pendingMessages() = 0;

  /// The schema version the store is at (migrations are applied when it is opened).
  virtual Result<int> schemaVersion() = 0;
};

/// Opens (creating or migrating as needed) the store `settings` describes. Unknown kind or missing
/// path/conninfo: InvalidValue; database unreachable or unusable: Unavailable.
Result<std::unique_ptr<StateStore>> openStateStore(const StoreSettings& settings);

/// The newest schema version this build knows; a store at a newer version is refused.
inline constexpr int kSchemaVersion = 3;

}  // namespace scimgate::policy::mfa
