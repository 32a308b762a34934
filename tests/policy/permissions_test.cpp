#include "policy/permissions.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace policy = scimgate::policy;
using policy::DecisionKind;
using policy::Operation;
using policy::Role;

namespace {

// The brief's matrix, written out so that a change to defaultMatrix() must change this table.
struct Row {
  Operation operation;
  bool viewer;
  bool agent;
  bool manager;
  bool administrator;

  bool allows(Role role) const {
    switch (role) {
      case Role::Viewer:
        return viewer;
      case Role::Agent:
        return agent;
      case Role::Manager:
        return manager;
      case Role::Administrator:
        return administrator;
    }
    return false;
  }
};

// clang-format off
const std::vector<Row> kExpectedDefaultMatrix = {
    //                               Viewer  Agent  Manager  Administrator
    {Operation::ReadUsers,           true,   true,  true,    true},
    {Operation::WriteUsers,          false,  false, false,   true},
    {Operation::DeleteUsers,         false,  false, false,   true},
    {Operation::DeactivateUsers,     false,  false, false,   true},
    {Operation::ChangeRoles,         false,  false, false,   true},
    {Operation::ManageQueues,        false,  false, true,    true},
    {Operation::ManageAccounts,      false,  false, false,   true},
    {Operation::ManageGroups,        false,  false, false,   true},
    {Operation::ReadGroups,          true,   true,  true,    true},
    {Operation::ResetPasswords,      false,  false, false,   true},
    {Operation::GenerateBackupCodes, false,  false, false,   true},
    {Operation::ManageOthersMfa,     false,  false, false,   true},
    {Operation::ViewReports,         false,  false, true,    true},
    {Operation::ReadOwnProfile,      true,   true,  true,    true},
    {Operation::WriteOwnProfile,     false,  true,  true,    true},
    {Operation::VerifyPasswords,     false,  false, false,   true},
    {Operation::InviteUsers,         false,  false, false,   true},
};
// clang-format on

bool isOwnProfile(Operation operation) {
  return operation == Operation::ReadOwnProfile || operation == Operation::WriteOwnProfile;
}

policy::Principal person(Role role, std::set<std::string> accounts, std::string id = "caller") {
  return policy::Principal{std::move(id), role, std::move(accounts), false};
}

policy::Principal machine(Role role, std::set<std::string> accounts, bool allAccounts) {
  return policy::Principal{"", role, std::move(accounts), allAccounts};
}

policy::Target userIn(std::set<std::string> accounts, std::string id = "target") {
  policy::Target target;
  target.userId = std::move(id);
  target.accounts = std::move(accounts);
  target.role = Role::Agent;
  return target;
}

policy::Target administrator(std::size_t activeAdministrators, std::string id = "admin-2") {
  policy::Target target = userIn({"acme"}, std::move(id));
  target.role = Role::Administrator;
  target.isActiveAdministrator = true;
  target.activeAdministrators = activeAdministrators;
  return target;
}

}  // namespace

TEST_CASE("role names parse case-insensitively and format with a capital", "[policy][roles]") {
  const std::vector<std::pair<Role, const char*>> names = {{Role::Viewer, "Viewer"},
                                                           {Role::Agent, "Agent"},
                                                           {Role::Manager, "Manager"},
                                                           {Role::Administrator, "Administrator"}};
  REQUIRE(names.size() == policy::kAllRoles.size());
  for (const auto& [role, name] : names) {
    CAPTURE(name);
    CHECK(policy::roleName(role) == name);
    CHECK(policy::parseRole(name) == role);
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(policy::parseRole(lower) == role);
  }
  CHECK(policy::parseRole("ADMINISTRATOR") == Role::Administrator);
  for (const char* bad : {"", "Admin", "Supervisor", " Manager", "Manager ", "*"}) {
    CAPTURE(bad);
    CHECK_FALSE(policy::parseRole(bad).has_value());
  }
}

TEST_CASE("roles are ordered by privilege", "[policy][roles]") {
  CHECK(Role::Viewer < Role::Agent);
  CHECK(Role::Agent < Role::Manager);
  CHECK(Role::Manager < Role::Administrator);
}

TEST_CASE("operation names round-trip and are unique", "[policy][roles]") {
  std::set<std::string> seen;
  for (Operation operation : policy::kAllOperations) {
    const std::string name(policy::operationName(operation));
    CAPTURE(name);
    CHECK(seen.insert(name).second);
    CHECK(policy::parseOperation(name) == operation);
    std::string upper = name;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(policy::parseOperation(upper) == operation);
  }
  CHECK(policy::operationName(Operation::ReadUsers) == "readUsers");
  CHECK(policy::operationName(Operation::GenerateBackupCodes) == "generateBackupCodes");
  CHECK(policy::operationName(Operation::ManageOthersMfa) == "manageOthersMfa");
  CHECK(policy::parseOperation("ReadUsers") == Operation::ReadUsers);
  for (const char* bad : {"", "readUser", "read users", "*", "deleteEverything"}) {
    CAPTURE(bad);
    CHECK_FALSE(policy::parseOperation(bad).has_value());
  }
}

TEST_CASE("the expected table names every operation once", "[policy][roles]") {
  REQUIRE(kExpectedDefaultMatrix.size() == policy::kAllOperations.size());
  for (std::size_t i = 0; i < kExpectedDefaultMatrix.size(); ++i) {
    CHECK(kExpectedDefaultMatrix[i].operation == policy::kAllOperations[i]);
  }
}

TEST_CASE("the default matrix grants each role exactly the brief's operations", "[policy][roles]") {
  const policy::PermissionMatrix matrix = policy::defaultMatrix();
  for (const Row& row : kExpectedDefaultMatrix) {
    for (Role role : policy::kAllRoles) {
      CAPTURE(policy::operationName(row.operation), policy::roleName(role));
      CHECK(matrix.allows(role, row.operation) == row.allows(role));
    }
  }
}

TEST_CASE("authorize follows the default matrix for every role and operation", "[policy][roles]") {
  const policy::PermissionMatrix matrix = policy::defaultMatrix();
  for (const Row& row : kExpectedDefaultMatrix) {
    // People never check passwords, whatever the matrix: see the SSO case below.
    if (row.operation == Operation::VerifyPasswords) continue;
    for (Role role : policy::kAllRoles) {
      CAPTURE(policy::operationName(row.operation), policy::roleName(role));
      const policy::Principal caller = person(role, {"acme"});

      {  // before the target is known
        const policy::Decision decision = policy::authorize(matrix, caller, row.operation);
        CHECK(decision.isAllowed() == row.allows(role));
        if (!row.allows(role)) {
          CHECK(decision.kind == DecisionKind::Forbidden);
          CHECK_FALSE(decision.reason.empty());
        }
      }
      {  // on another user in the caller's account
        const policy::Decision decision =
            policy::authorize(matrix, caller, row.operation, userIn({"acme"}));
        // Own-profile operations never reach somebody else.
        const bool expected = row.allows(role) && !isOwnProfile(row.operation);
        CHECK(decision.isAllowed() == expected);
        if (!expected) CHECK(decision.kind == DecisionKind::Forbidden);
      }
      {  // on the caller itself
        policy::Target self = userIn({"acme"}, "caller");
        self.isCaller = true;
        const policy::Decision decision = policy::authorize(matrix, caller, row.operation, self);
        bool expected = row.allows(role);
        // /Users/{own id} counts as /Me.
        if (row.operation == Operation::ReadUsers) expected = expected || role >= Role::Viewer;
        if (row.operation == Operation::WriteUsers) expected = expected || role >= Role::Agent;
        CHECK(decision.isAllowed() == expected);
      }
    }
  }
}

TEST_CASE("a denial names the role and what it cannot do", "[policy][roles]") {
  const policy::PermissionMatrix matrix = policy::defaultMatrix();
  struct Case {
    Role role;
    Operation operation;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {Role::Viewer, Operation::DeleteUsers, "a Viewer cannot delete users"},
      {Role::Agent, Operation::ViewReports, "an Agent cannot view reports"},
      {Role::Manager, Operation::ResetPasswords, "a Manager cannot reset other users' passwords"},
      {Role::Manager, Operation::ChangeRoles, "a Manager cannot change roles"},
      {Role::Viewer, Operation::WriteOwnProfile, "a Viewer cannot change their own profile"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.reason);
    const auto decision = policy::authorize(matrix, person(c.role, {"acme"}), c.operation);
    CHECK(decision.kind == DecisionKind::Forbidden);
    CHECK(decision.reason == c.reason);
  }
}

TEST_CASE("a user outside the caller's accounts is not found", "[policy][roles][scope]") {
  const policy::PermissionMatrix matrix = policy::defaultMatrix();
  const policy::Principal admin = person(Role::Administrator, {"acme", "globex"});

  SECTION("a shared account allows") {
    CHECK(policy::authorize(matrix, admin, Operation::ReadUsers, userIn({"acme"})).isAllowed());
    CHECK(policy::authorize(matrix, admin, Operation::DeleteUsers, userIn({"globex", "initech"}))
              .isAllowed());
  }
  SECTION("no shared account is NotFound, for reads and writes alike") {
    for (Operation operation : {Operation::ReadUsers, Operation::WriteUsers,
                                Operation::DeactivateUsers, Operation::ResetPasswords}) {
      CAPTURE(policy::operationName(operation));
      const auto decision = policy::authorize(matrix, admin, operation, userIn({"initech"}));
      CHECK(decision.kind == DecisionKind::NotFound);
      CHECK_FALSE(decision.reason.empty());
    }
  }
  SECTION("a user in no account is outside every scoped caller") {
    CHECK(policy::authorize(matrix, admin, Operation::ReadUsers, userIn({})).kind ==
          DecisionKind::NotFound);
  }
  SECTION("scope * sees every account") {
    const policy::Principal everywhere = machine(Role::Administrator, {}, true);
    CHECK(policy::authorize(matrix, everywhere, Operation::ReadUsers, userIn({"initech"}))
              .isAllowed());
    CHECK(policy::authorize(matrix, everywhere, Operation::WriteUsers, userIn({})).isAllowed());
  }
  SECTION("a scoped machine client sees only its accounts") {
    const policy::Principal client = machine(Role::Administrator, {"acme"}, false);
    CHECK(policy::authorize(matrix, client, Operation::ReadUsers, userIn({"acme"})).isAllowed());
    CHECK(policy::authorize(matrix, client, Operation::ReadUsers, userIn({"globex"})).kind ==
          DecisionKind::NotFound);
  }
  SECTION("the matrix answers first, so a denied caller learns nothing about the target") {
    const policy::Principal viewer = person(Role::Viewer, {"acme"});
    CHECK(policy::authorize(matrix, viewer, Operation::DeleteUsers, userIn({"initech"})).kind ==
          DecisionKind::Forbidden);
    CHECK(policy::authorize(matrix, viewer, Operation::DeleteUsers, userIn({"acme"})).kind ==
          DecisionKind::Forbidden);
  }
  SECTION("the caller always sees itself, even in no shared account") {
    policy::Target self = userIn({}, "caller");
    CHECK(policy::authorize(matrix, admin, Operation::ReadUsers, self).isAllowed());
    self.userId = "someone-else";
    self.isCaller = true;
    CHECK(policy::authorize(matrix, admin, Operation::ReadUsers, self).isAllowed());
  }
  SECTION("a request that touches no existing user has no scope to check") {
    CHECK(policy::authorize(matrix, admin, Operation::WriteUsers, policy::Target{}).isAllowed());
  }
}

TEST_CASE("own-profile operations apply to the caller only", "[policy][roles]") {
  const policy::PermissionMatrix matrix = policy::defaultMatrix();
  const policy::Principal agent = person(Role::Agent, {"acme"}, "agent-1");

  CHECK(policy::authorize(matrix, agent, Operation::WriteOwnProfile).isAllowed());
  policy::Target self = userIn({"acme"}, "agent-1");
  CHECK(policy::authorize(matrix, agent, Operation::WriteOwnProfile, self).isAllowed());
  // The ids match although the gateway did not set isCaller: still the caller.
  CHECK(policy::authorize(matrix, agent, Operation::WriteUsers, self).isAllowed());

  const auto other =
      policy::authorize(matrix, agent, Operation::WriteOwnProfile, userIn({"acme"}, "agent-2"));
  CHECK(other.kind == DecisionKind::Forbidden);
  CHECK(other.reason == "writeOwnProfile applies only to your own profile");
  CHECK(policy::authorize(matrix, agent, Operation::WriteUsers, userIn({"acme"}, "agent-2")).kind ==
        DecisionKind::Forbidden);

  SECTION("machine clients have no profile of their own") {
    const auto decision = policy::authorize(matrix, machine(Role::Administrator, {}, true),
                                            Operation::ReadOwnProfile);
    CHECK(decision.kind == DecisionKind::Forbidden);
    CHECK(decision.reason == "a provisioning client has no profile of its own");
  }
}

TEST_CASE("a permission matrix is read from config", "[policy][roles][config]") {
  SECTION("named roles get exactly their list, the others keep the default") {
    const auto parsed = policy::parsePermissionMatrix(
        {{"manager", {"readUsers", "WriteUsers", "deactivateusers"}}, {"Viewer", {}}});
    REQUIRE(parsed.ok());
    CHECK(parsed.matrix.allowed.at(Role::Manager) ==
          std::set<Operation>{Operation::ReadUsers, Operation::WriteUsers,
                              Operation::DeactivateUsers});
    CHECK(parsed.matrix.allowed.at(Role::Viewer).empty());
    CHECK(parsed.matrix.allowed.at(Role::Agent) == policy::defaultMatrix().allowed.at(Role::Agent));
    CHECK(parsed.matrix.allowed.at(Role::Administrator).size() == policy::kAllOperations.size());
  }
  SECTION("* grants every operation") {
    const auto parsed = policy::parsePermissionMatrix({{"Agent", {"*"}}});
    REQUIRE(parsed.ok());
    for (Operation operation : policy::kAllOperations) {
      CHECK(parsed.matrix.allows(Role::Agent, operation));
    }
  }
  SECTION("every unknown name is reported, with the valid ones") {
    const auto parsed = policy::parsePermissionMatrix(
        {{"Supervisor", {"readUsers"}}, {"Manager", {"readUser", "manageQueues", "fly"}}});
    REQUIRE(parsed.errors.size() == 3);
    CHECK(parsed.errors[0].find("unknown operation \"readUser\" for role Manager") == 0);
    CHECK(parsed.errors[0].find("readUsers") != std::string::npos);
    CHECK(parsed.errors[1].find("unknown operation \"fly\" for role Manager") == 0);
    CHECK(parsed.errors[2].find("unknown role \"Supervisor\"") == 0);
    CHECK(parsed.errors[2].find("Administrator, Manager, Agent") == std::string::npos);
    CHECK(parsed.errors[2].find("Viewer, Agent, Manager, Administrator") != std::string::npos);
    // A config with errors changes nothing.
    CHECK(parsed.matrix.allowed == policy::defaultMatrix().allowed);
  }
  SECTION("a role named twice in different cases is reported") {
    const auto parsed =
        policy::parsePermissionMatrix({{"Manager", {"readUsers"}}, {"manager", {"viewReports"}}});
    REQUIRE(parsed.errors.size() == 1);
    CHECK(parsed.errors[0] ==
          "role Manager is given twice in the permission matrix (\"Manager\" and \"manager\")");
  }
  SECTION("the described default matrix reads back to itself") {
    const auto described = policy::describePermissionMatrix(policy::defaultMatrix());
    CHECK(described.at("Viewer") ==
          std::vector<std::string>{"readUsers", "readGroups", "readOwnProfile"});
    const auto parsed = policy::parsePermissionMatrix(described, policy::PermissionMatrix{});
    REQUIRE(parsed.ok());
    for (Role role : policy::kAllRoles) {
      for (Operation operation : policy::kAllOperations) {
        CHECK(parsed.matrix.allows(role, operation) ==
              policy::defaultMatrix().allows(role, operation));
      }
    }
  }
}

TEST_CASE("nobody grants a role above their own", "[policy][roles][invariant]") {
  const policy::Target agent = userIn({"acme"});
  const auto denied =
      policy::checkRoleChange(person(Role::Manager, {"acme"}), agent, Role::Administrator);
  CHECK(denied.kind == DecisionKind::Forbidden);
  CHECK(denied.reason == "a Manager cannot grant the Administrator role");
  CHECK(policy::checkRoleChange(person(Role::Agent, {"acme"}), agent, Role::Manager).reason ==
        "an Agent cannot grant the Manager role");

  SECTION("granting the caller's own role or a lower one is allowed") {
    CHECK(
        policy::checkRoleChange(person(Role::Manager, {"acme"}), agent, Role::Manager).isAllowed());
    CHECK(
        policy::checkRoleChange(person(Role::Manager, {"acme"}), agent, Role::Viewer).isAllowed());
    CHECK(policy::checkRoleChange(person(Role::Administrator, {"acme"}), agent, Role::Administrator)
              .isAllowed());
  }
  SECTION("nobody changes the role of a user who outranks them") {
    const auto decision =
        policy::checkRoleChange(person(Role::Manager, {"acme"}), administrator(5), Role::Viewer);
    CHECK(decision.kind == DecisionKind::Forbidden);
    CHECK(decision.reason == "a Manager cannot change the role of an Administrator");
  }
  SECTION("machine clients obey the same ceiling") {
    CHECK(policy::checkRoleChange(machine(Role::Manager, {}, true), agent, Role::Administrator)
              .kind == DecisionKind::Forbidden);
    CHECK(
        policy::checkRoleChange(machine(Role::Administrator, {}, true), agent, Role::Administrator)
            .isAllowed());
  }
}

TEST_CASE("nobody changes their own role", "[policy][roles][invariant]") {
  const policy::Principal admin = person(Role::Administrator, {"acme"}, "admin-1");
  policy::Target self = administrator(3, "admin-1");

  for (Role newRole : {Role::Viewer, Role::Agent, Role::Manager}) {
    CAPTURE(policy::roleName(newRole));
    const auto decision = policy::checkRoleChange(admin, self, newRole);
    CHECK(decision.kind == DecisionKind::Forbidden);
    CHECK(decision.reason == "you cannot change your own role; another Administrator can");
  }
  SECTION("detected by the isCaller flag as well as by the ids") {
    self.userId = "other-id";
    self.isCaller = true;
    CHECK(policy::checkRoleChange(admin, self, Role::Viewer).kind == DecisionKind::Forbidden);
  }
  SECTION("a Viewer cannot promote itself either") {
    policy::Target viewerSelf = userIn({"acme"}, "v-1");
    viewerSelf.role = Role::Viewer;
    CHECK(policy::checkRoleChange(person(Role::Viewer, {"acme"}, "v-1"), viewerSelf,
                                  Role::Administrator)
              .kind == DecisionKind::Forbidden);
  }
  SECTION("restating the current role is not a change") {
    CHECK(policy::checkRoleChange(admin, self, Role::Administrator).isAllowed());
  }
  SECTION("another Administrator can change it") {
    CHECK(policy::checkRoleChange(person(Role::Administrator, {"acme"}, "admin-2"), self,
                                  Role::Manager)
              .isAllowed());
  }
}

TEST_CASE("the last active Administrator cannot be demoted", "[policy][roles][invariant]") {
  const policy::Principal admin = person(Role::Administrator, {"acme"}, "admin-1");
  const policy::Principal client = machine(Role::Administrator, {}, true);

  for (const policy::Principal* caller : {&admin, &client}) {
    for (Role newRole : {Role::Viewer, Role::Agent, Role::Manager}) {
      CAPTURE(caller->userId, policy::roleName(newRole));
      const auto decision = policy::checkRoleChange(*caller, administrator(1), newRole);
      CHECK(decision.kind == DecisionKind::Forbidden);
      CHECK(decision.reason ==
            "the last active Administrator cannot be demoted; make another user an "
            "Administrator first");
    }
  }
  SECTION("a count that contradicts the target counts as the last one") {
    CHECK(policy::checkRoleChange(client, administrator(0), Role::Viewer).kind ==
          DecisionKind::Forbidden);
  }
  SECTION("with two active Administrators one may be demoted") {
    CHECK(policy::checkRoleChange(admin, administrator(2), Role::Manager).isAllowed());
  }
  SECTION("an inactive Administrator is not the last active one") {
    policy::Target inactive = administrator(1);
    inactive.isActiveAdministrator = false;
    CHECK(policy::checkRoleChange(admin, inactive, Role::Viewer).isAllowed());
  }
}

TEST_CASE("users are added to accounts only by that account's Administrators",
          "[policy][roles][invariant]") {
  const std::set<std::string> adminOf{"acme"};
  const std::set<std::string> none;

  SECTION("a person: the accounts where the caller is Administrator decide") {
    const policy::Principal caller = person(Role::Administrator, {"acme", "globex"});
    CHECK(policy::checkAccountAdd(caller, "acme", adminOf).isAllowed());
    CHECK(policy::checkAccountRemove(caller, "acme", adminOf).isAllowed());

    const auto add = policy::checkAccountAdd(caller, "globex", adminOf);
    CHECK(add.kind == DecisionKind::Forbidden);
    CHECK(add.reason ==
          "only an Administrator of account \"globex\" can add users to it, and you are not one");
    const auto remove = policy::checkAccountRemove(caller, "globex", adminOf);
    CHECK(remove.kind == DecisionKind::Forbidden);
    CHECK(remove.reason ==
          "only an Administrator of account \"globex\" can remove users from it, and you are "
          "not one");
  }
  SECTION("a person's global role does not replace being the account's Administrator") {
    policy::Principal caller = person(Role::Administrator, {"acme"});
    caller.allAccounts = true;
    CHECK(policy::checkAccountAdd(caller, "initech", adminOf).kind == DecisionKind::Forbidden);
    CHECK(policy::checkAccountAdd(person(Role::Viewer, {"acme"}), "acme", adminOf).isAllowed());
  }
  SECTION("a machine Administrator with scope * is Administrator everywhere") {
    const policy::Principal client = machine(Role::Administrator, {}, true);
    CHECK(policy::checkAccountAdd(client, "initech", none).isAllowed());
    CHECK(policy::checkAccountRemove(client, "initech", none).isAllowed());
  }
  SECTION("a scoped machine Administrator only in its accounts") {
    const policy::Principal client = machine(Role::Administrator, {"acme"}, false);
    CHECK(policy::checkAccountAdd(client, "acme", none).isAllowed());
    const auto decision = policy::checkAccountAdd(client, "globex", {"globex"});
    CHECK(decision.kind == DecisionKind::Forbidden);
    CHECK(decision.reason ==
          "this client cannot add users to account \"globex\": the account is outside the "
          "client's scope");
    CHECK(policy::checkAccountRemove(client, "globex", none).kind == DecisionKind::Forbidden);
  }
  SECTION("a machine client below Administrator nowhere, even with scope *") {
    const policy::Principal client = machine(Role::Manager, {}, true);
    const auto decision = policy::checkAccountAdd(client, "acme", {"acme"});
    CHECK(decision.kind == DecisionKind::Forbidden);
    CHECK(decision.reason ==
          "a client with the Manager role cannot add users to accounts; it needs the "
          "Administrator role");
  }
}

TEST_CASE("the last active Administrator cannot be deactivated or deleted",
          "[policy][roles][invariant]") {
  const policy::Principal admin = person(Role::Administrator, {"acme"}, "admin-1");
  const auto last = policy::checkDeactivateOrDelete(admin, administrator(1));
  CHECK(last.kind == DecisionKind::Forbidden);
  CHECK(last.reason ==
        "the last active Administrator cannot be deactivated or deleted; make another user an "
        "Administrator first");
  CHECK(policy::checkDeactivateOrDelete(admin, administrator(0)).kind == DecisionKind::Forbidden);
  SECTION("not even by itself or a machine client") {
    CHECK(policy::checkDeactivateOrDelete(admin, administrator(1, "admin-1")).kind ==
          DecisionKind::Forbidden);
    CHECK(policy::checkDeactivateOrDelete(machine(Role::Administrator, {}, true), administrator(1))
              .kind == DecisionKind::Forbidden);
  }
  SECTION("allowed counterparts") {
    CHECK(policy::checkDeactivateOrDelete(admin, administrator(2)).isAllowed());
    CHECK(policy::checkDeactivateOrDelete(admin, userIn({"acme"})).isAllowed());
    policy::Target inactive = administrator(1);
    inactive.isActiveAdministrator = false;
    CHECK(policy::checkDeactivateOrDelete(admin, inactive).isAllowed());
  }
}

TEST_CASE("checking passwords is for SSO clients, and they hear only of their own accounts",
          "[policy][roles]") {
  const auto matrix = policy::defaultMatrix();
  // A person's session is never a password oracle, whatever the role and matrix.
  auto all = matrix;
  all.allowed[Role::Viewer].insert(Operation::VerifyPasswords);
  for (Role role : policy::kAllRoles) {
    CAPTURE(policy::roleName(role));
    CHECK(policy::authorize(all, person(role, {"acme"}), Operation::VerifyPasswords).kind ==
          policy::DecisionKind::Forbidden);
  }
  CHECK(
      policy::authorize(matrix, machine(Role::Administrator, {}, true), Operation::VerifyPasswords)
          .isAllowed());
  CHECK_FALSE(policy::authorize(matrix, machine(Role::Viewer, {}, true), Operation::VerifyPasswords)
                  .isAllowed());
  CHECK(policy::authorize(all, machine(Role::Viewer, {}, true), Operation::VerifyPasswords)
            .isAllowed());
  // A scoped client: users of its accounts only (others look missing).
  const auto scoped = machine(Role::Administrator, {"acme"}, false);
  CHECK(policy::authorize(matrix, scoped, Operation::VerifyPasswords, userIn({"acme", "globex"}))
            .isAllowed());
  CHECK(policy::authorize(matrix, scoped, Operation::VerifyPasswords, userIn({"globex"})).kind ==
        policy::DecisionKind::NotFound);
  CHECK(policy::visibleAccounts(scoped, {"acme", "globex"}) == std::set<std::string>{"acme"});
  CHECK(policy::visibleAccounts(machine(Role::Administrator, {}, true), {"acme", "globex"}) ==
        std::set<std::string>{"acme", "globex"});
}
