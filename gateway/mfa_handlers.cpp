// Second factors (DESIGN 6, issue #6): TOTP enrolment, confirmation and removal, backup codes.

#include <Poco/JSON/Array.h>

#include <chrono>

#include "gateway/error_response.h"
#include "gateway/handlers.h"
#include "gateway/links.h"
#include "gateway/targets.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using scim::ErrorKind;
using Outcome = policy::mfa::SecondFactorOutcome;

// The user an MFA request is about: `userId` from the body or query, else the caller. Acting on
// somebody else needs `operation` (and the user in scope); acting on oneself needs a person, and
// `operation` too unless `selfAllowed`.
std::variant<scim::User, Reply> mfaSubject(Services& services, Request& request,
                                           const std::string& userId, policy::Operation operation,
                                           bool selfAllowed) {
  if (!services.mfa) {
    return errorReply(
        {ErrorKind::NotFound, "second factors are not enabled on this gateway (config: mfa)"});
  }
  const auto& principal = request.caller.principal;
  if (!userId.empty() && userId != principal.userId) {
    auto loaded = loadTarget(services, request, userId, operation);
    if (auto* refused = std::get_if<Reply>(&loaded)) return *refused;
    return std::move(std::get<Loaded>(loaded).user);
  }
  request.audit.target = principal.userId;
  if (!request.caller.isPerson()) {
    return errorReply({ErrorKind::InvalidValue, "name the user: {\"userId\": ...}"});
  }
  if (!selfAllowed && !services.matrix.allows(principal.role, operation)) {
    return request.deny(policy::Decision::forbidden("an administrator does this for you (" +
                                                    std::string(policy::operationName(operation)) +
                                                    ")"));
  }
  auto user = services.directory.findUser(principal.userId);
  if (!user) return errorReply(user.error());
  return std::move(*user);
}

Reply enrolTotp(Services& services, Request& request) {
  request.audit.operation = "mfa.totp.enrol";
  auto body = request.optionalJsonBody();
  auto subject = mfaSubject(services, request, stringField(*body, "userId"),
                            policy::Operation::ManageOthersMfa, true);
  if (auto* refused = std::get_if<Reply>(&subject)) return *refused;
  const auto& user = std::get<scim::User>(subject);
  auto enrolment = services.mfa->enrollTotp(
      user.id, user.attributes->optValue<std::string>("userName", ""), "", nowSeconds());
  if (!enrolment) return errorReply(enrolment.error());
  Object answer;
  answer.set("secret", enrolment->secretBase32);
  answer.set("otpauthUri", enrolment->otpauthUri);
  answer.set("qrSvg", enrolment->qrSvg);
  answer.set("confirm",
             "POST /mfa/totp/confirm {\"code\": \"123456\"} with the app's current code");
  return Reply::json(201, answer, kPlainJson).with("Cache-Control", "no-store");
}

Reply confirmTotp(Services& services, Request& request) {
  request.audit.operation = "mfa.totp.confirm";
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  auto subject = mfaSubject(services, request, "", policy::Operation::ManageOthersMfa, true);
  if (auto* refused = std::get_if<Reply>(&subject)) return *refused;
  const auto& user = std::get<scim::User>(subject);
  auto outcome = services.mfa->confirmTotp(user.id, stringField(**body, "code"), nowSeconds());
  if (!outcome) return errorReply(outcome.error());
  services.metrics.secondFactor("totp", *outcome);
  switch (*outcome) {
    case Outcome::Accepted: {
      Object answer;
      answer.set("totp", true);
      return Reply::json(200, answer, kPlainJson);
    }
    case Outcome::NotEnrolled:
      return errorReply({ErrorKind::InvalidValue, "nothing to confirm: start with POST /mfa/totp"});
    case Outcome::LockedOut:
      return request.deny(policy::Decision::forbidden(
          "too many wrong codes: the second factor is locked for a while; try again later"));
    case Outcome::Invalid:
    case Outcome::Replayed:
      break;
  }
  return errorReply({ErrorKind::InvalidValue,
                     "the code is wrong or already used: enter the app's current 6-digit code"});
}

Reply removeTotp(Services& services, Request& request) {
  request.audit.operation = "mfa.totp.remove";
  auto body = request.optionalJsonBody();
  std::string userId = stringField(*body, "userId");
  if (userId.empty() && request.query().count("userid")) userId = request.query().at("userid");
  auto subject = mfaSubject(services, request, userId, policy::Operation::ManageOthersMfa, true);
  if (auto* refused = std::get_if<Reply>(&subject)) return *refused;
  const auto& user = std::get<scim::User>(subject);
  if (user.id == request.caller.principal.userId) {
    // Oneself: prove possession with a current code (or a backup code).
    auto outcome =
        services.mfa->verifySecondFactor(user.id, stringField(*body, "code"), nowSeconds());
    if (!outcome) return errorReply(outcome.error());
    if (*outcome != Outcome::Accepted) {
      return request.deny(policy::Decision::forbidden(
          "send {\"code\": ...} with a current code to remove your authenticator"));
    }
  }
  auto removed = services.mfa->removeTotp(user.id);
  if (!removed) return errorReply(removed.error());
  return Reply::noContent();
}

Reply generateBackupCodes(Services& services, Request& request) {
  request.audit.operation = "mfa.backupCodes.generate";
  auto body = request.optionalJsonBody();
  auto subject =
      mfaSubject(services, request, stringField(*body, "userId"),
                 policy::Operation::GenerateBackupCodes, services.config.mfa.allowSelfBackupCodes);
  if (auto* refused = std::get_if<Reply>(&subject)) return *refused;
  const auto& user = std::get<scim::User>(subject);
  auto codes = services.mfa->generateBackupCodes(user.id, nowSeconds());
  if (!codes) return errorReply(codes.error());
  Object answer;
  Array list;
  for (const auto& code : *codes) list.add(code);
  answer.set("userId", user.id);
  answer.set("codes", list);
  answer.set("note", "shown once: each code works one time; a new set voids these");
  return Reply::json(201, answer, kPlainJson).with("Cache-Control", "no-store");
}

// {"channel": "email" | "sms"} (email when missing); InvalidValue for anything else.
scim::Result<policy::mfa::CodeChannel> channelOf(const Object& body) {
  const std::string name = stringField(body, "channel");
  if (name.empty() || name == "email") return policy::mfa::CodeChannel::Email;
  if (name == "sms") return policy::mfa::CodeChannel::Sms;
  return scim::makeError(ErrorKind::InvalidValue, "channel is \"email\" or \"sms\"");
}

// POST /mfa/code {"channel"}: starts enrolment of the code-by-message factor (issue #14) by
// sending a code to the person's own address; POST /mfa/code/confirm turns it on.
Reply enrolCode(Services& services, Request& request) {
  request.audit.operation = "mfa.code.enrol";
  if (auto off = refuseWithoutMail(services)) return *off;
  auto body = request.optionalJsonBody();
  auto channel = channelOf(*body);
  if (!channel) return errorReply(channel.error());
  if (*channel == policy::mfa::CodeChannel::Sms && !services.mailer->canText()) {
    return errorReply({ErrorKind::InvalidValue,
                       "this gateway sends no SMS (config: mail.sms.url): use \"email\""});
  }
  auto subject = mfaSubject(services, request, "", policy::Operation::ManageOthersMfa, true);
  if (auto* refused = std::get_if<Reply>(&subject)) return *refused;
  const auto& user = std::get<scim::User>(subject);
  auto sent = sendSecondFactorCode(services, user, *channel);
  if (!sent) return errorReply(sent.error());
  Object answer;
  answer.set("sentTo", *sent);
  answer.set("expiresIn", services.config.auth.loginCodeSeconds);
  answer.set("confirm", "POST /mfa/code/confirm {\"channel\": ..., \"code\": \"123456\"}");
  return Reply::json(202, answer, kPlainJson);
}

Reply confirmCode(Services& services, Request& request) {
  request.audit.operation = "mfa.code.confirm";
  if (auto off = refuseWithoutMail(services)) return *off;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  auto channel = channelOf(**body);
  if (!channel) return errorReply(channel.error());
  auto subject = mfaSubject(services, request, "", policy::Operation::ManageOthersMfa, true);
  if (auto* refused = std::get_if<Reply>(&subject)) return *refused;
  const auto& user = std::get<scim::User>(subject);
  auto outcome =
      services.mfa->confirmCodeFactor(user.id, *channel, stringField(**body, "code"), nowSeconds());
  if (!outcome) return errorReply(outcome.error());
  services.metrics.secondFactor("code", *outcome);
  if (*outcome == Outcome::Accepted) {
    Object answer;
    answer.set("codeFactor", *channel == policy::mfa::CodeChannel::Sms ? "sms" : "email");
    return Reply::json(200, answer, kPlainJson);
  }
  if (*outcome == Outcome::LockedOut) {
    return request.deny(policy::Decision::forbidden(
        "too many wrong codes: the second factor is locked for a while; try again later"));
  }
  return errorReply({ErrorKind::InvalidValue,
                     "the code is wrong, expired or already used: ask for a new one with POST "
                     "/mfa/code"});
}

// DELETE /mfa/code: turns the code-by-message factor off (oneself, or another user with
// manageOthersMfa).
Reply removeCode(Services& services, Request& request) {
  request.audit.operation = "mfa.code.remove";
  auto body = request.optionalJsonBody();
  std::string userId = stringField(*body, "userId");
  if (userId.empty() && request.query().count("userid")) userId = request.query().at("userid");
  auto subject = mfaSubject(services, request, userId, policy::Operation::ManageOthersMfa, true);
  if (auto* refused = std::get_if<Reply>(&subject)) return *refused;
  const auto& user = std::get<scim::User>(subject);
  auto removed = services.mfa->removeCodeFactor(user.id, nowSeconds());
  if (!removed) return errorReply(removed.error());
  return Reply::noContent();
}

}  // namespace

void addMfaRoutes(Router& router, Services& services) {
  auto route = [&](const char* method, const char* pattern, Guard guard, ServiceHandler handler) {
    router.add({method, pattern, guard, withServices(services, handler)});
  };
  // An enrolment-only session (mfa.requireForRoles) may only enrol, confirm or start over.
  route("POST", "/mfa/totp", Guard::CallerOrEnrolment, enrolTotp);
  route("DELETE", "/mfa/totp", Guard::CallerOrEnrolment, removeTotp);
  route("POST", "/mfa/totp/confirm", Guard::CallerOrEnrolment, confirmTotp);
  route("POST", "/mfa/backup-codes", Guard::Caller, generateBackupCodes);
  route("POST", "/mfa/code", Guard::CallerOrEnrolment, enrolCode);
  route("POST", "/mfa/code/confirm", Guard::CallerOrEnrolment, confirmCode);
  route("DELETE", "/mfa/code", Guard::CallerOrEnrolment, removeCode);
}

}  // namespace scimgate::gateway
