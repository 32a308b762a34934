#include "policy/changes.h"

#include <algorithm>

#include "policy/detail/text.h"

namespace scimgate::policy {
namespace {

using detail::equalsIgnoringCase;

Decision checkRoles(const PermissionMatrix& matrix, const Principal& principal,
                    const Target& target, const UserChange& change) {
  // A missing `roles` leaves them as they are; a create that names none gets the default role.
  if (!change.after.roles) return Decision::allow();
  const std::set<Role>& wanted = *change.after.roles;
  const std::set<Role> had =
      change.before ? change.before->roles.value_or(std::set<Role>{}) : std::set<Role>{};
  if (wanted == had || (!change.before && wanted.empty())) return Decision::allow();
  auto decision = authorize(matrix, principal, Operation::ChangeRoles, target);
  if (!decision.isAllowed()) return decision;
  const Role highest = wanted.empty() ? Role::Viewer : *wanted.rbegin();
  return checkRoleChange(principal, target, highest);
}

Decision checkAccounts(const PermissionMatrix& matrix, const Principal& principal,
                       const Target& target, const UserChange& change) {
  if (!change.after.accounts) return Decision::allow();
  const auto& wanted = *change.after.accounts;
  const std::set<std::string> had = change.before
                                        ? change.before->accounts.value_or(std::set<std::string>{})
                                        : std::set<std::string>{};
  const auto administered = accountsAdministeredBy(principal);
  for (const auto& id : wanted) {
    if (had.count(id)) continue;
    auto decision = authorize(matrix, principal, Operation::ManageAccounts, target);
    if (!decision.isAllowed()) return decision;
    decision = checkAccountAdd(principal, id, administered);
    if (!decision.isAllowed()) return decision;
  }
  for (const auto& id : had) {
    if (wanted.count(id)) continue;
    auto decision = authorize(matrix, principal, Operation::ManageAccounts, target);
    if (!decision.isAllowed()) return decision;
    decision = checkAccountRemove(principal, id, administered);
    if (!decision.isAllowed()) return decision;
  }
  return Decision::allow();
}

Decision checkStatus(const PermissionMatrix& matrix, const Principal& principal,
                     const Target& target, const UserChange& change) {
  if (!change.before || !change.after.active) return Decision::allow();
  const bool wasActive = change.before->active.value_or(true);
  const bool nowActive = *change.after.active;
  if (wasActive == nowActive) return Decision::allow();
  auto decision = authorize(matrix, principal, Operation::DeactivateUsers, target);
  if (!decision.isAllowed() || nowActive) return decision;
  return checkDeactivateOrDelete(principal, target);
}

Decision checkPassword(const PermissionMatrix& matrix, const Principal& principal,
                       const Target& target, const UserChange& change) {
  if (!change.passwordGiven || !change.before) return Decision::allow();
  if (target.isCaller) {
    return Decision::forbidden(
        "change your own password with POST /auth/password/change, which asks for the current one");
  }
  return authorize(matrix, principal, Operation::ResetPasswords, target);
}

constexpr std::string_view kSelfWritable[] = {"name",         "displayName", "nickName",
                                              "phoneNumbers", "timezone",    "preferredLanguage",
                                              "locale",       "profileUrl",  "photos"};

}  // namespace

Decision checkUserChange(const PermissionMatrix& matrix, const Principal& principal,
                         const Target& target, const UserChange& change) {
  for (auto* check : {&checkRoles, &checkAccounts, &checkStatus, &checkPassword}) {
    auto decision = (*check)(matrix, principal, target, change);
    if (!decision.isAllowed()) return decision;
  }
  return Decision::allow();
}

Decision checkCreateScope(const Principal& principal,
                          const std::optional<std::set<std::string>>& accounts) {
  if (principal.allAccounts || (accounts && !accounts->empty())) return Decision::allow();
  return Decision::forbidden(
      "you manage users only within your accounts: name one of them in the new user's accounts "
      "(urn:scimgate:params:scim:schemas:extension:2.0:User:accounts)");
}

Decision checkInvitation(const PermissionMatrix& matrix, const Principal& principal, Role role,
                         const std::set<std::string>& accounts) {
  if (auto allowed = authorize(matrix, principal, Operation::InviteUsers); !allowed.isAllowed()) {
    return allowed;
  }
  if (principal.role < role) {
    return Decision::forbidden("you cannot invite somebody as " + std::string(roleName(role)) +
                               ", a role above your own (" + std::string(roleName(principal.role)) +
                               ")");
  }
  const auto administered = accountsAdministeredBy(principal);
  for (const auto& account : accounts) {
    if (auto added = checkAccountAdd(principal, account, administered); !added.isAllowed()) {
      return added;
    }
  }
  if (principal.allAccounts || !accounts.empty()) return Decision::allow();
  return Decision::forbidden(
      "you invite people only into your own accounts: name at least one in \"accounts\"");
}

std::set<std::string> accountsAdministeredBy(const Principal& principal) {
  if (principal.role != Role::Administrator) return {};
  return principal.accounts;
}

Capabilities capabilitiesOf(const PermissionMatrix& matrix, const Principal& principal) {
  Capabilities capabilities;
  for (const Operation operation : kAllOperations) {
    if (authorize(matrix, principal, operation).isAllowed()) {
      capabilities.operations.push_back(operation);
    }
  }
  if (authorize(matrix, principal, Operation::ChangeRoles).isAllowed() ||
      authorize(matrix, principal, Operation::InviteUsers).isAllowed()) {
    for (const Role role : kAllRoles) {
      if (role <= principal.role) capabilities.grantableRoles.push_back(role);
    }
  }
  capabilities.administeredAccounts = accountsAdministeredBy(principal);
  capabilities.allAccounts = principal.role == Role::Administrator && principal.allAccounts;
  return capabilities;
}

Decision checkIdentityChange(const IdentityRules& rules, const Identity& before,
                             const Identity& after) {
  if (rules.userNameImmutable && after.userName != before.userName) {
    return Decision::immutable(
        "userName cannot be changed after creation (scim.userNameImmutable)");
  }
  if (rules.emailImmutable && !before.primaryEmail.empty() &&
      !equalsIgnoringCase(before.primaryEmail, after.primaryEmail)) {
    return Decision::immutable(
        "the email cannot be changed after creation (scim.emailImmutable); a new email means a new "
        "account");
  }
  return Decision::allow();
}

bool isSelfWritable(std::string_view attribute) {
  return std::any_of(std::begin(kSelfWritable), std::end(kSelfWritable),
                     [&](std::string_view name) { return equalsIgnoringCase(attribute, name); });
}

bool isOwnProfileOnly(const PermissionMatrix& matrix, const Principal& principal,
                      const Target& target) {
  return target.isCaller && !matrix.allows(principal.role, Operation::WriteUsers);
}

Decision checkOwnProfileChange(const PermissionMatrix& matrix, const Principal& principal,
                               const std::vector<std::string>& changed) {
  if (!matrix.allows(principal.role, Operation::WriteOwnProfile)) {
    return Decision::forbidden("your role may not change your profile");
  }
  for (const auto& name : changed) {
    if (isSelfWritable(name)) continue;
    std::string allowed;
    for (std::size_t i = 0; i < std::size(kSelfWritable); ++i) {
      allowed += i == 0 ? "" : i + 1 == std::size(kSelfWritable) ? " and " : ", ";
      allowed += kSelfWritable[i];
    }
    return Decision::immutable("'" + name + "' cannot be changed here; you may change " + allowed);
  }
  return Decision::allow();
}

Operation groupOperation(GroupKind kind) {
  switch (kind) {
    case GroupKind::Role:
      return Operation::ChangeRoles;
    case GroupKind::Queue:
      return Operation::ManageQueues;
    case GroupKind::Account:
      return Operation::ManageAccounts;
    case GroupKind::Group:
      break;
  }
  return Operation::ManageGroups;
}

bool needsAdministratorFacts(const GroupFacts& group, const std::vector<std::string>& remove) {
  return group.kind == GroupKind::Role && !remove.empty() &&
         parseRole(group.displayName) == Role::Administrator;
}

Decision checkMemberChange(const Principal& principal, const GroupFacts& group,
                           const std::vector<std::string>& add,
                           const std::vector<std::string>& remove,
                           const AdministratorFacts& administrators) {
  if (group.kind == GroupKind::Account) {
    const auto administered = accountsAdministeredBy(principal);
    if (!add.empty()) {
      auto decision = checkAccountAdd(principal, group.id, administered);
      if (!decision.isAllowed()) return decision;
    }
    if (!remove.empty()) return checkAccountRemove(principal, group.id, administered);
    return Decision::allow();
  }
  if (group.kind != GroupKind::Role) return Decision::allow();
  const auto role = parseRole(group.displayName);
  if (!role) return Decision::allow();  // a role the policy does not rank
  if (principal.role < *role) {
    return Decision::forbidden("you cannot grant or revoke the role " + group.displayName +
                               ", which is above your own");
  }
  for (const auto* list : {&add, &remove}) {
    for (const auto& id : *list) {
      if (!principal.userId.empty() && id == principal.userId) {
        return Decision::forbidden("you cannot change your own role");
      }
    }
  }
  if (!needsAdministratorFacts(group, remove)) return Decision::allow();
  return checkAdministratorsRemain(administrators.activeRemoved,
                                   administrators.activeAdministrators,
                                   "removed from the Administrator role");
}

Decision checkNewGroupMembers(const Principal& principal, const GroupFacts& group,
                              const std::vector<std::string>& add) {
  if (add.empty()) return Decision::allow();
  if (group.kind == GroupKind::Account) {
    // The creator administers the new account.
    if (principal.role == Role::Administrator) return Decision::allow();
    return Decision::forbidden("only an Administrator puts users in a new account");
  }
  return checkMemberChange(principal, group, add, {}, AdministratorFacts{});
}

Decision checkGroupDelete(GroupKind kind) {
  if (kind != GroupKind::Role) return Decision::allow();
  return Decision::forbidden(
      "role groups come from the configuration (roles.names) and are not deleted through the API");
}

}  // namespace scimgate::policy
