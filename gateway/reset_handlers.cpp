// Passwords by email (issue #14):
//   POST /auth/password/forgot      {"login"}: always 202; an active user gets a reset link
//   POST /auth/password/reset       {"token", "newPassword", "confirmPassword"}
//   POST /auth/password/reset-link  {"userId"}: an administrator has the link mailed to the user

#include <chrono>
#include <thread>
#include <variant>

#include "gateway/error_response.h"
#include "gateway/handlers.h"
#include "gateway/links.h"
#include "gateway/targets.h"
#include "policy/mfa/tokens.h"
#include "scim/filter.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Object;
using policy::mfa::TokenKind;
using policy::mfa::TokenUse;
using scim::ErrorKind;

constexpr char kResetPath[] = "/console/#/reset-password/";
constexpr std::size_t kMaxUsersPerLogin = 5;

// Mails a reset link to each active user whose userName or email is `login`. Nothing about
// who was found leaves this function except through the audit trail.
scim::Result<void> mailResetLinks(Services& services, Request& request, const std::string& login) {
  auto users = usersByLogin(services, login, kMaxUsersPerLogin);
  if (!users) return users.error();
  for (const auto& user : *users) {
    const auto facts = scim::userFactsOf(*user.attributes);
    // Deactivated users get nothing; Pending ones accept their invitation instead.
    if (facts.status != scim::UserStatus::Active || facts.primaryEmail.empty()) continue;
    const int seconds = services.config.auth.resetSeconds;
    auto token = issueLinkToken(services, TokenKind::PasswordReset, user.id, seconds);
    if (!token) return token.error();
    auto mailed = mailLink(services, user, "password_reset", kResetPath, *token, seconds);
    if (!mailed) return mailed.error();
    request.audit.target = user.id;  // the trail says who; the answer does not
  }
  return {};
}

Reply forgotPassword(Services& services, Request& request) {
  request.audit.operation = "auth.password.forgot";
  const auto started = std::chrono::steady_clock::now();
  if (auto off = refuseWithoutMail(services)) return *off;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  const std::string login = stringField(**body, "login");
  if (login.empty() || login.size() > 256) {
    return errorReply(
        {ErrorKind::InvalidValue, "send {\"login\": ...} with your user name or email address"});
  }
  request.audit.principal = login;
  const std::string address = request.clientAddress(services.config.auth.trustedProxies);
  const auto now = unixSeconds();
  auto wait = services.forgotThrottle.waitSeconds(login, address, now);
  if (!wait) return errorReply(wait.error());
  if (*wait > 0) {
    // Throttled requests are answered like the others: the limit protects the mailbox and the
    // directory, and says nothing about whether the account exists.
    request.audit.outcome = "denied";
    request.audit.reason = "throttled";
    services.metrics.throttled("forgot_password");
  } else {
    if (auto counted = services.forgotThrottle.recordFailure(login, address, now); !counted) {
      return errorReply(counted.error());
    }
    if (auto mailed = mailResetLinks(services, request, login); !mailed) {
      return errorReply(mailed.error());
    }
  }
  // Found or not, the answer takes as long.
  std::this_thread::sleep_until(started +
                                std::chrono::milliseconds(services.config.auth.refusalMinimumMs));
  Object answer;
  answer.set("detail",
             "if an active account has this user name or email address, a link to set a new "
             "password is on its way to its email address; it works once, for " +
                 std::to_string(services.config.auth.resetSeconds / 60) + " minutes");
  return Reply::json(202, answer, kPlainJson);
}

Reply resetPassword(Services& services, Request& request) {
  request.audit.operation = "auth.password.reset";
  request.audit.attributes = {"password"};
  if (auto off = refuseWithoutMail(services)) return *off;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  const std::string token = stringField(**body, "token");
  const std::string next = stringField(**body, "newPassword");
  const std::string confirmation = stringField(**body, "confirmPassword");
  if (token.empty() || next.empty()) {
    return errorReply(
        {ErrorKind::InvalidValue, "send token (from the link), newPassword and confirmPassword"});
  }
  auto usable = usableToken(services, request, TokenKind::PasswordReset, token);
  if (auto* refused = std::get_if<Reply>(&usable)) return *refused;
  const auto record = std::get<policy::mfa::TokenRecord>(usable);
  auto user = services.directory.findUser(record.userId);
  if (!user) {
    if (user.error().kind != ErrorKind::NotFound) return errorReply(user.error());
    return refuseToken(request, TokenKind::PasswordReset, TokenUse::Revoked);
  }
  const auto facts = scim::userFactsOf(*user->attributes);
  request.audit.principal = facts.userName;
  if (facts.status != scim::UserStatus::Active) {
    request.audit.outcome = "denied";
    request.audit.reason = "user not active";
    return errorReply({ErrorKind::InvalidValue,
                       "this account is deactivated: ask your administrator to reactivate it"});
  }
  if (auto problem = passwordProblems(services, next, facts, &confirmation)) {
    return errorReply(*problem);
  }
  // Used up first, so that of two racing resets only one sets a password.
  const std::string hash = policy::mfa::tokenHash(token);
  auto claim = services.store->useToken(TokenKind::PasswordReset, hash, unixSeconds());
  if (!claim) return errorReply(claim.error());
  if (claim->use != TokenUse::Accepted) {
    return refuseToken(request, TokenKind::PasswordReset, claim->use);
  }
  if (auto set = services.directory.setPassword(record.userId, next); !set) {
    // The directory refused the password (its own policy): the link stays usable.
    auto restored = services.store->putToken(TokenKind::PasswordReset, hash, record.userId,
                                             record.createdAt, record.expiresAt);
    if (!restored) return errorReply(restored.error());
    return errorReply(set.error());
  }
  // Every other link of the user stops working, and every session issued before now ends.
  if (auto revoked =
          services.store->revokeTokens(TokenKind::PasswordReset, record.userId, unixSeconds());
      !revoked) {
    return errorReply(revoked.error());
  }
  if (auto ended = services.access.endSessions(record.userId); !ended) {
    return errorReply(ended.error());
  }
  // Proving the mailbox ends a lockout for failed logins (the directory's and the gateway's).
  if (auto unlocked = services.directory.unlockUser(record.userId);
      !unlocked && unlocked.error().kind != ErrorKind::InvalidValue) {
    return errorReply(unlocked.error());
  }
  if (auto forgiven = services.throttle.forgive(facts.userName); !forgiven) {
    return errorReply(forgiven.error());
  }
  request.audit.principalId = record.userId;
  return Reply::noContent();
}

Reply sendResetLink(Services& services, Request& request) {
  request.audit.operation = "auth.password.resetLink";
  if (auto off = refuseWithoutMail(services)) return *off;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  const std::string id = stringField(**body, "userId");
  if (id.empty()) return errorReply({ErrorKind::InvalidValue, "send {\"userId\": ...}"});
  auto loaded = loadTarget(services, request, id, policy::Operation::ResetPasswords);
  if (auto* refused = std::get_if<Reply>(&loaded)) return *refused;
  const auto& user = std::get<Loaded>(loaded).user;
  const auto facts = scim::userFactsOf(*user.attributes);
  if (facts.status == scim::UserStatus::Inactive) {
    return errorReply({ErrorKind::InvalidValue, "the user is deactivated: reactivate them first"});
  }
  if (facts.status == scim::UserStatus::Pending) {
    return errorReply({ErrorKind::InvalidValue,
                       "the user has not accepted their invitation yet: resend it "
                       "(POST /invitations/resend)"});
  }
  const int seconds = services.config.auth.resetSeconds;
  auto token = issueLinkToken(services, TokenKind::PasswordReset, id, seconds);
  if (!token) return errorReply(token.error());
  // The administrator never sees the token: it goes to the user's mailbox only.
  if (auto mailed = mailLink(services, user, "password_reset", kResetPath, *token, seconds);
      !mailed) {
    return errorReply(mailed.error());
  }
  Object answer;
  answer.set("detail", "a password reset link was mailed to " + maskAddress(facts.primaryEmail));
  return Reply::json(202, answer, kPlainJson);
}

}  // namespace

void addResetRoutes(Router& router, Services& services) {
  router.add(
      {"POST", "/auth/password/forgot", Guard::Public, withServices(services, forgotPassword)});
  router.add(
      {"POST", "/auth/password/reset", Guard::Public, withServices(services, resetPassword)});
  router.add(
      {"POST", "/auth/password/reset-link", Guard::Caller, withServices(services, sendResetLink)});
}

}  // namespace scimgate::gateway
