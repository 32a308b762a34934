#include "gateway/links.h"

#include <algorithm>
#include <chrono>

#include "gateway/error_response.h"
#include "gateway/facts.h"
#include "gateway/handlers.h"
#include "mail/templates.h"
#include "policy/mfa/tokens.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {

using policy::mfa::TokenKind;
using policy::mfa::TokenUse;
using scim::ErrorKind;

std::optional<Reply> refuseWithoutMail(const Services& services) {
  if (services.mailer) return std::nullopt;
  return errorReply({ErrorKind::NotFound,
                     "this gateway sends no mail: invitations and reset links need the \"mail\" "
                     "and \"mfa\" sections of the configuration"});
}

scim::Result<std::string> issueLinkToken(Services& services, TokenKind kind,
                                         const std::string& userId, int seconds) {
  std::string token = policy::mfa::newLinkToken();
  const auto now = unixSeconds();
  auto stored =
      services.store->putToken(kind, policy::mfa::tokenHash(token), userId, now, now + seconds);
  if (!stored) return stored.error();
  return token;
}

// What a mail calls the person: their given name, else their userName.
std::string greetingName(const scim::UserFacts& facts) {
  return facts.givenName.empty() ? facts.userName : facts.givenName;
}

scim::Result<void> mailLink(Services& services, const scim::User& user,
                            const std::string& templateName, const std::string& path,
                            const std::string& token, int seconds) {
  const auto facts = scim::userFactsOf(*user.attributes);
  if (facts.primaryEmail.empty()) {
    return scim::makeError(ErrorKind::InvalidValue,
                           "the user has no email address to send the link to: add one first");
  }
  return services.mailer->send(mail::Channel::Email, templateName, facts.primaryEmail,
                               {{"userName", facts.userName},
                                {"name", greetingName(facts)},
                                {"link", services.mailer->link(path + token)},
                                {"expires", mail::readableDuration(seconds)}});
}

Reply refuseToken(Request& request, TokenKind kind, TokenUse use) {
  const bool invitation = kind == TokenKind::Invitation;
  const std::string what = invitation ? "invitation" : "password reset link";
  request.audit.outcome = "denied";
  switch (use) {
    case TokenUse::Accepted:
      break;
    case TokenUse::Unknown:
      request.audit.reason = "unknown token";
      return errorReply({ErrorKind::NotFound,
                         "this " + what +
                             " is not valid: check that you copied the whole link from the mail, "
                             "or ask for a new one"});
    case TokenUse::Used:
      request.audit.reason = "token already used";
      return errorReply(
          {ErrorKind::InvalidValue,
           invitation ? "this invitation was already accepted: sign in with your password (or "
                        "use \"Forgot password\")"
                      : "this password reset link was already used: ask for a new one if you "
                        "still need it"});
    case TokenUse::Expired:
      request.audit.reason = "token expired";
      return errorReply(
          {ErrorKind::InvalidValue,
           invitation ? "this invitation has expired: ask your administrator to send a new one"
                      : "this password reset link has expired: ask for a new one"});
    case TokenUse::Revoked:
      request.audit.reason = "token revoked";
      return errorReply(
          {ErrorKind::InvalidValue,
           invitation ? "this invitation was withdrawn or replaced by a newer one: use the link "
                        "in the newest mail, or ask your administrator"
                      : "this password reset link was replaced by a newer one or your password "
                        "was reset since: use the newest link"});
  }
  return errorReply({ErrorKind::Internal, "token refusal without a reason"});
}

std::variant<policy::mfa::TokenRecord, Reply> usableToken(Services& services, Request& request,
                                                          TokenKind kind,
                                                          const std::string& token) {
  auto found = services.store->findToken(kind, policy::mfa::tokenHash(token));
  if (!found) return errorReply(found.error());
  if (!found->has_value()) return refuseToken(request, kind, TokenUse::Unknown);
  const auto& record = **found;
  request.audit.target = record.userId;
  if (record.usedAt) return refuseToken(request, kind, TokenUse::Used);
  if (record.revokedAt) return refuseToken(request, kind, TokenUse::Revoked);
  if (record.expiresAt <= unixSeconds()) return refuseToken(request, kind, TokenUse::Expired);
  return record;
}

bool roleRequiresSecondFactor(const Services& services, const scim::User& user) {
  const auto& required = services.config.mfa.requireForRoles;
  if (required.empty()) return false;
  const auto role = principalOf(user.id, scim::userFactsOf(*user.attributes)).role;
  return std::find(required.begin(), required.end(), std::string(policy::roleName(role))) !=
         required.end();
}

Reply sessionReply(Services& services, const scim::User& user) {
  bool enrolmentOnly = false;
  if (services.mfa && roleRequiresSecondFactor(services, user)) {
    auto status = services.mfa->status(user.id);
    if (!status) return errorReply(status.error());
    enrolmentOnly = !status->hasSecondFactor();
  }
  return sessionReply(services, user.id, enrolmentOnly);
}

Reply sessionReply(Services& services, const std::string& userId, bool enrolmentOnly) {
  Poco::JSON::Object answer;
  answer.set("token", services.access.issueSession(userId, enrolmentOnly));
  answer.set("tokenType", "Bearer");
  answer.set("expiresIn", services.access.sessionSeconds());
  answer.set("userId", userId);
  if (enrolmentOnly) {
    answer.set("mfaEnrollmentRequired", true);
    answer.set("detail",
               "your role needs a second factor: this session only enrols one "
               "(POST /mfa/totp, then POST /mfa/totp/confirm); log in again afterwards");
  }
  return Reply::json(200, answer, kPlainJson);
}

}  // namespace scimgate::gateway

namespace scimgate::gateway {
namespace {

// The user's mobile number: phoneNumbers[type eq "mobile"], else "".
std::string mobileOf(const Poco::JSON::Object& attributes) {
  auto phones = attributes.getArray("phoneNumbers");
  if (!phones) return {};
  for (unsigned i = 0; i < phones->size(); ++i) {
    auto phone = phones->getObject(i);
    if (phone && phone->optValue<std::string>("type", "") == "mobile") {
      return phone->optValue<std::string>("value", "");
    }
  }
  return {};
}

}  // namespace

scim::Result<std::string> sendSecondFactorCode(Services& services, const scim::User& user,
                                               policy::mfa::CodeChannel channel) {
  const bool sms = channel == policy::mfa::CodeChannel::Sms;
  const auto facts = scim::userFactsOf(*user.attributes);
  const std::string to = sms ? mobileOf(*user.attributes) : facts.primaryEmail;
  if (to.empty()) {
    return scim::makeError(ErrorKind::InvalidValue,
                           sms ? "the user has no mobile number (phoneNumbers of type mobile)"
                               : "the user has no email address");
  }
  const auto now = unixSeconds();
  auto latest = services.store->latestToken(TokenKind::LoginCode, user.id);
  if (!latest) return latest.error();
  if (latest->has_value()) {
    const auto& last = **latest;
    // A login without a code while one is on its way does not send another (no mail flood).
    if (!last.usedAt && !last.revokedAt && last.expiresAt > now &&
        now - last.createdAt < services.config.auth.loginCodeResendSeconds) {
      return maskAddress(to);
    }
  }
  const int seconds = services.config.auth.loginCodeSeconds;
  auto code = services.mfa->issueSentCode(
      user.id, channel, std::chrono::sys_seconds{std::chrono::seconds{now}}, seconds);
  if (!code) return code.error();
  auto sent = services.mailer->send(sms ? mail::Channel::Sms : mail::Channel::Email,
                                    sms ? "login_code_sms" : "login_code", to,
                                    {{"userName", facts.userName},
                                     {"name", greetingName(facts)},
                                     {"code", code->code},
                                     {"expires", mail::readableDuration(seconds)}});
  if (!sent) return sent.error();
  return maskAddress(to);
}

}  // namespace scimgate::gateway
