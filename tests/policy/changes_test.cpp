#include "policy/changes.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

namespace policy = scimgate::policy;
using policy::DecisionKind;
using policy::GroupKind;
using policy::Role;

namespace {

policy::Principal person(Role role, std::string id = "caller-id") {
  policy::Principal principal;
  principal.userId = std::move(id);
  principal.role = role;
  principal.allAccounts = true;
  return principal;
}

policy::Principal client(Role role) {
  policy::Principal principal;
  principal.role = role;
  principal.allAccounts = true;
  return principal;
}

policy::Target someone(std::optional<Role> role = Role::Agent) {
  policy::Target target;
  target.userId = "target-id";
  target.role = role;
  return target;
}

policy::UserState state(std::optional<std::set<Role>> roles,
                        std::optional<std::set<std::string>> accounts = std::nullopt,
                        std::optional<bool> active = std::nullopt) {
  return {std::move(roles), std::move(accounts), active};
}

const policy::PermissionMatrix kMatrix = policy::defaultMatrix();

}  // namespace

TEST_CASE("a user change is checked for roles, accounts, status and password in one place",
          "[policy][changes]") {
  SECTION("a write that states no roles, accounts or status changes nothing policy guards") {
    policy::UserChange change{state({{Role::Agent}}, std::set<std::string>{}, true), state({}),
                              false};
    CHECK(policy::checkUserChange(kMatrix, client(Role::Manager), someone(), change).isAllowed());
  }
  SECTION("the same roles again is not a role change, even for a Manager") {
    policy::UserChange change{state({{Role::Agent}}), state({{Role::Agent}}), false};
    CHECK(policy::checkUserChange(kMatrix, client(Role::Manager), someone(), change).isAllowed());
  }
  SECTION("a Manager may not change roles (the matrix)") {
    policy::UserChange change{state({{Role::Agent}}), state({{Role::Viewer}}), false};
    auto decision = policy::checkUserChange(kMatrix, client(Role::Manager), someone(), change);
    CHECK(decision.kind == DecisionKind::Forbidden);
  }
  SECTION("an Administrator grants Manager; nobody grants a role above their own") {
    policy::UserChange change{state({{Role::Agent}}), state({{Role::Manager}}), false};
    CHECK(policy::checkUserChange(kMatrix, client(Role::Administrator), someone(), change)
              .isAllowed());
    policy::PermissionMatrix generous = kMatrix;
    generous.allowed[Role::Manager].insert(policy::Operation::ChangeRoles);
    policy::UserChange up{state({{Role::Agent}}), state({{Role::Administrator}}), false};
    auto decision = policy::checkUserChange(generous, client(Role::Manager), someone(), up);
    CHECK(decision.kind == DecisionKind::Forbidden);
    CHECK(decision.reason.find("cannot grant the Administrator role") != std::string::npos);
  }
  SECTION("a create without roles gets the default role without a role check") {
    policy::UserChange create{std::nullopt, state({std::set<Role>{}}), false};
    CHECK(policy::checkUserChange(kMatrix, client(Role::Administrator), {}, create).isAllowed());
  }
  SECTION("removing every role is a change to Viewer") {
    policy::UserChange change{state({{Role::Agent}}), state({std::set<Role>{}}), false};
    CHECK(policy::checkUserChange(kMatrix, client(Role::Manager), someone(), change).kind ==
          DecisionKind::Forbidden);
  }
  SECTION("accounts: each one added or removed needs an Administrator of it") {
    auto scoped = person(Role::Administrator);
    scoped.allAccounts = false;
    scoped.accounts = {"acme"};
    auto target = someone();
    target.accounts = {"acme"};
    policy::UserChange addMine{state({}, std::set<std::string>{}),
                               state({}, std::set<std::string>{"acme"}), false};
    CHECK(policy::checkUserChange(kMatrix, scoped, target, addMine).isAllowed());
    policy::UserChange addOther{state({}, std::set<std::string>{"acme"}),
                                state({}, std::set<std::string>{"acme", "globex"}), false};
    CHECK(policy::checkUserChange(kMatrix, scoped, target, addOther).kind ==
          DecisionKind::Forbidden);
    target.accounts = {"acme", "globex"};
    policy::UserChange removeOther{state({}, std::set<std::string>{"acme", "globex"}),
                                   state({}, std::set<std::string>{"acme"}), false};
    CHECK(policy::checkUserChange(kMatrix, scoped, target, removeOther).kind ==
          DecisionKind::Forbidden);
    // A user outside the caller's accounts is not there at all for it.
    CHECK(policy::checkUserChange(kMatrix, scoped, someone(), addMine).kind ==
          DecisionKind::NotFound);
  }
  SECTION("deactivating the last active Administrator is refused; reactivation is not") {
    auto target = someone(Role::Administrator);
    target.isActiveAdministrator = true;
    target.activeAdministrators = 1;
    policy::UserChange off{state({}, std::nullopt, true), state({}, std::nullopt, false), false};
    CHECK(policy::checkUserChange(kMatrix, client(Role::Administrator), target, off).kind ==
          DecisionKind::Forbidden);
    target.activeAdministrators = 2;
    CHECK(policy::checkUserChange(kMatrix, client(Role::Administrator), target, off).isAllowed());
    policy::UserChange on{state({}, std::nullopt, false), state({}, std::nullopt, true), false};
    CHECK(policy::checkUserChange(kMatrix, client(Role::Administrator), someone(), on).isAllowed());
    CHECK(policy::checkUserChange(kMatrix, client(Role::Manager), someone(), on).kind ==
          DecisionKind::Forbidden);
  }
  SECTION("a password on an existing user is a reset: never one's own, resetPasswords otherwise") {
    policy::UserChange withPassword{state({}), state({}), true};
    auto self = someone();
    self.isCaller = true;
    auto decision = policy::checkUserChange(kMatrix, person(Role::Administrator, "target-id"), self,
                                            withPassword);
    CHECK(decision.kind == DecisionKind::Forbidden);
    CHECK(decision.reason.find("/auth/password/change") != std::string::npos);
    CHECK(policy::checkUserChange(kMatrix, client(Role::Administrator), someone(), withPassword)
              .isAllowed());
    CHECK(policy::checkUserChange(kMatrix, client(Role::Manager), someone(), withPassword).kind ==
          DecisionKind::Forbidden);
    policy::UserChange create{std::nullopt, state({}), true};
    CHECK(policy::checkUserChange(kMatrix, client(Role::Manager), {}, create).isAllowed());
  }
}

TEST_CASE("a scoped caller creates users only inside its accounts", "[policy][changes]") {
  auto scoped = client(Role::Administrator);
  scoped.allAccounts = false;
  scoped.accounts = {"acme"};
  CHECK(policy::checkCreateScope(scoped, std::nullopt).kind == DecisionKind::Forbidden);
  CHECK(policy::checkCreateScope(scoped, std::set<std::string>{}).kind == DecisionKind::Forbidden);
  CHECK(policy::checkCreateScope(scoped, std::set<std::string>{"acme"}).isAllowed());
  CHECK(policy::checkCreateScope(client(Role::Administrator), std::nullopt).isAllowed());
}

TEST_CASE("userName and email are immutable by rule, and the rules can be switched off",
          "[policy][changes]") {
  const policy::Identity before{"ada", "ada@example.com"};
  SECTION("defaults: both immutable") {
    const policy::IdentityRules rules;
    CHECK(policy::checkIdentityChange(rules, before, {"ada", "ADA@example.com"}).isAllowed());
    auto renamed = policy::checkIdentityChange(rules, before, {"ada2", "ada@example.com"});
    CHECK(renamed.kind == DecisionKind::Immutable);
    CHECK(policy::toError(renamed).kind == scimgate::ErrorKind::Mutability);
    CHECK(policy::checkIdentityChange(rules, before, {"ada", "other@example.com"}).kind ==
          DecisionKind::Immutable);
    CHECK(policy::checkIdentityChange(rules, {"ada", ""}, {"ada", "new@example.com"}).isAllowed());
  }
  SECTION("switched off for identity providers that rename") {
    const policy::IdentityRules rules{false, false};
    CHECK(policy::checkIdentityChange(rules, before, {"ada2", "other@example.com"}).isAllowed());
  }
}

TEST_CASE("a person changes only the profile fields of their own user", "[policy][changes]") {
  CHECK(policy::isSelfWritable("displayName"));
  CHECK(policy::isSelfWritable("PHONENUMBERS"));
  CHECK_FALSE(policy::isSelfWritable("userName"));
  CHECK_FALSE(policy::isSelfWritable("emails"));
  CHECK_FALSE(policy::isSelfWritable("roles"));
  CHECK(policy::isSelfWritable(
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization"));
  CHECK_FALSE(policy::isSelfWritable(
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"));

  CHECK(policy::checkOwnProfileChange(kMatrix, person(Role::Agent), {"displayName", "name"})
            .isAllowed());
  auto roles = policy::checkOwnProfileChange(kMatrix, person(Role::Agent), {"nickName", "roles"});
  CHECK(roles.kind == DecisionKind::Immutable);
  CHECK(roles.reason ==
        "'roles' cannot be changed here; you may change name, displayName, nickName, phoneNumbers, "
        "timezone, preferredLanguage, locale, profileUrl, photos, "
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization "
        "and urn:scimgate:params:scim:schemas:extension:2.0:User:emailPreferences");
  // The brief's Viewer is read-only, even for its own profile.
  CHECK(policy::checkOwnProfileChange(kMatrix, person(Role::Viewer), {"displayName"}).kind ==
        DecisionKind::Forbidden);

  auto self = someone();
  self.isCaller = true;
  CHECK(policy::isOwnProfileOnly(kMatrix, person(Role::Agent, "target-id"), self));
  CHECK_FALSE(policy::isOwnProfileOnly(kMatrix, person(Role::Administrator, "target-id"), self));
  CHECK_FALSE(policy::isOwnProfileOnly(kMatrix, person(Role::Agent), someone()));
}

TEST_CASE("each group kind needs its own permission", "[policy][changes]") {
  CHECK(policy::groupOperation(GroupKind::Role) == policy::Operation::ChangeRoles);
  CHECK(policy::groupOperation(GroupKind::Queue) == policy::Operation::ManageQueues);
  CHECK(policy::groupOperation(GroupKind::Account) == policy::Operation::ManageAccounts);
  CHECK(policy::groupOperation(GroupKind::Group) == policy::Operation::ManageGroups);
  CHECK(policy::checkGroupDelete(GroupKind::Role).kind == DecisionKind::Forbidden);
  CHECK(policy::checkGroupDelete(GroupKind::Queue).isAllowed());
}

TEST_CASE("member changes of role groups keep the role invariants", "[policy][changes]") {
  const policy::GroupFacts administrators{GroupKind::Role, "admins-id", "Administrator"};
  const policy::GroupFacts agents{GroupKind::Role, "agents-id", "Agent"};
  SECTION("nobody grants or revokes a role above their own, or changes their own") {
    CHECK(policy::checkMemberChange(person(Role::Manager), administrators, {"u1"}, {}, {}).kind ==
          DecisionKind::Forbidden);
    CHECK(policy::checkMemberChange(person(Role::Manager), agents, {"u1"}, {}, {}).isAllowed());
    auto own = policy::checkMemberChange(person(Role::Manager), agents, {}, {"caller-id"}, {});
    CHECK(own.reason == "you cannot change your own role");
  }
  SECTION("removing active Administrators keeps at least one") {
    REQUIRE(policy::needsAdministratorFacts(administrators, {"u1"}));
    CHECK_FALSE(policy::needsAdministratorFacts(administrators, {}));
    CHECK_FALSE(policy::needsAdministratorFacts(agents, {"u1"}));
    auto last = policy::checkMemberChange(client(Role::Administrator), administrators, {}, {"u1"},
                                          {1, std::size_t{1}});
    CHECK(last.kind == DecisionKind::Forbidden);
    CHECK(last.reason.find("last active Administrator") != std::string::npos);
    CHECK(policy::checkMemberChange(client(Role::Administrator), administrators, {}, {"u1", "u2"},
                                    {2, std::size_t{2}})
              .kind == DecisionKind::Forbidden);
    CHECK(policy::checkMemberChange(client(Role::Administrator), administrators, {}, {"u1"},
                                    {1, std::size_t{2}})
              .isAllowed());
    // Removing someone who is not an active Administrator takes none away.
    CHECK(policy::checkMemberChange(client(Role::Administrator), administrators, {}, {"u1"},
                                    {0, std::size_t{1}})
              .isAllowed());
  }
  SECTION("when the Administrators cannot be counted, the removal is refused (fails closed)") {
    auto unknown = policy::checkMemberChange(client(Role::Administrator), administrators, {},
                                             {"u1"}, {1, std::nullopt});
    CHECK(unknown.kind == DecisionKind::Forbidden);
    CHECK(unknown.reason.find("could not be checked") != std::string::npos);
    CHECK(policy::checkAdministratorsRemain(1, std::nullopt, "deleted").kind ==
          DecisionKind::Forbidden);
  }
}

TEST_CASE("member changes of account groups need an Administrator of the account",
          "[policy][changes]") {
  const policy::GroupFacts acme{GroupKind::Account, "acme", "Acme"};
  auto admin = person(Role::Administrator);
  admin.allAccounts = false;
  admin.accounts = {"acme"};
  CHECK(policy::checkMemberChange(admin, acme, {"u1"}, {"u2"}, {}).isAllowed());
  auto other = admin;
  other.accounts = {"globex"};
  CHECK(policy::checkMemberChange(other, acme, {"u1"}, {}, {}).kind == DecisionKind::Forbidden);
  CHECK(policy::checkMemberChange(other, acme, {}, {"u1"}, {}).kind == DecisionKind::Forbidden);
  CHECK(policy::checkMemberChange(person(Role::Manager), acme, {}, {}, {}).isAllowed());
  SECTION("a new account's creator administers it, if an Administrator") {
    const policy::GroupFacts fresh{GroupKind::Account, "", "Initech"};
    CHECK(policy::checkNewGroupMembers(other, fresh, {"u1"}).isAllowed());
    CHECK(policy::checkNewGroupMembers(person(Role::Manager), fresh, {"u1"}).kind ==
          DecisionKind::Forbidden);
    CHECK(policy::checkNewGroupMembers(person(Role::Manager), fresh, {}).isAllowed());
  }
}

TEST_CASE("a refusal becomes one error value", "[policy][changes]") {
  CHECK(policy::toError(policy::Decision::forbidden("no")).kind == scimgate::ErrorKind::Forbidden);
  CHECK(policy::toError(policy::Decision::notFound("no")).kind == scimgate::ErrorKind::NotFound);
  CHECK(policy::toError(policy::Decision::immutable("no")).detail == "no");
  CHECK(policy::toError(policy::Decision::allow()).kind == scimgate::ErrorKind::Internal);
}

TEST_CASE("an invitation needs inviteUsers, no role above the caller's and administered accounts",
          "[policy][changes]") {
  const auto matrix = policy::defaultMatrix();
  auto admin = person(Role::Administrator);
  admin.allAccounts = false;
  admin.accounts = {"north"};
  CHECK(policy::checkInvitation(matrix, admin, Role::Administrator, {"north"}).isAllowed());
  CHECK(policy::checkInvitation(matrix, admin, Role::Viewer, {"north"}).isAllowed());
  // Not an Administrator of that account.
  CHECK(policy::checkInvitation(matrix, admin, Role::Viewer, {"south"}).kind ==
        DecisionKind::Forbidden);
  // A scoped caller names an account.
  CHECK(policy::checkInvitation(matrix, admin, Role::Viewer, {}).kind == DecisionKind::Forbidden);
  // The default matrix gives inviteUsers to Administrators only.
  auto manager = person(Role::Manager);
  CHECK(policy::checkInvitation(matrix, manager, Role::Viewer, {}).kind == DecisionKind::Forbidden);
  // With the permission, still no role above one's own.
  auto generous = matrix;
  generous.allowed[Role::Manager].insert(policy::Operation::InviteUsers);
  CHECK(policy::checkInvitation(generous, manager, Role::Administrator, {}).kind ==
        DecisionKind::Forbidden);
  // A provisioning client with scope "*" and the Administrator role invites anywhere.
  CHECK(policy::checkInvitation(matrix, client(Role::Administrator), Role::Manager, {"south"})
            .isAllowed());
}
