#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace scimgate::policy {

/// The product roles, ordered by privilege: a later enumerator outranks an earlier one, so
/// `Role::Manager < Role::Administrator` reads as "ranks below".
enum class Role { Viewer, Agent, Manager, Administrator };

inline constexpr std::array<Role, 4> kAllRoles = {Role::Viewer, Role::Agent, Role::Manager,
                                                  Role::Administrator};

/// "Viewer", "Agent", "Manager", "Administrator": the names of the role groups under ou=roles.
std::string_view roleName(Role role);

/// The role with that name, compared case-insensitively ("manager" is Manager); nullopt for any
/// other text, including surrounding spaces.
std::optional<Role> parseRole(std::string_view name);

/// Everything the API lets a caller do, as the permission matrix names it.
enum class Operation {
  ReadUsers,            // read and list other users
  WriteUsers,           // create users; replace or modify their profile fields
  DeleteUsers,          // delete users (permanent)
  DeactivateUsers,      // set active=false / true
  ChangeRoles,          // change a user's role (the invariants in checkRoleChange still apply)
  ManageQueues,         // add users to and remove them from queue groups
  ManageAccounts,       // add users to and remove them from accounts (see checkAccountAdd)
  ManageGroups,         // create, change and delete plain groups and their members
  ReadGroups,           // read and list groups of every kind
  ResetPasswords,       // set another user's password
  GenerateBackupCodes,  // generate backup codes for another user
  ManageOthersMfa,      // reset or remove another user's second factor
  ViewReports,          // reports and the audit log
  ReadOwnProfile,       // GET /Me
  WriteOwnProfile,      // PUT/PATCH /Me (profile fields only)
  VerifyPasswords,      // POST /auth/verify: check a person's password (SSO clients only)
  InviteUsers,          // invite people by email (POST /invitations), resend and revoke
};

inline constexpr std::array<Operation, 17> kAllOperations = {
    Operation::ReadUsers,       Operation::WriteUsers,          Operation::DeleteUsers,
    Operation::DeactivateUsers, Operation::ChangeRoles,         Operation::ManageQueues,
    Operation::ManageAccounts,  Operation::ManageGroups,        Operation::ReadGroups,
    Operation::ResetPasswords,  Operation::GenerateBackupCodes, Operation::ManageOthersMfa,
    Operation::ViewReports,     Operation::ReadOwnProfile,      Operation::WriteOwnProfile,
    Operation::VerifyPasswords, Operation::InviteUsers};

/// The config and audit name: camelCase, e.g. "readUsers", "generateBackupCodes".
std::string_view operationName(Operation operation);

/// The operation with that name, compared case-insensitively ("ReadUsers" and "readusers" are
/// readUsers); nullopt for any other text.
std::optional<Operation> parseOperation(std::string_view name);

/// Which role may perform which operation. Kept in config; the invariants below hold whatever it
/// says. A role missing from `allowed` may do nothing.
struct PermissionMatrix {
  std::map<Role, std::set<Operation>> allowed;

  bool allows(Role role, Operation operation) const;
};

/// The product brief's matrix:
/// - Administrator: every operation.
/// - Manager: readUsers, readGroups, manageQueues, viewReports, readOwnProfile, writeOwnProfile
///   (no user writes, roles, accounts, deactivation, deletion, password resets or MFA of others).
/// - Agent: readUsers (within its accounts, like every role), readGroups, readOwnProfile,
///   writeOwnProfile.
/// - Viewer ("read-only"): readUsers, readGroups, readOwnProfile; not even writeOwnProfile.
PermissionMatrix defaultMatrix();

/// The outcome of reading a matrix from config: the matrix, or every problem found.
struct PermissionMatrixParse {
  PermissionMatrix matrix;
  std::vector<std::string> errors;  // one sentence per problem; empty when the config is valid
  bool ok() const { return errors.empty(); }
};

/// Reads {"Manager": ["readUsers", "manageQueues"], ...} (role → operation names, both
/// case-insensitive; "*" means every operation). Each role the config names gets exactly the
/// listed operations ([] = none); roles it does not name keep their row of `base`. Unknown role
/// or operation names and a role named twice (e.g. "manager" and "Manager") are reported, all of
/// them, with the valid names; `matrix` is then `base` unchanged.
PermissionMatrixParse parsePermissionMatrix(
    const std::map<std::string, std::vector<std::string>>& config,
    const PermissionMatrix& base = defaultMatrix());

/// The matrix in the config shape (every role, operations in enumeration order): for a config
/// dump or the admin console. `parsePermissionMatrix` reads it back to the same matrix.
std::map<std::string, std::vector<std::string>> describePermissionMatrix(
    const PermissionMatrix& matrix);

/// Who makes the request. The gateway builds it fresh for every request (DESIGN 6: a role change
/// takes effect immediately).
struct Principal {
  std::string userId;  // the person's SCIM id; empty for machine clients (provisioning tokens)
  Role role = Role::Viewer;        // a person in several role groups gets the highest
  std::set<std::string> accounts;  // account (tenant) ids the principal belongs to / is scoped to
  bool allAccounts = false;        // scope "*": every account

  bool isMachine() const { return userId.empty(); }
};

/// The facts about the user a request touches, gathered by the gateway from the directory.
struct Target {
  std::string userId;  // empty when the request touches no existing user (a list, a create)
  std::set<std::string> accounts;        // account ids the target belongs to
  std::optional<Role> role;              // its current (highest) role, if it has one
  bool isCaller = false;                 // the target is the caller itself
  bool isActiveAdministrator = false;    // an active member of the Administrator role group
  std::size_t activeAdministrators = 0;  // active Administrators in the whole directory
};

/// Forbidden: the caller may not (403). NotFound: the caller may not even see the target (404).
/// Immutable: nobody may change this value here (400 mutability).
enum class DecisionKind { Allow, Forbidden, NotFound, Immutable };

/// The answer to "may this happen?". `reason` is empty on Allow; otherwise a sentence a person
/// can act on, safe to show to the caller (no ids beyond what the caller sent). `toError` turns a
/// refusal into the one error value the gateway answers with.
struct Decision {
  DecisionKind kind = DecisionKind::Allow;
  std::string reason;

  bool isAllowed() const { return kind == DecisionKind::Allow; }

  static Decision allow() { return {}; }
  static Decision forbidden(std::string reason) {
    return {DecisionKind::Forbidden, std::move(reason)};
  }
  static Decision notFound(std::string reason) {
    return {DecisionKind::NotFound, std::move(reason)};
  }
  static Decision immutable(std::string reason) {
    return {DecisionKind::Immutable, std::move(reason)};
  }
};

/// The error a refusal is answered with (Forbidden, NotFound or Mutability, with the reason);
/// Internal for an Allow, which is not a refusal.
Error toError(const Decision& decision);

/// The last-Administrator invariant (DESIGN 5a, 6), in one place for every path that can take
/// Administrators away (demotion, deactivation, deletion, removal from the role group): refused
/// unless at least one active Administrator remains after `removing` of them go. An unknown count
/// (nullopt: the directory could not say) is refused too: the rule fails closed.
Decision checkAdministratorsRemain(std::size_t removing,
                                   std::optional<std::size_t> activeAdministrators,
                                   std::string_view what);

/// May the principal perform the operation at all, before any target is known? Forbidden when
/// the matrix denies it to the principal's role; readOwnProfile/writeOwnProfile are Forbidden for
/// machine principals, which have no profile; verifyPasswords is Forbidden for people (it is for
/// SSO integrations: a person's session must not become a password oracle). Call this before
/// loading the target, so that a denied caller gets 403 whether or not the user exists.
Decision authorize(const PermissionMatrix& matrix, const Principal& principal, Operation operation);

/// May the principal perform the operation on this target? In order:
/// 1. the matrix: Forbidden when it denies the role the operation. A caller acting on itself
///    through readUsers/writeUsers is allowed when the role has readOwnProfile/writeOwnProfile.
/// 2. own-profile operations on somebody else are Forbidden.
/// 3. the account scope, when `target.userId` is set and the target is not the caller: NotFound
///    unless the principal has scope "*" or shares an account with the target (so a user outside
///    the caller's accounts looks the same as one that does not exist).
/// Role, account and last-Administrator invariants are separate: see the check* functions.
Decision authorize(const PermissionMatrix& matrix, const Principal& principal, Operation operation,
                   const Target& target);

/// The accounts of `accounts` the principal may be told about: all of them for scope "*", else
/// only those in the principal's own scope.
std::set<std::string> visibleAccounts(const Principal& principal,
                                      const std::set<std::string>& accounts);

/// Invariants of a role change (DESIGN 6), whatever the matrix says: nobody changes their own
/// role; nobody changes the role of a user who outranks them; nobody grants a role above their
/// own; the last active Administrator is not demoted. Setting a user's role to the role it
/// already has is not a change and is allowed. Call after `authorize(..., ChangeRoles, target)`.
Decision checkRoleChange(const Principal& principal, const Target& target, Role newRole);

/// Invariant of adding a user to an account: the caller must be an Administrator of that account.
/// For a person, `accountsWhereCallerIsAdministrator` (gathered by the gateway) decides. A machine
/// principal counts as Administrator of every account when its role is Administrator and its
/// scope is "*", of its own accounts when its role is Administrator and it is scoped, and of none
/// otherwise (the set is ignored for machines). Also applies to a user being created with
/// accounts: call once per account.
Decision checkAccountAdd(const Principal& principal, std::string_view accountId,
                         const std::set<std::string>& accountsWhereCallerIsAdministrator);

/// The same rule for removing a user from an account.
Decision checkAccountRemove(const Principal& principal, std::string_view accountId,
                            const std::set<std::string>& accountsWhereCallerIsAdministrator);

/// Invariant of deactivation and deletion: the last active Administrator stays. Allowed for any
/// other target (the matrix decides who may deactivate or delete at all).
Decision checkDeactivateOrDelete(const Principal& principal, const Target& target);

}  // namespace scimgate::policy
