// People's credentials: /auth/login (a session), /auth/verify (the same check for SSO
// integrations), /auth/password/change (one's own) and /auth/password/set (an administrator's
// reset), /auth/logout (a person signs out).

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>
#include <variant>

#include "gateway/error_response.h"
#include "gateway/facts.h"
#include "gateway/handlers.h"
#include "gateway/links.h"
#include "gateway/targets.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using scim::ErrorKind;

/// Why a login is refused. Unknown user, wrong password, locked or deactivated account and a
/// wrong code are all InvalidCredentials: the answer tells nothing about which.
enum class LoginRefusal { None, InvalidCredentials, MfaRequired, SecondFactorLocked };

struct LoginCheck {
  std::string id;
  bool enrolmentOnly = false;
  LoginRefusal refusal = LoginRefusal::None;
  std::string codeSentTo;  // mfa_required: where a code was just sent (masked), if anywhere
};

// One password check (a login or an SSO verification) with what guards it against guessing
// (issue #13): the throttle per userName and client address, and refusals that all take at
// least auth.refusalMinimumMs, so that their timing tells no more than their body.
class Attempt {
 public:
  Attempt(Services& services, Request& request)
      : services_(services),
        request_(request),
        started_(std::chrono::steady_clock::now()),
        address_(request.clientAddress(services.config.auth.trustedProxies)) {}

  /// 429 with Retry-After while this userName or address must wait; nullopt to go on.
  std::optional<Reply> throttled(const std::string& userName) {
    userName_ = userName;
    auto wait = services_.throttle.waitSeconds(userName, address_, unixSeconds());
    if (!wait) return errorReply(wait.error());
    if (*wait == 0) return std::nullopt;
    return tooManyAttempts(*wait,
                           "too many failed attempts for this user name or from this "
                           "address");
  }

  /// The refusal, counted and answered no sooner than the configured minimum. `codeSentTo`:
  /// mfa_required after a code was sent there.
  Reply refused(LoginRefusal refusal, const std::string& codeSentTo = "") {
    if (refusal == LoginRefusal::InvalidCredentials) {
      if (auto counted = services_.throttle.recordFailure(userName_, address_, unixSeconds());
          !counted) {
        return errorReply(counted.error());
      }
    } else if (auto reset = services_.throttle.recordSuccess(userName_); !reset) {
      return errorReply(reset.error());  // mfa_required: the password was right
    }
    std::this_thread::sleep_until(
        started_ + std::chrono::milliseconds(services_.config.auth.refusalMinimumMs));
    return refusalReply(refusal, codeSentTo);
  }

  /// The password (and code) were right: the userName's count starts again.
  std::optional<Reply> succeeded() {
    if (auto reset = services_.throttle.recordSuccess(userName_); !reset) {
      return errorReply(reset.error());
    }
    return std::nullopt;
  }

  /// The second factor is locked after too many wrong codes: 429 until the lockout ends.
  Reply secondFactorLocked(const std::string& id) {
    std::int64_t wait = services_.config.mfa.settings.lockoutSeconds;
    if (services_.store) {
      auto failures = services_.store->failures(id);
      if (!failures) return errorReply(failures.error());
      if (failures->lockedUntil)
        wait = std::max<std::int64_t>(1, *failures->lockedUntil - unixSeconds());
    }
    return tooManyAttempts(wait, "too many wrong codes: the second factor is locked");
  }

 private:
  Reply tooManyAttempts(std::int64_t seconds, const std::string& why) {
    request_.audit.outcome = "denied";
    request_.audit.reason = "throttled";
    Object body;
    body.set("error", "too_many_attempts");
    body.set("detail", why + "; try again in " + std::to_string(seconds) + " seconds");
    body.set("retryAfter", seconds);
    return Reply::json(429, body, kPlainJson).with("Retry-After", std::to_string(seconds));
  }

  // DESIGN 5a: 401 {"error": "invalid_credentials" | "mfa_required", "detail"}.
  Reply refusalReply(LoginRefusal refusal, const std::string& codeSentTo) {
    const bool mfa = refusal == LoginRefusal::MfaRequired;
    const std::string error = mfa ? "mfa_required" : "invalid_credentials";
    request_.audit.outcome = "denied";
    request_.audit.reason = error;
    Object body;
    body.set("error", error);
    if (!mfa) {
      body.set("detail", "the user name, password or code is wrong, or the account is locked");
    } else if (!codeSentTo.empty()) {
      body.set("codeSentTo", codeSentTo);
      body.set("detail", "a code was sent to " + codeSentTo +
                             ": send it as \"code\" (or a code from the authenticator app, or "
                             "a backup code)");
    } else {
      body.set("detail",
               "this account has a second factor: send \"code\" with a code from the "
               "authenticator app or a backup code");
    }
    return Reply::json(401, body, kPlainJson).with("WWW-Authenticate", "Bearer");
  }

  Services& services_;
  Request& request_;
  std::chrono::steady_clock::time_point started_;
  std::string address_;
  std::string userName_;
};

// The userName and password of a login body; InvalidValue when either is missing.
scim::Result<std::pair<std::string, std::string>> credentialsOf(Request& request,
                                                                const Object& body) {
  std::string userName = stringField(body, "userName");
  std::string password = stringField(body, "password");
  request.audit.principal = userName;
  if (userName.empty() || password.empty()) {
    return scim::makeError(ErrorKind::InvalidValue,
                           "send {\"userName\": ..., \"password\": ...} as JSON strings");
  }
  return std::pair{std::move(userName), std::move(password)};
}

// Password by bind, then the second factor when the user has one.
scim::Result<LoginCheck> checkLogin(Services& services, Request& request, const Object& body,
                                    const std::string& userName, const std::string& password) {
  LoginCheck check;
  auto id = services.directory.verifyPassword(userName, password);
  if (!id && id.error().kind == ErrorKind::Unauthorized &&
      userName.find('@') != std::string::npos) {
    // People sign in with their email address too: then the one user who has it. A userName
    // that looks like an address (Entra ID's UPNs) was tried first.
    auto users = usersByLogin(services, userName, 2);
    if (!users) return users.error();
    if (users->size() == 1) {
      const auto facts = scim::userFactsOf(*users->front().attributes);
      if (facts.userName != userName)
        id = services.directory.verifyPassword(facts.userName, password);
    }
  }
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
  if (status->hasSecondFactor()) {
    const std::string code = stringField(body, "code");
    if (code.empty()) {
      check.refusal = LoginRefusal::MfaRequired;
      if (status->codeChannel && services.mailer) {
        // The password was right: send the code the person will type next.
        auto user = services.directory.findUser(*id);
        if (!user) return user.error();
        auto sent = sendSecondFactorCode(services, *user, *status->codeChannel);
        if (!sent) return sent.error();
        check.codeSentTo = *sent;
      }
      return check;
    }
    auto outcome = services.mfa->verifySecondFactor(*id, code, nowSeconds());
    if (!outcome) return outcome.error();
    services.metrics.secondFactor(metrics::GatewayMetrics::methodOf(code, *status), *outcome);
    if (*outcome == policy::mfa::SecondFactorOutcome::LockedOut) {
      request.audit.reason = std::string(policy::mfa::toString(*outcome));
      check.refusal = LoginRefusal::SecondFactorLocked;
    } else if (*outcome != policy::mfa::SecondFactorOutcome::Accepted) {
      request.audit.reason = std::string(policy::mfa::toString(*outcome));
      check.refusal = LoginRefusal::InvalidCredentials;
    }
    return check;
  }
  if (!services.config.mfa.requireForRoles.empty()) {
    auto user = services.directory.findUser(*id);
    if (!user) return user.error();
    check.enrolmentOnly = roleRequiresSecondFactor(services, *user);
  }
  return check;
}

// The throttled, timed check of a login body: the check, or the reply to send instead.
std::variant<LoginCheck, Reply> attemptLogin(Services& services, Request& request, Attempt& attempt,
                                             const Object& body) {
  auto credentials = credentialsOf(request, body);
  if (!credentials) return errorReply(credentials.error());
  const auto& [userName, password] = *credentials;
  if (auto wait = attempt.throttled(userName)) {
    services.metrics.login("throttled");
    services.metrics.throttled("login");
    return *wait;
  }
  auto check = checkLogin(services, request, body, userName, password);
  if (!check) {
    services.metrics.login("error");
    return errorReply(check.error());
  }
  if (check->refusal == LoginRefusal::SecondFactorLocked) {
    services.metrics.login("second_factor_locked");
    return attempt.secondFactorLocked(check->id);
  }
  if (check->refusal != LoginRefusal::None) {
    services.metrics.login(check->refusal == LoginRefusal::MfaRequired ? "second_factor_required"
                           : check->id.empty()                         ? "wrong_password"
                                                                       : "wrong_second_factor");
    return attempt.refused(check->refusal, check->codeSentTo);
  }
  services.metrics.login("success");
  return *check;
}

Reply login(Services& services, Request& request) {
  request.audit.operation = "auth.login";
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  Attempt attempt(services, request);
  auto checked = attemptLogin(services, request, attempt, **body);
  if (auto* reply = std::get_if<Reply>(&checked)) return *reply;
  const auto& check = std::get<LoginCheck>(checked);
  if (auto failed = attempt.succeeded()) return *failed;
  return sessionReply(services, check.id, check.enrolmentOnly);
}

// POST /auth/verify: the login check for SSO integrations, without a session. Only clients whose
// role has verifyPasswords; a user outside the client's accounts is refused exactly like a wrong
// password, and the answer names only the client's own accounts.
Reply verifyLogin(Services& services, Request& request) {
  request.audit.operation = "auth.verify";
  if (auto refused = request.refuseUnless(services.matrix, policy::Operation::VerifyPasswords)) {
    return *refused;
  }
  const std::string clientName = request.caller.name;
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  Attempt attempt(services, request);
  auto checked = attemptLogin(services, request, attempt, **body);
  request.audit.principal = clientName + " for " + request.audit.principal;
  if (auto* reply = std::get_if<Reply>(&checked)) return *reply;
  const auto& check = std::get<LoginCheck>(checked);
  auto user = services.directory.findUser(check.id);
  if (!user) return errorReply(user.error());
  const auto facts = scim::userFactsOf(*user->attributes);
  policy::Target target;
  target.userId = user->id;
  target.accounts = facts.accounts.value_or(std::set<std::string>{});
  const auto& principal = request.caller.principal;
  if (!policy::authorize(services.matrix, principal, policy::Operation::VerifyPasswords, target)
           .isAllowed()) {
    return attempt.refused(LoginRefusal::InvalidCredentials);
  }
  if (auto failed = attempt.succeeded()) return *failed;
  Object answer;
  answer.set("id", user->id);
  answer.set("userName", facts.userName);
  Array roles;
  for (auto role : userStateOf(facts, true).roles.value_or(std::set<policy::Role>{})) {
    roles.add(std::string(policy::roleName(role)));
  }
  answer.set("roles", roles);
  Array accounts;
  for (const auto& account : policy::visibleAccounts(principal, target.accounts)) {
    accounts.add(account);
  }
  answer.set("accounts", accounts);
  answer.set("mfaEnrollmentRequired", check.enrolmentOnly);
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
  // Whoever held the old password is signed out, on every instance.
  if (auto ended = services.access.endSessions(id); !ended) return errorReply(ended.error());
  return Reply::noContent();
}

// POST /auth/logout: a person signs out. Every session of theirs issued until now ends, on every
// instance sharing the state store: a session is a signed token, and what the store keeps is the
// time before which the person's tokens are void, so a copy of the token stops working too.
Reply logout(Services& services, Request& request) {
  request.audit.operation = "auth.logout";
  request.audit.target = request.caller.principal.userId;
  if (!request.caller.isPerson()) {
    return errorReply({ErrorKind::Forbidden,
                       "only a person's session can be signed out (POST /auth/login makes one); "
                       "a provisioning client's credential stays valid until it is revoked"});
  }
  if (auto ended = services.access.endSessions(request.caller.principal.userId); !ended) {
    return errorReply(ended.error());
  }
  return Reply::noContent();
}

// POST /auth/unlock {"userId"}: an administrator lifts the lockout the directory's password
// policy set after failed logins. Provisioning writes never do (issue #13).
Reply unlockUser(Services& services, Request& request) {
  request.audit.operation = "auth.unlock";
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  const std::string id = stringField(**body, "userId");
  if (id.empty()) return errorReply({ErrorKind::InvalidValue, "send {\"userId\": ...}"});
  auto loaded = loadTarget(services, request, id, policy::Operation::ResetPasswords);
  if (auto* refused = std::get_if<Reply>(&loaded)) return *refused;
  auto unlocked = services.directory.unlockUser(id);
  if (!unlocked) return errorReply(unlocked.error());
  // The gateway's own throttling of the userName ends with it.
  const auto facts = scim::userFactsOf(*std::get<Loaded>(loaded).user.attributes);
  if (auto forgiven = services.throttle.forgive(facts.userName); !forgiven) {
    return errorReply(forgiven.error());
  }
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
  route("/auth/unlock", Guard::Caller, unlockUser);
  route("/auth/logout", Guard::CallerOrEnrolment, logout);
}

}  // namespace scimgate::gateway
