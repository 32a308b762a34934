#include "policy/mfa/mfa.h"

#include <stdexcept>

#include "policy/mfa/backup_codes.h"
#include "policy/mfa/detail/encoding.h"
#include "policy/mfa/secret_box.h"
#include "policy/mfa/tokens.h"
#include "policy/mfa/totp.h"

namespace scimgate::policy::mfa {
namespace {

constexpr std::size_t kTotpSecretSize = 20;  // 160 bits: RFC 4226 4 recommends it for SHA-1
constexpr unsigned kMaxWindow = 10;
constexpr std::size_t kMaxBackupCodes = 100;

std::int64_t seconds(std::chrono::sys_seconds t) { return t.time_since_epoch().count(); }

// Authenticated with the secret: a sealed secret copied onto another user's row does not open.
std::string sealContext(std::string_view userId) {
  return "scimgate:mfa:totp:" + std::string(userId);
}

}  // namespace

std::string_view toString(SecondFactorOutcome outcome) {
  switch (outcome) {
    case SecondFactorOutcome::Accepted:
      return "Accepted";
    case SecondFactorOutcome::Invalid:
      return "Invalid";
    case SecondFactorOutcome::Replayed:
      return "Replayed";
    case SecondFactorOutcome::LockedOut:
      return "LockedOut";
    case SecondFactorOutcome::NotEnrolled:
      return "NotEnrolled";
  }
  return "?";
}

MfaService::MfaService(std::shared_ptr<StateStore> store, MfaSettings settings)
    : store_(std::move(store)), settings_(std::move(settings)) {
  if (!store_) throw std::invalid_argument("MFA: no state store");
  if (settings_.encryptionKey.size() != kEncryptionKeySize) {
    throw std::invalid_argument("MFA: the encryption key must be 32 bytes");
  }
  if (settings_.window > kMaxWindow) throw std::invalid_argument("MFA: window must be 0..10 steps");
  if (settings_.maxFailures < 1) throw std::invalid_argument("MFA: maxFailures must be at least 1");
  if (settings_.lockoutSeconds < 0) throw std::invalid_argument("MFA: lockoutSeconds is negative");
  if (settings_.backupCodeCount < 1 || settings_.backupCodeCount > kMaxBackupCodes) {
    throw std::invalid_argument("MFA: backupCodeCount must be 1..100");
  }
  if (settings_.pbkdf2Iterations < 1) {
    throw std::invalid_argument("MFA: pbkdf2Iterations must be at least 1");
  }
}

Result<TotpEnrolment> MfaService::enrollTotp(std::string_view userId, std::string_view accountLabel,
                                             std::string_view issuer,
                                             std::chrono::sys_seconds now) {
  const std::string secret = detail::randomBytes(kTotpSecretSize);
  auto sealed = sealSecret(settings_.encryptionKey, secret, sealContext(userId));
  if (!sealed.ok()) return sealed.error();
  auto stored = store_->putPendingTotp(userId, *sealed, seconds(now));
  if (!stored.ok()) return stored.error();
  TotpEnrolment enrolment;
  enrolment.secretBase32 = base32Encode(secret);
  enrolment.otpauthUri = otpauthUri(issuer.empty() ? std::string_view(settings_.issuer) : issuer,
                                    accountLabel, enrolment.secretBase32);
  enrolment.qrSvg = renderQrSvg(enrolment.otpauthUri);
  return enrolment;
}

Result<SecondFactorOutcome> MfaService::confirmTotp(std::string_view userId, std::string_view code,
                                                    std::chrono::sys_seconds now) {
  // Wrong confirmation codes count towards the same lockout as wrong login codes, so a pending
  // secret cannot be guessed at leisure either.
  auto failures = store_->failures(userId);
  if (!failures.ok()) return failures.error();
  if (failures->lockedUntil && seconds(now) < *failures->lockedUntil) {
    return SecondFactorOutcome::LockedOut;
  }
  auto pending = store_->findTotp(userId, TotpState::Pending);
  if (!pending.ok()) return pending.error();
  if (!pending->has_value()) return SecondFactorOutcome::NotEnrolled;
  auto outcome = verifyTotp(userId, TotpState::Pending, **pending, code, now);
  if (!outcome.ok()) return outcome;
  if (*outcome != SecondFactorOutcome::Accepted) return countFailure(userId, *outcome, now);
  if (auto reset = store_->resetFailures(userId); !reset.ok()) return reset.error();
  // The step is already recorded on the pending row, so it moves with it: the confirming code
  // cannot be used again after activation.
  auto activated = store_->activateTotp(userId, (*pending)->sealedSecret);
  if (!activated.ok()) return activated.error();
  // Not activated: a newer enrolment replaced this secret in the meantime.
  return *activated ? SecondFactorOutcome::Accepted : SecondFactorOutcome::Invalid;
}

Result<void> MfaService::removeTotp(std::string_view userId) { return store_->removeTotp(userId); }

Result<MfaStatus> MfaService::status(std::string_view userId) {
  auto active = store_->findTotp(userId, TotpState::Active);
  if (!active.ok()) return active.error();
  auto remaining = store_->countUnusedBackupCodes(userId);
  if (!remaining.ok()) return remaining.error();
  auto channel = store_->codeFactor(userId);
  if (!channel.ok()) return channel.error();
  return MfaStatus{active->has_value(), *remaining, *channel};
}

namespace {

// A sent code is only 6 digits, so its hash binds it to the user and the channel: the same
// digits sent to somebody else, or by SMS, are another token.
std::string sentCodeHash(std::string_view userId, CodeChannel channel, std::string_view code) {
  return tokenHash(std::string(userId) + (channel == CodeChannel::Sms ? ":sms:" : ":email:") +
                   std::string(code));
}

}  // namespace

Result<SentCode> MfaService::issueSentCode(std::string_view userId, CodeChannel channel,
                                           std::chrono::sys_seconds now,
                                           std::int64_t validSeconds) {
  if (auto revoked = store_->revokeTokens(TokenKind::LoginCode, userId, seconds(now));
      !revoked.ok()) {
    return revoked.error();
  }
  SentCode sent{newSentCode(), seconds(now) + validSeconds};
  auto stored = store_->putToken(TokenKind::LoginCode, sentCodeHash(userId, channel, sent.code),
                                 userId, seconds(now), sent.expiresAt);
  if (!stored.ok()) return stored.error();
  return sent;
}

Result<SecondFactorOutcome> MfaService::useSentCode(std::string_view userId, CodeChannel channel,
                                                    std::string_view code,
                                                    std::chrono::sys_seconds now) {
  if (!isTotpCodeFormat(code)) return SecondFactorOutcome::Invalid;
  auto claim =
      store_->useToken(TokenKind::LoginCode, sentCodeHash(userId, channel, code), seconds(now));
  if (!claim.ok()) return claim.error();
  switch (claim->use) {
    case TokenUse::Accepted:
      return SecondFactorOutcome::Accepted;
    case TokenUse::Used:
      return SecondFactorOutcome::Replayed;
    case TokenUse::Unknown:
    case TokenUse::Expired:
    case TokenUse::Revoked:
      return SecondFactorOutcome::Invalid;
  }
  return SecondFactorOutcome::Invalid;
}

Result<SecondFactorOutcome> MfaService::confirmCodeFactor(std::string_view userId,
                                                          CodeChannel channel,
                                                          std::string_view code,
                                                          std::chrono::sys_seconds now) {
  auto failures = store_->failures(userId);
  if (!failures.ok()) return failures.error();
  if (failures->lockedUntil && seconds(now) < *failures->lockedUntil) {
    return SecondFactorOutcome::LockedOut;
  }
  auto outcome = useSentCode(userId, channel, code, now);
  if (!outcome.ok()) return outcome;
  if (*outcome != SecondFactorOutcome::Accepted) return countFailure(userId, *outcome, now);
  if (auto reset = store_->resetFailures(userId); !reset.ok()) return reset.error();
  if (auto set = store_->setCodeFactor(userId, channel, seconds(now)); !set.ok()) {
    return set.error();
  }
  return SecondFactorOutcome::Accepted;
}

Result<void> MfaService::removeCodeFactor(std::string_view userId, std::chrono::sys_seconds now) {
  if (auto revoked = store_->revokeTokens(TokenKind::LoginCode, userId, seconds(now));
      !revoked.ok()) {
    return revoked.error();
  }
  return store_->setCodeFactor(userId, std::nullopt, seconds(now));
}

Result<std::vector<std::string>> MfaService::generateBackupCodes(std::string_view userId,
                                                                 std::chrono::sys_seconds now,
                                                                 std::size_t count) {
  if (count == 0) count = settings_.backupCodeCount;
  if (count > kMaxBackupCodes) {
    return makeError(ErrorKind::InvalidValue, "at most 100 backup codes can be generated");
  }
  std::vector<std::string> codes;
  std::vector<std::string> hashes;
  for (std::size_t i = 0; i < count; ++i) {
    codes.push_back(generateBackupCode());
    hashes.push_back(
        hashBackupCode(*normaliseBackupCode(codes.back()), settings_.pbkdf2Iterations));
  }
  auto stored = store_->replaceBackupCodes(userId, hashes, seconds(now));
  if (!stored.ok()) return stored.error();
  return codes;
}

Result<SecondFactorOutcome> MfaService::verifySecondFactor(std::string_view userId,
                                                           std::string_view code,
                                                           std::chrono::sys_seconds now) {
  auto failures = store_->failures(userId);
  if (!failures.ok()) return failures.error();
  if (failures->lockedUntil && seconds(now) < *failures->lockedUntil) {
    return SecondFactorOutcome::LockedOut;
  }
  auto active = store_->findTotp(userId, TotpState::Active);
  if (!active.ok()) return active.error();
  auto unused = store_->countUnusedBackupCodes(userId);
  if (!unused.ok()) return unused.error();
  auto channel = store_->codeFactor(userId);
  if (!channel.ok()) return channel.error();
  if (!active->has_value() && *unused == 0 && !channel->has_value()) {
    return SecondFactorOutcome::NotEnrolled;
  }

  Result<SecondFactorOutcome> outcome = SecondFactorOutcome::Invalid;
  if (isTotpCodeFormat(code)) {
    if (channel->has_value()) outcome = useSentCode(userId, **channel, code, now);
    // Not the sent code: it may still be one from the authenticator app.
    if (outcome.ok() && *outcome != SecondFactorOutcome::Accepted && active->has_value()) {
      outcome = verifyTotp(userId, TotpState::Active, **active, code, now);
    }
  } else {
    outcome = verifyBackupCode(userId, code, now);
  }
  if (!outcome.ok()) return outcome;
  if (*outcome == SecondFactorOutcome::Accepted) {
    auto reset = store_->resetFailures(userId);
    if (!reset.ok()) return reset.error();
    return outcome;
  }
  return countFailure(userId, *outcome, now);
}

Result<SecondFactorOutcome> MfaService::verifyTotp(std::string_view userId, TotpState state,
                                                   const TotpRecord& record, std::string_view code,
                                                   std::chrono::sys_seconds now) {
  if (!isTotpCodeFormat(code)) return SecondFactorOutcome::Invalid;
  auto secret = openSecret(settings_.encryptionKey, record.sealedSecret, sealContext(userId));
  if (!secret.ok()) return secret.error();
  const auto step = matchTotp(*secret, code, now, settings_.window);
  if (!step) return SecondFactorOutcome::Invalid;
  // RFC 6238 5.2: a verifier must not accept the second attempt of the same OTP; steps at or
  // before the last accepted one are refused, which also stops older codes inside the window.
  if (record.lastStep && *step <= *record.lastStep) return SecondFactorOutcome::Replayed;
  auto claimed = store_->claimTotpStep(userId, state, record.sealedSecret, *step);
  if (!claimed.ok()) return claimed.error();
  return *claimed ? SecondFactorOutcome::Accepted : SecondFactorOutcome::Replayed;
}

Result<SecondFactorOutcome> MfaService::verifyBackupCode(std::string_view userId,
                                                         std::string_view code,
                                                         std::chrono::sys_seconds now) {
  const auto canonical = normaliseBackupCode(code);
  if (!canonical) return SecondFactorOutcome::Invalid;
  auto codes = store_->backupCodes(userId);
  if (!codes.ok()) return codes.error();
  const StoredBackupCode* match = nullptr;
  for (const StoredBackupCode& stored : *codes) {
    // Hash against every code, not only until the first match: the time taken says nothing.
    if (backupCodeMatches(*canonical, stored.hash) && match == nullptr) match = &stored;
  }
  if (match == nullptr) return SecondFactorOutcome::Invalid;
  if (match->used) return SecondFactorOutcome::Replayed;
  auto consumed = store_->consumeBackupCode(match->id, seconds(now));
  if (!consumed.ok()) return consumed.error();
  // Lost the race to a concurrent use of the same code (or the set was regenerated meanwhile).
  return *consumed ? SecondFactorOutcome::Accepted : SecondFactorOutcome::Replayed;
}

Result<SecondFactorOutcome> MfaService::countFailure(std::string_view userId,
                                                     SecondFactorOutcome outcome,
                                                     std::chrono::sys_seconds now) {
  auto recorded =
      store_->recordFailure(userId, seconds(now), settings_.maxFailures, settings_.lockoutSeconds);
  if (!recorded.ok()) return recorded.error();
  return outcome;
}

}  // namespace scimgate::policy::mfa
