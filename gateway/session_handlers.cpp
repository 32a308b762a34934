// What a signed-in person's client needs to know about the session (GET /auth/session) and the
// password rules a new password must meet (GET /auth/password/rules): the web console shows or
// hides actions from them, the server still decides every request.

#include <Poco/JSON/Array.h>

#include "gateway/error_response.h"
#include "gateway/handlers.h"
#include "policy/changes.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using scim::ErrorKind;

Reply showSession(Services& services, Request& request) {
  const auto& caller = request.caller;
  if (!caller.isPerson()) {
    return errorReply({ErrorKind::Forbidden,
                       "a session belongs to a person who logged in (POST /auth/login); "
                       "provisioning clients have none"});
  }
  auto user = services.directory.findUser(caller.principal.userId);
  if (!user) return errorReply(user.error());
  const auto facts = scim::userFactsOf(*user->attributes);
  const auto capabilities = policy::capabilitiesOf(services.matrix, caller.principal);

  Object answer;
  answer.set("userId", caller.principal.userId);
  answer.set("userName", facts.userName);
  answer.set("displayName", user->attributes->optValue<std::string>("displayName", ""));
  answer.set("role", std::string(policy::roleName(caller.principal.role)));
  Array permissions;
  // Enrolling a second factor is all an enrolment-only session may do.
  if (!caller.enrolmentOnly) {
    for (const auto operation : capabilities.operations) {
      permissions.add(std::string(policy::operationName(operation)));
    }
  }
  answer.set("permissions", permissions);
  Array grantable;
  if (!caller.enrolmentOnly) {
    for (const auto role : capabilities.grantableRoles) {
      grantable.add(std::string(policy::roleName(role)));
    }
  }
  answer.set("grantableRoles", grantable);
  Array administered;
  for (const auto& account : capabilities.administeredAccounts) administered.add(account);
  answer.set("administeredAccounts", administered);
  answer.set("administersAllAccounts", capabilities.allAccounts);
  answer.set("mfaEnrollmentRequired", caller.enrolmentOnly);
  return Reply::json(200, answer, kPlainJson).with("Cache-Control", "no-store");
}

Reply showPasswordRules(Services& services, Request&) {
  return Reply::json(200, passwordRulesJson(services.passwords), kPlainJson);
}

}  // namespace

Poco::JSON::Object passwordRulesJson(const policy::PasswordRules& rules) {
  Object answer;
  answer.set("minLength", rules.minLength);
  answer.set("maxLength", rules.maxLength);
  answer.set("requireLower", rules.requireLower);
  answer.set("requireUpper", rules.requireUpper);
  answer.set("requireDigit", rules.requireDigit);
  answer.set("requireSpecial", rules.requireSpecial);
  answer.set("rejectUserNameParts", rules.rejectUserNameParts);
  return answer;
}

void addSessionRoutes(Router& router, Services& services) {
  router.add(
      {"GET", "/auth/session", Guard::CallerOrEnrolment, withServices(services, showSession)});
  router.add(
      {"GET", "/auth/password/rules", Guard::Public, withServices(services, showPasswordRules)});
}

}  // namespace scimgate::gateway
