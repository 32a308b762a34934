#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "policy/permissions.h"

namespace scimgate::policy {

// Decisions about changes to users and groups (DESIGN 6): who may change roles, accounts, status,
// passwords, identity fields, their own profile and group members. The gateway gathers the facts
// (from scim::UserFacts and the directory) and asks; nothing here reads HTTP or LDAP.

/// A user's roles, accounts and status before or after a write.
struct UserState {
  /// The roles held (or asked for); nullopt when a write does not state them ("leave them").
  std::optional<std::set<Role>> roles;
  /// Account ids, lower-case; nullopt when a write does not state them ("leave them").
  std::optional<std::set<std::string>> accounts;
  /// Active or not; nullopt when a write does not state it.
  std::optional<bool> active;
};

/// A create (no `before`) or a change of an existing user.
struct UserChange {
  std::optional<UserState> before;
  UserState after;
  bool passwordGiven = false;
};

/// Every permission and invariant a change of roles, accounts, status or password touches, in
/// order: roles (changeRoles, then checkRoleChange against the highest role asked for), each
/// account added or removed (manageAccounts, then checkAccountAdd/Remove), deactivation and
/// reactivation (deactivateUsers, then the last-Administrator rule), and a password on an
/// existing user (never one's own here; resetPasswords otherwise). The first refusal, or Allow.
Decision checkUserChange(const PermissionMatrix& matrix, const Principal& principal,
                         const Target& target, const UserChange& change);

/// A caller scoped to accounts creates users only inside them: Forbidden when `accounts` (the new
/// user's) is missing or empty for such a caller.
Decision checkCreateScope(const Principal& principal,
                          const std::optional<std::set<std::string>>& accounts);

/// An invitation (issue #14): the caller may invite (inviteUsers); the invited user's role is not
/// above the caller's own; every account is one where the caller is an Administrator
/// (checkAccountAdd); a scoped caller names at least one account (checkCreateScope). The first
/// refusal, or Allow.
Decision checkInvitation(const PermissionMatrix& matrix, const Principal& principal, Role role,
                         const std::set<std::string>& accounts);

/// The accounts where the principal counts as Administrator for checkAccountAdd/Remove: a person
/// who is an Administrator, in the accounts they belong to; nobody else (machines are decided by
/// their role and scope inside those checks).
std::set<std::string> accountsAdministeredBy(const Principal& principal);

/// What a principal may do, for a client that shows or hides actions (the web console). The gateway
/// still decides every request on its own; this only describes the same rules ahead of time.
struct Capabilities {
  std::vector<Operation> operations;  // allowed with no target known, in enumeration order
  /// The roles the principal may give somebody (a role change or an invitation): every role up to
  /// its own when it may change roles or invite, none otherwise.
  std::vector<Role> grantableRoles;
  /// Accounts where it may add users (accountsAdministeredBy); `allAccounts` when it is an
  /// unscoped Administrator, who may add users to any account.
  std::set<std::string> administeredAccounts;
  bool allAccounts = false;
};
Capabilities capabilitiesOf(const PermissionMatrix& matrix, const Principal& principal);

/// Which identity fields are immutable after creation (DESIGN 2: both, unless the deployment lets
/// its identity provider rename).
struct IdentityRules {
  bool userNameImmutable = true;
  bool emailImmutable = true;
};

/// userName and primary email before and after a write.
struct Identity {
  std::string userName;
  std::string primaryEmail;
};

/// Immutable (400 mutability) when a rule forbids the change; a user who had no email may get one.
Decision checkIdentityChange(const IdentityRules& rules, const Identity& before,
                             const Identity& after);

/// The profile fields a person may change about themselves (name, displayName, nickName,
/// phoneNumbers, timezone, preferredLanguage, locale, profileUrl, photos); compared without case.
bool isSelfWritable(std::string_view attribute);

/// Whether a write of the caller's own user is limited to those fields: a person acting on
/// themselves whose role may not write users.
bool isOwnProfileOnly(const PermissionMatrix& matrix, const Principal& principal,
                      const Target& target);

/// A person's write of their own profile: Forbidden when the role may not write its own profile,
/// Immutable naming the first field in `changed` (top-level attribute names whose value differs
/// from the stored one) that is not self-writable.
Decision checkOwnProfileChange(const PermissionMatrix& matrix, const Principal& principal,
                               const std::vector<std::string>& changed);

/// The kinds of group (DESIGN 5a): each needs its own permission to change.
enum class GroupKind { Group, Role, Queue, Account };

/// The operation a change to a group of this kind needs (changeRoles, manageQueues,
/// manageAccounts, manageGroups).
Operation groupOperation(GroupKind kind);

/// The facts about a group whose members change.
struct GroupFacts {
  GroupKind kind = GroupKind::Group;
  std::string id;           // the group's id (for account groups: the account id)
  std::string displayName;  // for role groups: the role's name
};

/// What the directory says about removing members from the Administrator role group.
struct AdministratorFacts {
  std::size_t activeRemoved = 0;  // how many of the removed members are active Administrators
  /// Active Administrators in the whole directory; nullopt when they could not be counted (or a
  /// removed member could not be read): then the removal is refused.
  std::optional<std::size_t> activeAdministrators;
};

/// Member changes of role and account groups keep the invariants: no own role changes, no role
/// above the caller's, never the last active Administrator removed, accounts only where the
/// caller is their Administrator. Other kinds: Allow (the group's operation is checked apart).
/// `administrators` is consulted only for removals from the Administrator role.
Decision checkMemberChange(const Principal& principal, const GroupFacts& group,
                           const std::vector<std::string>& add,
                           const std::vector<std::string>& remove,
                           const AdministratorFacts& administrators);

/// Whether removing these members from this group needs AdministratorFacts (the gateway then
/// gathers them): removals from the Administrator role group.
bool needsAdministratorFacts(const GroupFacts& group, const std::vector<std::string>& remove);

/// Members named when a group is created: as checkMemberChange, except that an account group's
/// creator administers it, so only an Administrator may put users in a new account.
Decision checkNewGroupMembers(const Principal& principal, const GroupFacts& group,
                              const std::vector<std::string>& add);

/// Role groups come from the configuration and are never deleted through the API.
Decision checkGroupDelete(GroupKind kind);

}  // namespace scimgate::policy
