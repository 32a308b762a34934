#include "gateway/targets.h"

#include "gateway/error_response.h"

namespace scimgate::gateway {

scim::Result<policy::Target> targetOf(Services& services, const Caller& caller,
                                      const scim::User& user) {
  const auto facts = scim::userFactsOf(*user.attributes);
  const auto principal = principalOf(user.id, facts);
  policy::Target target;
  target.userId = user.id;
  target.accounts = principal.accounts;
  if (facts.roles && !userStateOf(facts, true).roles->empty()) target.role = principal.role;
  target.isCaller = !caller.principal.userId.empty() && caller.principal.userId == user.id;
  target.isActiveAdministrator = !facts.isInactive() && target.role == policy::Role::Administrator;
  if (target.isActiveAdministrator) {
    auto count =
        services.directory.countActiveInRole(policy::roleName(policy::Role::Administrator));
    if (!count) return count.error();
    target.activeAdministrators = *count;
  }
  return target;
}

policy::AdministratorFacts administratorFactsOf(Services& services,
                                                const std::vector<std::string>& remove) {
  policy::AdministratorFacts facts;
  for (const auto& id : remove) {
    auto user = services.directory.findUser(id);
    if (!user) {
      if (user.error().kind == scim::ErrorKind::NotFound) continue;  // removing a non-member
      // Unknown: every member removed may be an active Administrator, and with no count the
      // policy refuses.
      facts.activeRemoved = remove.size();
      return facts;
    }
    const auto state = userStateOf(scim::userFactsOf(*user->attributes), true);
    if (*state.active && state.roles && state.roles->count(policy::Role::Administrator)) {
      ++facts.activeRemoved;
    }
  }
  // Nobody removed is an active Administrator: the rule holds whatever the count.
  if (facts.activeRemoved == 0) return facts;
  auto count = services.directory.countActiveInRole(policy::roleName(policy::Role::Administrator));
  if (count) facts.activeAdministrators = *count;
  return facts;
}

std::variant<Loaded, Reply> loadTarget(Services& services, Request& request, const std::string& id,
                                       policy::Operation operation) {
  request.audit.target = id;
  const bool self = request.caller.principal.userId == id;
  if (!self) {
    if (auto refused = request.refuseUnless(services.matrix, operation)) return *refused;
  }
  auto user = services.directory.findUser(id);
  if (!user) return errorReply(user.error());
  auto target = targetOf(services, request.caller, *user);
  if (!target) return errorReply(target.error());
  auto decision = policy::authorize(services.matrix, request.caller.principal, operation, *target);
  if (!decision.isAllowed()) return request.deny(decision, id);
  Loaded loaded{std::move(*user), std::move(*target), nullptr};
  if (!mayRemoveAdministrator(operation, loaded.target)) return loaded;
  return reloadLocked(services, request, std::move(loaded));
}

bool mayRemoveAdministrator(policy::Operation operation, const policy::Target& target) {
  switch (operation) {
    case policy::Operation::DeleteUsers:
      return true;
    case policy::Operation::WriteUsers:
    case policy::Operation::DeactivateUsers:
    case policy::Operation::ChangeRoles:
      return target.isActiveAdministrator;
    default:
      return false;
  }
}

std::variant<Loaded, Reply> reloadLocked(Services& services, Request& request, Loaded loaded) {
  if (loaded.administratorsLock) return loaded;
  auto lock = services.directory.lockAdministratorChanges();
  if (!lock) return errorReply(lock.error());
  auto user = services.directory.findUser(loaded.user.id);
  if (!user) return errorReply(user.error());
  auto target = targetOf(services, request.caller, *user);
  if (!target) return errorReply(target.error());
  return Loaded{std::move(*user), std::move(*target), std::move(*lock)};
}

std::optional<scim::Error> passwordProblems(const Services& services, const std::string& password,
                                            const scim::UserFacts& user,
                                            const std::string* confirmation) {
  policy::PasswordContext about;
  about.userName = user.userName;
  about.givenName = user.givenName;
  about.familyName = user.familyName;
  about.displayName = user.displayName;
  const auto unmet = confirmation ? policy::unmetPasswordChangeRules(password, *confirmation,
                                                                     services.passwords, about)
                                  : policy::unmetPasswordRules(password, services.passwords, about);
  if (unmet.empty()) return std::nullopt;
  std::string detail = "the password does not meet the rules: ";
  for (std::size_t i = 0; i < unmet.size(); ++i) detail += (i ? "; " : "") + unmet[i];
  return scim::Error{scim::ErrorKind::InvalidValue, detail};
}

scim::Error ownPasswordHere() {
  return {scim::ErrorKind::Mutability,
          "your own password is changed with POST /auth/password/change {\"currentPassword\", "
          "\"newPassword\", \"confirmPassword\"}"};
}

}  // namespace scimgate::gateway
