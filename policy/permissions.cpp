#include "policy/permissions.h"

#include <algorithm>
#include <cctype>

#include "policy/detail/text.h"

namespace scimgate::policy {
namespace {

using detail::equalsIgnoringCase;

// "a Manager", "an Administrator": the subject of every Forbidden sentence.
std::string withArticle(Role role) {
  switch (role) {
    case Role::Viewer:
      return "a Viewer";
    case Role::Agent:
      return "an Agent";
    case Role::Manager:
      return "a Manager";
    case Role::Administrator:
      return "an Administrator";
  }
  return "a user";
}

// What the operation does, to complete "a Viewer cannot ...".
std::string_view describe(Operation operation) {
  switch (operation) {
    case Operation::ReadUsers:
      return "read other users";
    case Operation::WriteUsers:
      return "create or change users";
    case Operation::DeleteUsers:
      return "delete users";
    case Operation::DeactivateUsers:
      return "deactivate or reactivate users";
    case Operation::ChangeRoles:
      return "change roles";
    case Operation::ManageQueues:
      return "change queue membership";
    case Operation::ManageAccounts:
      return "change account membership";
    case Operation::ManageGroups:
      return "create, change or delete groups";
    case Operation::ReadGroups:
      return "read groups";
    case Operation::ResetPasswords:
      return "reset other users' passwords";
    case Operation::GenerateBackupCodes:
      return "generate backup codes for other users";
    case Operation::ManageOthersMfa:
      return "manage other users' second factor";
    case Operation::ViewReports:
      return "view reports";
    case Operation::ReadOwnProfile:
      return "read their own profile";
    case Operation::WriteOwnProfile:
      return "change their own profile";
    case Operation::VerifyPasswords:
      return "check people's passwords";
    case Operation::InviteUsers:
      return "invite users";
  }
  return "do this";
}

bool isOwnProfileOperation(Operation operation) {
  return operation == Operation::ReadOwnProfile || operation == Operation::WriteOwnProfile;
}

// The gateway says so, or the ids say so: a forgotten flag must not open a self-service hole.
bool isSelf(const Principal& principal, const Target& target) {
  return target.isCaller || (!principal.userId.empty() && principal.userId == target.userId);
}

bool sharesAccount(const Principal& principal, const Target& target) {
  if (principal.allAccounts) return true;
  return std::any_of(
      target.accounts.begin(), target.accounts.end(),
      [&principal](const std::string& id) { return principal.accounts.count(id) > 0; });
}

std::string joinedRoleNames() {
  std::string out;
  for (Role role : kAllRoles) {
    if (!out.empty()) out += ", ";
    out += roleName(role);
  }
  return out;
}

std::string joinedOperationNames() {
  std::string out;
  for (Operation operation : kAllOperations) {
    if (!out.empty()) out += ", ";
    out += operationName(operation);
  }
  return out;
}

bool isAccountAdministrator(const Principal& principal, std::string_view accountId,
                            const std::set<std::string>& accountsWhereCallerIsAdministrator) {
  const std::string id(accountId);
  if (principal.isMachine()) {
    return principal.role == Role::Administrator &&
           (principal.allAccounts || principal.accounts.count(id) > 0);
  }
  return accountsWhereCallerIsAdministrator.count(id) > 0;
}

Decision checkAccountChange(const Principal& principal, std::string_view accountId,
                            const std::set<std::string>& accountsWhereCallerIsAdministrator,
                            std::string_view verb) {
  if (isAccountAdministrator(principal, accountId, accountsWhereCallerIsAdministrator)) {
    return Decision::allow();
  }
  const std::string account = "account \"" + std::string(accountId) + "\"";
  if (principal.isMachine() && principal.role != Role::Administrator) {
    return Decision::forbidden("a client with the " + std::string(roleName(principal.role)) +
                               " role cannot " + std::string(verb) +
                               " accounts; it needs the Administrator role");
  }
  if (principal.isMachine()) {
    return Decision::forbidden("this client cannot " + std::string(verb) + " " + account +
                               ": the account is outside the client's scope");
  }
  return Decision::forbidden("only an Administrator of " + account + " can " + std::string(verb) +
                             " it, and you are not one");
}

}  // namespace

std::string_view roleName(Role role) {
  switch (role) {
    case Role::Viewer:
      return "Viewer";
    case Role::Agent:
      return "Agent";
    case Role::Manager:
      return "Manager";
    case Role::Administrator:
      return "Administrator";
  }
  return "Viewer";  // unreachable: the switch covers every role
}

std::optional<Role> parseRole(std::string_view name) {
  for (Role role : kAllRoles) {
    if (equalsIgnoringCase(name, roleName(role))) return role;
  }
  return std::nullopt;
}

std::string_view operationName(Operation operation) {
  switch (operation) {
    case Operation::ReadUsers:
      return "readUsers";
    case Operation::WriteUsers:
      return "writeUsers";
    case Operation::DeleteUsers:
      return "deleteUsers";
    case Operation::DeactivateUsers:
      return "deactivateUsers";
    case Operation::ChangeRoles:
      return "changeRoles";
    case Operation::ManageQueues:
      return "manageQueues";
    case Operation::ManageAccounts:
      return "manageAccounts";
    case Operation::ManageGroups:
      return "manageGroups";
    case Operation::ReadGroups:
      return "readGroups";
    case Operation::ResetPasswords:
      return "resetPasswords";
    case Operation::GenerateBackupCodes:
      return "generateBackupCodes";
    case Operation::ManageOthersMfa:
      return "manageOthersMfa";
    case Operation::ViewReports:
      return "viewReports";
    case Operation::ReadOwnProfile:
      return "readOwnProfile";
    case Operation::WriteOwnProfile:
      return "writeOwnProfile";
    case Operation::VerifyPasswords:
      return "verifyPasswords";
    case Operation::InviteUsers:
      return "inviteUsers";
  }
  return "readUsers";  // unreachable: the switch covers every operation
}

std::optional<Operation> parseOperation(std::string_view name) {
  for (Operation operation : kAllOperations) {
    if (equalsIgnoringCase(name, operationName(operation))) return operation;
  }
  return std::nullopt;
}

bool PermissionMatrix::allows(Role role, Operation operation) const {
  const auto row = allowed.find(role);
  return row != allowed.end() && row->second.count(operation) > 0;
}

PermissionMatrix defaultMatrix() {
  using Op = Operation;
  PermissionMatrix matrix;
  matrix.allowed[Role::Administrator] = {kAllOperations.begin(), kAllOperations.end()};
  matrix.allowed[Role::Manager] = {Op::ReadUsers,   Op::ReadGroups,     Op::ManageQueues,
                                   Op::ViewReports, Op::ReadOwnProfile, Op::WriteOwnProfile};
  matrix.allowed[Role::Agent] = {Op::ReadUsers, Op::ReadGroups, Op::ReadOwnProfile,
                                 Op::WriteOwnProfile};
  // The brief's Viewer is "read-only": it reads users, groups and its own profile, and changes
  // nothing, not even its own profile.
  matrix.allowed[Role::Viewer] = {Op::ReadUsers, Op::ReadGroups, Op::ReadOwnProfile};
  return matrix;
}

PermissionMatrixParse parsePermissionMatrix(
    const std::map<std::string, std::vector<std::string>>& config, const PermissionMatrix& base) {
  PermissionMatrixParse result{base, {}};
  std::map<Role, std::string> seen;  // role -> the config key that named it first
  for (const auto& [key, names] : config) {
    const std::optional<Role> role = parseRole(key);
    if (!role) {
      result.errors.push_back("unknown role \"" + key + "\" in the permission matrix; roles are " +
                              joinedRoleNames());
      continue;
    }
    if (const auto [it, inserted] = seen.emplace(*role, key); !inserted) {
      result.errors.push_back("role " + std::string(roleName(*role)) +
                              " is given twice in the permission matrix (\"" + it->second +
                              "\" and \"" + key + "\")");
      continue;
    }
    std::set<Operation> operations;
    for (const std::string& name : names) {
      if (name == "*") {
        operations.insert(kAllOperations.begin(), kAllOperations.end());
        continue;
      }
      const std::optional<Operation> operation = parseOperation(name);
      if (!operation) {
        result.errors.push_back(
            "unknown operation \"" + name + "\" for role " + std::string(roleName(*role)) +
            " in the permission matrix; operations are \"*\", " + joinedOperationNames());
        continue;
      }
      operations.insert(*operation);
    }
    result.matrix.allowed[*role] = std::move(operations);
  }
  if (!result.ok()) result.matrix = base;
  return result;
}

std::map<std::string, std::vector<std::string>> describePermissionMatrix(
    const PermissionMatrix& matrix) {
  std::map<std::string, std::vector<std::string>> out;
  for (Role role : kAllRoles) {
    std::vector<std::string>& names = out[std::string(roleName(role))];
    for (Operation operation : kAllOperations) {
      if (matrix.allows(role, operation)) names.emplace_back(operationName(operation));
    }
  }
  return out;
}

Decision authorize(const PermissionMatrix& matrix, const Principal& principal,
                   Operation operation) {
  return authorize(matrix, principal, operation, Target{});
}

Decision authorize(const PermissionMatrix& matrix, const Principal& principal, Operation operation,
                   const Target& target) {
  const bool self = isSelf(principal, target);
  bool permitted = matrix.allows(principal.role, operation);
  // GET/PUT/PATCH /Users/{own id} is the same act as /Me.
  if (!permitted && self && operation == Operation::ReadUsers) {
    permitted = matrix.allows(principal.role, Operation::ReadOwnProfile);
  }
  if (!permitted && self && operation == Operation::WriteUsers) {
    permitted = matrix.allows(principal.role, Operation::WriteOwnProfile);
  }
  if (!permitted) {
    return Decision::forbidden(withArticle(principal.role) + " cannot " +
                               std::string(describe(operation)));
  }
  if (operation == Operation::VerifyPasswords && !principal.isMachine()) {
    return Decision::forbidden(
        "checking passwords is for SSO integrations (provisioning clients with a token); people "
        "log in with POST /auth/login");
  }
  if (isOwnProfileOperation(operation)) {
    if (principal.isMachine()) {
      return Decision::forbidden("a provisioning client has no profile of its own");
    }
    if (!target.userId.empty() && !self) {
      return Decision::forbidden(std::string(operationName(operation)) +
                                 " applies only to your own profile");
    }
    return Decision::allow();
  }
  if (target.userId.empty() || self || sharesAccount(principal, target)) return Decision::allow();
  // RFC 7644 3.12 lets a server answer 404 for a resource the caller may not see; 403 would
  // confirm that the user exists in another tenant.
  return Decision::notFound("no user with this id exists among the accounts you can see");
}

std::set<std::string> visibleAccounts(const Principal& principal,
                                      const std::set<std::string>& accounts) {
  if (principal.allAccounts) return accounts;
  std::set<std::string> visible;
  for (const auto& id : accounts) {
    if (principal.accounts.count(id) > 0) visible.insert(id);
  }
  return visible;
}

Decision checkRoleChange(const Principal& principal, const Target& target, Role newRole) {
  if (target.role && *target.role == newRole) return Decision::allow();
  if (isSelf(principal, target)) {
    return Decision::forbidden("you cannot change your own role; another Administrator can");
  }
  if (newRole > principal.role) {
    return Decision::forbidden(withArticle(principal.role) + " cannot grant the " +
                               std::string(roleName(newRole)) + " role");
  }
  if (target.role && *target.role > principal.role) {
    return Decision::forbidden(withArticle(principal.role) + " cannot change the role of " +
                               withArticle(*target.role));
  }
  if (target.isActiveAdministrator && newRole != Role::Administrator) {
    return checkAdministratorsRemain(1, target.activeAdministrators, "demoted");
  }
  return Decision::allow();
}

Decision checkAccountAdd(const Principal& principal, std::string_view accountId,
                         const std::set<std::string>& accountsWhereCallerIsAdministrator) {
  return checkAccountChange(principal, accountId, accountsWhereCallerIsAdministrator,
                            "add users to");
}

Decision checkAccountRemove(const Principal& principal, std::string_view accountId,
                            const std::set<std::string>& accountsWhereCallerIsAdministrator) {
  return checkAccountChange(principal, accountId, accountsWhereCallerIsAdministrator,
                            "remove users from");
}

Decision checkDeactivateOrDelete(const Principal& /*principal*/, const Target& target) {
  if (!target.isActiveAdministrator) return Decision::allow();
  return checkAdministratorsRemain(1, target.activeAdministrators, "deactivated or deleted");
}

Decision checkAdministratorsRemain(std::size_t removing,
                                   std::optional<std::size_t> activeAdministrators,
                                   std::string_view what) {
  if (removing == 0) return Decision::allow();
  if (!activeAdministrators) {
    return Decision::forbidden(
        "the number of active Administrators could not be checked, so no "
        "Administrator can be " +
        std::string(what) + " right now; try again");
  }
  // Fewer than those removed counts as none left: facts that contradict each other must not
  // unlock the change.
  if (*activeAdministrators <= removing) {
    return Decision::forbidden("the last active Administrator cannot be " + std::string(what) +
                               "; make another user an Administrator first");
  }
  return Decision::allow();
}

Error toError(const Decision& decision) {
  switch (decision.kind) {
    case DecisionKind::Forbidden:
      return {ErrorKind::Forbidden, decision.reason};
    case DecisionKind::NotFound:
      return {ErrorKind::NotFound, decision.reason};
    case DecisionKind::Immutable:
      return {ErrorKind::Mutability, decision.reason};
    case DecisionKind::Allow:
      break;
  }
  return {ErrorKind::Internal, "an allowed request was answered as refused"};
}

}  // namespace scimgate::policy
