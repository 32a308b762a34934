// People's credentials: /auth/login (a session), /auth/verify (the same check for SSO
// integrations), /auth/password/change (one's own) and /auth/password/set (an administrator's
// reset).

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <chrono>

#include "gateway/error_response.h"
#include "gateway/facts.h"
#include "gateway/handlers.h"
#include "gateway/targets.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using scim::ErrorKind;

/// Why a login is refused. Unknown user, wrong password, locked or deactivated account and a
/// wrong code are all InvalidCredentials: the answer tells nothing about which.
enum class LoginRefusal { None, InvalidCredentials, MfaRequired };

// DESIGN 5a: 401 {"error": "invalid_credentials" | "mfa_required", "detail"}.
Reply refusalReply(Request& request, LoginRefusal refusal) {
  const bool mfa = refusal == LoginRefusal::MfaRequired;
  const std::string error = mfa ? "mfa_required" : "invalid_credentials";
  request.audit.outcome = "denied";
  request.audit.reason = error;
  Object body;
  body.set("error", error);
  body.set("detail", mfa ? "this account has a second factor: send \"code\" with a code from the "
                           "authenticator app or a backup code"
                         : "the user name, password or code is wrong, or the account is locked");
  return Reply::json(401, body, kPlainJson).with("WWW-Authenticate", "Bearer");
}

struct LoginCheck {
  std::string id;
  bool enrolmentOnly = false;
  LoginRefusal refusal = LoginRefusal::None;
};

// Password by bind, then the second factor when the user has one.
scim::Result<LoginCheck> checkLogin(Services& services, Request& request, const Object& body) {
  const std::string userName = stringField(body, "userName");
  const std::string password = stringField(body, "password");
  request.audit.principal = userName;
  if (userName.empty() || password.empty()) {
    return scim::makeError(ErrorKind::InvalidValue,
                           "send {\"userName\": ..., \"password\": ...} as JSON strings");
  }
  LoginCheck check;
  auto id = services.directory.verifyPassword(userName, password);
  if (!id) {
    if (id.error().kind != ErrorKind::Unauthorized) return id.error();
    check.refusal = LoginRefusal::InvalidCredentials;
    return check;
  }
  check.id = *id;
  request.audit.principalId = *id;
  request.audit.target = *id;
  if (!services.mfa) return check;
  auto status = services.mfa->status(*id);
  if (!status) return status.error();
  if (status->totpEnrolled || status->backupCodesRemaining > 0) {
    const std::string code = stringField(body, "code");
    if (code.empty()) {
      check.refusal = LoginRefusal::MfaRequired;
      return check;
    }
    auto outcome = services.mfa->verifySecondFactor(*id, code, nowSeconds());
    if (!outcome) return outcome.error();
    if (*outcome != policy::mfa::SecondFactorOutcome::Accepted) {
      request.audit.reason = std::string(policy::mfa::toString(*outcome));
      check.refusal = LoginRefusal::InvalidCredentials;
    }
    return check;
  }
  const auto& required = services.config.mfa.requireForRoles;
  if (!required.empty()) {
    auto user = services.directory.findUser(*id);
    if (!user) return user.error();
    const auto role = principalOf(user->id, scim::userFactsOf(*user->attributes)).role;
    check.enrolmentOnly = std::find(required.begin(), required.end(),
                                    std::string(policy::roleName(role))) != required.end();
  }
  return check;
}

Reply login(Services& services, Request& request) {
  request.audit.operation = "auth.login";
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  auto check = checkLogin(services, request, **body);
  if (!check) return errorReply(check.error());
  if (check->refusal != LoginRefusal::None) return refusalReply(request, check->refusal);
  Object answer;
  answer.set("token", services.access.issueSession(check->id, check->enrolmentOnly));
  answer.set("tokenType", "Bearer");
  answer.set("expiresIn", services.access.sessionSeconds());
  answer.set("userId", check->id);
  if (check->enrolmentOnly) {
    answer.set("mfaEnrollmentRequired", true);
    answer.set("detail",
               "your role needs a second factor: this session only enrols one "
               "(POST /mfa/totp, then POST /mfa/totp/confirm); log in again afterwards");
  }
  return Reply::json(200, answer, kPlainJson);
}

// POST /auth/verify: the login check for SSO integrations, without a session.
Reply verifyLogin(Services& services, Request& request) {
  request.audit.operation = "auth.verify";
  if (auto refused = request.refuseUnless(services.matrix, policy::Operation::ReadUsers)) {
    return *refused;
  }
  const std::string clientName = request.caller.name;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  auto check = checkLogin(services, request, **body);
  request.audit.principal = clientName + " for " + request.audit.principal;
  if (!check) return errorReply(check.error());
  if (check->refusal != LoginRefusal::None) return refusalReply(request, check->refusal);
  auto user = services.directory.findUser(check->id);
  if (!user) return errorReply(user.error());
  const auto facts = scim::userFactsOf(*user->attributes);
  Object answer;
  answer.set("id", user->id);
  answer.set("userName", facts.userName);
  Array roles;
  for (auto role : userStateOf(facts, true).roles.value_or(std::set<policy::Role>{})) {
    roles.add(std::string(policy::roleName(role)));
  }
  answer.set("roles", roles);
  Array accounts;
  for (const auto& account : facts.accounts.value_or(std::set<std::string>{}))
    accounts.add(account);
  answer.set("accounts", accounts);
  answer.set("mfaEnrollmentRequired", check->enrolmentOnly);
  return Reply::json(200, answer, kPlainJson);
}

Reply changeOwnPassword(Services& services, Request& request) {
  request.audit.operation = "auth.password.change";
  request.audit.target = request.caller.principal.userId;
  request.audit.attributes = {"password"};
  if (!request.caller.isPerson()) {
    return request.deny(policy::Decision::forbidden(
        "a provisioning client has no password of its own; reset a user's password with POST "
        "/auth/password/set"));
  }
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  const std::string current = stringField(**body, "currentPassword");
  const std::string next = stringField(**body, "newPassword");
  const std::string confirmation = stringField(**body, "confirmPassword");
  if (current.empty() || next.empty()) {
    return errorReply(
        {ErrorKind::InvalidValue, "send currentPassword, newPassword and confirmPassword"});
  }
  auto user = services.directory.findUser(request.caller.principal.userId);
  if (!user) return errorReply(user.error());
  const auto facts = scim::userFactsOf(*user->attributes);
  const scim::Error wrongCurrent{ErrorKind::Forbidden, "the current password is wrong"};
  auto verified = services.directory.verifyPassword(facts.userName, current);
  if (!verified) {
    if (verified.error().kind != ErrorKind::Unauthorized) return errorReply(verified.error());
    request.audit.outcome = "denied";
    request.audit.reason = "current password wrong";
    return errorReply(wrongCurrent);
  }
  if (auto problem = passwordProblems(services, next, facts, &confirmation)) {
    return errorReply(*problem);
  }
  // As the user, so the directory's own policy for users applies (history, minimum age...).
  auto changed = services.directory.changeOwnPassword(facts.userName, current, next);
  if (!changed) {
    // Unauthorized: the password changed since the check above.
    if (changed.error().kind == ErrorKind::Unauthorized) return errorReply(wrongCurrent);
    return errorReply(changed.error());
  }
  return Reply::noContent();
}

Reply setPassword(Services& services, Request& request) {
  request.audit.operation = "auth.password.set";
  request.audit.attributes = {"password"};
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  const std::string id = stringField(**body, "userId");
  const std::string next = stringField(**body, "newPassword");
  const std::string confirmation = stringField(**body, "confirmPassword");
  if (id.empty() || next.empty()) {
    return errorReply({ErrorKind::InvalidValue, "send userId, newPassword and confirmPassword"});
  }
  if (id == request.caller.principal.userId) return errorReply(ownPasswordHere());
  auto loaded = loadTarget(services, request, id, policy::Operation::ResetPasswords);
  if (auto* refused = std::get_if<Reply>(&loaded)) return *refused;
  const auto facts = scim::userFactsOf(*std::get<Loaded>(loaded).user.attributes);
  if (auto problem = passwordProblems(services, next, facts, &confirmation)) {
    return errorReply(*problem);
  }
  auto set = services.directory.setPassword(id, next);
  if (!set) return errorReply(set.error());
  return Reply::noContent();
}

}  // namespace

void addLoginRoutes(Router& router, Services& services) {
  auto route = [&](const char* pattern, Guard guard, ServiceHandler handler) {
    router.add({"POST", pattern, guard, withServices(services, handler)});
  };
  route("/auth/login", Guard::Public, login);
  route("/auth/verify", Guard::Caller, verifyLogin);
  route("/auth/password/change", Guard::Caller, changeOwnPassword);
  route("/auth/password/set", Guard::Caller, setPassword);
}

}  // namespace scimgate::gateway
