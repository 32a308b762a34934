#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/mfa/state_store.h"

namespace scimgate::policy::mfa {

/// MFA policy (DESIGN 6). Codes are always 6 digits, SHA1, 30 s (kTotpDigits, totp.h).
struct MfaSettings {
  unsigned window = 1;           // accepted steps either side of the current one (0..10)
  std::int64_t maxFailures = 5;  // failed second factors before a lockout
  std::int64_t lockoutSeconds = 15 * 60;
  std::size_t backupCodeCount = 10;          // codes per generateBackupCodes call (1..100)
  unsigned pbkdf2Iterations = 10000;         // for new backup codes
  std::string issuer = "scimgate";           // otpauth issuer when enrollTotp is given none
  std::vector<unsigned char> encryptionKey;  // 32 bytes (parseEncryptionKey), encrypts secrets
};

/// What enrolment shows the user once (DESIGN 5a: POST /mfa/totp).
struct TotpEnrolment {
  std::string secretBase32;
  std::string otpauthUri;
  std::string qrSvg;
};

/// The user's MFA summary (DESIGN 5a: the extension's readOnly `mfa`).
struct MfaStatus {
  bool totpEnrolled = false;  // an active (confirmed) TOTP secret
  std::int64_t backupCodesRemaining = 0;
  /// The code-by-message factor (issue #14), when the user turned it on.
  std::optional<CodeChannel> codeChannel;

  bool hasSecondFactor() const {
    return totpEnrolled || backupCodesRemaining > 0 || codeChannel.has_value();
  }
};

/// A code sent to the person (issue #14): what to mail or text, once.
struct SentCode {
  std::string code;        // 6 digits; only its hash is stored
  std::int64_t expiresAt;  // unix seconds
};

enum class SecondFactorOutcome {
  Accepted,     // the code was right and is now used up
  Invalid,      // wrong or malformed code (counts as a failure)
  Replayed,     // a right code that was already used (counts as a failure)
  LockedOut,    // too many failures: nothing was checked
  NotEnrolled,  // no active TOTP and no unused backup code
};

/// TOTP enrolment, backup codes and second-factor checks for users identified by their SCIM id.
/// Thread-safe when the store is; every time is a parameter (no clock is read here). Errors are
/// store failures (Unavailable) or secrets that do not decrypt (Internal, e.g. a wrong key); no
/// error detail carries a secret or a code.
class MfaService {
 public:
  /// Throws std::invalid_argument for settings that cannot work (a key that is not 32 bytes, a
  /// window above 10, zero backup codes or iterations): a startup error.
  MfaService(std::shared_ptr<StateStore> store, MfaSettings settings);

  /// Creates a new pending secret (20 random bytes) and returns what the user's app needs. The
  /// user's active secret, if any, keeps working until the new one is confirmed. An empty issuer
  /// means settings.issuer.
  Result<TotpEnrolment> enrollTotp(std::string_view userId, std::string_view accountLabel,
                                   std::string_view issuer, std::chrono::sys_seconds now);
  /// Activates the pending secret when `code` is right for it; the code is then used up like any
  /// other. Accepted, Invalid, Replayed, or NotEnrolled when nothing is pending; failures count
  /// towards the same lockout as verifySecondFactor (LockedOut while it lasts).
  Result<SecondFactorOutcome> confirmTotp(std::string_view userId, std::string_view code,
                                          std::chrono::sys_seconds now);
  /// Removes the user's TOTP secrets (pending and active).
  Result<void> removeTotp(std::string_view userId);
  Result<MfaStatus> status(std::string_view userId);

  /// Returns `count` (0: settings.backupCodeCount) new codes to show once, stores only their
  /// salted hashes, and voids the user's previous codes.
  Result<std::vector<std::string>> generateBackupCodes(std::string_view userId,
                                                       std::chrono::sys_seconds now,
                                                       std::size_t count = 0);

  /// A new code for the code-by-message factor on `channel`, valid `validSeconds`: for enrolment
  /// (confirmCodeFactor) or a login (verifySecondFactor). Earlier unused codes of the user stop
  /// working. The caller sends it; only its hash (with the user and channel) is stored.
  Result<SentCode> issueSentCode(std::string_view userId, CodeChannel channel,
                                 std::chrono::sys_seconds now, std::int64_t validSeconds);
  /// Turns the code-by-message factor on for `channel` when `code` is the code last sent there;
  /// the code is used up. Failures count towards the same lockout as every second factor.
  Result<SecondFactorOutcome> confirmCodeFactor(std::string_view userId, CodeChannel channel,
                                                std::string_view code,
                                                std::chrono::sys_seconds now);
  /// Turns the code-by-message factor off.
  Result<void> removeCodeFactor(std::string_view userId, std::chrono::sys_seconds now);

  /// Checks a second factor: 6 ASCII digits are a code sent by message (when that factor is on)
  /// or a TOTP code, anything else a backup code (case, spaces and dashes ignored). Each code is
  /// accepted at most once, even under concurrent calls from several processes. Failures are
  /// counted per user; settings.maxFailures of them lock the second factor for
  /// settings.lockoutSeconds; a success clears the count.
  Result<SecondFactorOutcome> verifySecondFactor(std::string_view userId, std::string_view code,
                                                 std::chrono::sys_seconds now);

 private:
  Result<SecondFactorOutcome> verifyTotp(std::string_view userId, TotpState state,
                                         const TotpRecord& record, std::string_view code,
                                         std::chrono::sys_seconds now);
  Result<SecondFactorOutcome> verifyBackupCode(std::string_view userId, std::string_view code,
                                               std::chrono::sys_seconds now);
  Result<SecondFactorOutcome> useSentCode(std::string_view userId, CodeChannel channel,
                                          std::string_view code, std::chrono::sys_seconds now);
  Result<SecondFactorOutcome> countFailure(std::string_view userId, SecondFactorOutcome outcome,
                                           std::chrono::sys_seconds now);

  std::shared_ptr<StateStore> store_;
  MfaSettings settings_;
};

/// "Accepted", "Invalid", ... (for logs and tests).
std::string_view toString(SecondFactorOutcome outcome);

}  // namespace scimgate::policy::mfa
