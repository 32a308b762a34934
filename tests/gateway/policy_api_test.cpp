// Who may do what (issue #5), over real HTTP against the real slapd: the role x operation matrix
// for provisioning clients and people, the invariants, account scope, password rules, logins,
// /Me, password change and reset, and the audit trail. Every refusal is checked to have left the
// directory as it was.
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Timestamp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "support/api.h"
#include "support/gateway.h"
#include "support/slapd.h"

namespace {

using namespace scimgate;
using testing::byId;
using testing::createGroup;
using testing::createUser;
using testing::errorDetail;
using testing::fixtureProfile;
using testing::fixtureSlapd;
using testing::Gateway;
using testing::idOf;
using testing::isLocked;
using testing::kPassword;
using testing::ldapSearch;
using testing::lockAttribute;
using testing::lockValue;
using testing::loginAs;
using testing::patchBody;
using testing::person;
using testing::Reply;
using testing::uniqueSuffix;
using testing::userDn;
using testing::userNameAttribute;
using testing::userNameFilter;
using testing::versionOf;

constexpr char kExt[] = "urn:scimgate:params:scim:schemas:extension:2.0:User";
constexpr char kManagerToken[] = "manager-token-0123456789";
constexpr char kAgentToken[] = "agent-token-0123456789";
constexpr char kViewerToken[] = "viewer-token-0123456789";
constexpr char kScopedToken[] = "scoped-admin-token-0123456789";
constexpr char kJwtSecret[] = "a-shared-hs256-secret-for-tests-0123456789";

// The entry's attributes as the directory holds them (operational ones included).
testing::LdapEntry entryOf(const std::string& name) {
  auto entries = ldapSearch(fixtureSlapd(), userDn(name), "(objectClass=*)", {"*", "+"});
  REQUIRE(entries.size() == 1);
  return entries.front();
}

config::Config policyConfig(const std::string& scopedAccount = "") {
  auto cfg = Gateway::defaultConfig();
  cfg.tokens.push_back({"manager", config::sha256Hex(kManagerToken), "Manager", {"*"}});
  cfg.tokens.push_back({"agent", config::sha256Hex(kAgentToken), "Agent", {"*"}});
  cfg.tokens.push_back({"viewer", config::sha256Hex(kViewerToken), "Viewer", {"*"}});
  if (!scopedAccount.empty()) {
    cfg.tokens.push_back(
        {"scoped", config::sha256Hex(kScopedToken), "Administrator", {scopedAccount}});
  }
  config::JwtClientSettings jwt;
  jwt.name = "okta-oauth";
  jwt.issuer = "https://idp.example.com";
  jwt.audience = "scimgate";
  jwt.algorithm = "HS256";
  jwt.secret = kJwtSecret;
  jwt.role = "Viewer";
  cfg.jwtClients.push_back(jwt);
  return cfg;
}

// An entry's data: its attributes without the operational ones a directory changes on its own.
std::map<std::string, std::vector<std::string>> dataOf(const testing::LdapEntry& entry) {
  auto data = entry.attributes;
  for (auto it = data.begin(); it != data.end();) {
    std::string name = it->first;
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool bookkeeping = name == "memberof" || name == "entryusn" || name == "entrycsn" ||
                             name == "modifytimestamp" || name == "modifiersname" ||
                             name.rfind("password", 0) == 0 || name == "retrycountresettime";
    it = bookkeeping ? data.erase(it) : std::next(it);
  }
  return data;
}

}  // namespace

TEST_CASE("each provisioning role may do exactly what the default matrix allows",
          "[gateway][policy][slapd]") {
  Gateway gw(policyConfig());
  const std::string suffix = uniqueSuffix();
  const std::string name = "matrix-" + suffix;
  const std::string id = createUser(gw, name);
  const std::string queue = createGroup(gw, "Matrix queue " + suffix, "queue");
  const auto before = entryOf(name);

  struct Case {
    const char* token;
    bool read, write, deactivate, remove, roles, queues, groups, reset;
  };
  // Administrator (the default test token), Manager, Agent, Viewer.
  const std::vector<Case> cases = {
      {testing::kToken, true, true, true, true, true, true, true, true},
      {kManagerToken, true, false, false, false, false, true, false, false},
      {kAgentToken, true, false, false, false, false, false, false, false},
      {kViewerToken, true, false, false, false, false, false, false, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.token);
    auto expect = [&](const Reply& reply, bool allowedHere, int okStatus) {
      CAPTURE(reply.body);
      if (allowedHere) {
        CHECK(reply.status == okStatus);
      } else {
        CHECK(reply.status == 403);
      }
    };
    expect(gw.request("GET", "/scim/v2/Users/" + id, "", c.token), c.read, 200);
    expect(
        gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22" + name + "%22", "", c.token),
        c.read, 200);
    if (c.write) continue;  // the Administrator's writes are covered everywhere else
    expect(gw.request("PATCH", "/scim/v2/Users/" + id,
                      patchBody(R"({"op":"replace","path":"displayName","value":"Changed"})"),
                      c.token),
           c.write, 200);
    expect(
        gw.request("POST", "/scim/v2/Users", R"({"userName":"denied-)" + suffix + R"("})", c.token),
        c.write, 201);
    expect(gw.request("PATCH", "/scim/v2/Users/" + id,
                      patchBody(R"({"op":"replace","path":"active","value":false})"), c.token),
           c.deactivate, 200);
    expect(gw.request("DELETE", "/scim/v2/Users/" + id, "", c.token), c.remove, 204);
    expect(gw.request("POST", "/scim/v2/Groups",
                      R"({"displayName":"denied group )" + suffix + R"("})", c.token),
           c.groups, 201);
    expect(gw.request(
               "POST", "/auth/password/set",
               R"({"userId":")" + id +
                   R"(","newPassword":"Another-Pass-42!","confirmPassword":"Another-Pass-42!"})",
               c.token, "application/json"),
           c.reset, 204);
    // Queue membership is the Manager's work ("teams"); everyone else below is refused.
    auto joined = gw.request(
        "PATCH", "/scim/v2/Groups/" + queue,
        patchBody(R"({"op":"add","path":"members","value":[{"value":")" + id + R"("}]})"), c.token);
    expect(joined, c.queues, 204);
    if (c.queues && joined.status == 204) {
      REQUIRE(
          gw.request("PATCH", "/scim/v2/Groups/" + queue,
                     patchBody(R"({"op":"remove","path":"members[value eq \")" + id + R"(\"]"})"))
              .status == 204);
    }
  }
  // Nothing any refusal touched changed in the directory.
  const auto after = entryOf(name);
  CHECK(dataOf(after) == dataOf(before));
  // 389's memberOf plugin writes the user entry when it joins and leaves the queue above.
  if (fixtureProfile().name == "openldap") CHECK(versionOf(after) == versionOf(before));
  CHECK(after.first("displayName") == before.first("displayName"));
  CHECK(ldapSearch(fixtureSlapd(), "ou=people," + fixtureSlapd().suffix,
                   userNameFilter("denied-" + suffix))
            .empty());
}

TEST_CASE("the invariants hold for people whatever the matrix allows", "[gateway][policy][slapd]") {
  Gateway gw(policyConfig());
  const std::string suffix = uniqueSuffix();
  const std::string managerName = "mgr-" + suffix;
  const std::string manager = person(gw, managerName, "Manager");
  const std::string adminName = "adm-" + suffix;
  const std::string admin = person(gw, adminName, "Administrator");
  const std::string otherName = "oth-" + suffix;
  const std::string other = createUser(gw, otherName);
  const std::string adminId =
      gw.request("GET", "/scim/v2/Me", "", admin).json()->getValue<std::string>("id");
  const std::string managerId =
      gw.request("GET", "/scim/v2/Me", "", manager).json()->getValue<std::string>("id");

  SECTION("a Manager cannot grant Administrator, through the User or the role group") {
    auto viaUser = gw.request(
        "PATCH", "/scim/v2/Users/" + other,
        patchBody(R"({"op":"replace","path":"roles","value":[{"value":"Administrator"}]})"),
        manager);
    CHECK(viaUser.status == 403);
    auto roleGroup = gw.request(
        "GET", "/scim/v2/Groups?filter=displayName%20eq%20%22Administrator%22", "", manager);
    REQUIRE(roleGroup.status == 200);
    const std::string adminGroup =
        roleGroup.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id");
    auto viaGroup = gw.request(
        "PATCH", "/scim/v2/Groups/" + adminGroup,
        patchBody(R"({"op":"add","path":"members","value":[{"value":")" + managerId + R"("}]})"),
        manager);
    CHECK(viaGroup.status == 403);
    CHECK(testing::lowerAll(entryOf(managerName).attributes["memberOf"]) ==
          testing::lowerAll({"cn=Manager,ou=roles," + fixtureSlapd().suffix}));
  }
  SECTION("nobody changes their own role, not even an Administrator") {
    const auto before = entryOf(adminName);
    auto own = gw.request(
        "PATCH", "/scim/v2/Users/" + adminId,
        patchBody(R"({"op":"replace","path":"roles","value":[{"value":"Viewer"}]})"), admin);
    CAPTURE(own.body);
    CHECK(own.status == 403);
    CHECK(errorDetail(own).find("own role") != std::string::npos);
    CHECK(entryOf(adminName).attributes["memberOf"] == before.attributes.at("memberOf"));
  }
  SECTION("an Administrator person grants roles up to their own") {
    auto granted = gw.request(
        "PATCH", "/scim/v2/Users/" + other,
        patchBody(R"({"op":"replace","path":"roles","value":[{"value":"Manager"}]})"), admin);
    CAPTURE(granted.body);
    CHECK(granted.status == 200);
  }
  SECTION("a person may not reset their own password through SCIM") {
    auto own = gw.request(
        "PATCH", "/scim/v2/Users/" + adminId,
        patchBody(R"({"op":"replace","path":"password","value":"Whatever-Pass-77!"})"), admin);
    CHECK(own.status == 403);
  }
}

TEST_CASE("the last active Administrator cannot be deactivated, deleted or demoted",
          "[gateway][policy][slapd]") {
  // A private directory without the demo administrator: exactly one Administrator exists.
  const testing::PrivateSlapd slapd("lastadmin", true);
  auto cfg = policyConfig();
  cfg.ldap = slapd.env().ldapSettings();
  Gateway gw(cfg);
  const std::string id = createUser(gw, "only-admin", R"(,"roles":[{"value":"Administrator"}])");

  for (const auto& [method, body] : std::vector<std::pair<std::string, std::string>>{
           {"PATCH", patchBody(R"({"op":"replace","path":"active","value":false})")},
           {"PATCH", patchBody(R"({"op":"replace","path":"roles","value":[{"value":"Manager"}]})")},
           {"DELETE", ""}}) {
    CAPTURE(method, body);
    auto reply = gw.request(method, "/scim/v2/Users/" + id, body);
    CAPTURE(reply.body);
    CHECK(reply.status == 403);
    CHECK(errorDetail(reply).find("last active Administrator") != std::string::npos);
  }
  auto still = gw.request("GET", "/scim/v2/Users/" + id);
  REQUIRE(still.status == 200);
  CHECK(still.json()->getValue<bool>("active"));
  CHECK(still.json()->getArray("roles")->getObject(0)->getValue<std::string>("value") ==
        "Administrator");

  // With a second Administrator, the first may go.
  createUser(gw, "second-admin", R"(,"roles":[{"value":"Administrator"}])");
  CHECK(gw.request("PATCH", "/scim/v2/Users/" + id,
                   patchBody(R"({"op":"replace","path":"active","value":false})"))
            .status == 200);
}

namespace {

// The real directory, except that counting a role's active members fails while `failCounts` is
// set: a directory that times out on that one search, which slapd cannot be made to do on demand.
class CountFails final : public testing::ForwardingDirectory {
 public:
  using ForwardingDirectory::ForwardingDirectory;
  std::atomic<bool> failCounts{false};
  std::atomic<bool> failFinds{false};

  scim::Result<std::size_t> countActiveInRole(std::string_view role) override {
    if (failCounts) return scim::makeError(scim::ErrorKind::Unavailable, "count timed out");
    return real_.countActiveInRole(role);
  }
  scim::Result<scim::User> findUser(std::string_view id) override {
    if (failFinds) return scim::makeError(scim::ErrorKind::Unavailable, "read timed out");
    return real_.findUser(id);
  }
};

}  // namespace

TEST_CASE("removing an Administrator from the role group is refused when they cannot be counted",
          "[gateway][policy][slapd]") {
  CountFails* directory = nullptr;
  Gateway gw(policyConfig(), [&](ldap::Directory& real) {
    auto wrapper = std::make_unique<CountFails>(real);
    directory = wrapper.get();
    return wrapper;
  });
  const std::string id =
      createUser(gw, "fc-admin-" + uniqueSuffix(), R"(,"roles":[{"value":"Administrator"}])");
  auto roles = gw.request("GET", "/scim/v2/Groups?filter=displayName%20eq%20%22Administrator%22");
  REQUIRE(roles.status == 200);
  REQUIRE(roles.json()->getArray("Resources")->size() == 1);
  const std::string group =
      roles.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id");
  const std::string removal =
      patchBody(R"({"op":"remove","path":"members[value eq \")" + id + R"(\"]"})");

  directory->failCounts = true;
  auto refused = gw.request("PATCH", "/scim/v2/Groups/" + group, removal);
  CAPTURE(refused.body);
  CHECK(refused.status == 403);
  CHECK(errorDetail(refused).find("could not be checked") != std::string::npos);

  // The same when the member removed cannot be read: it may be an active Administrator.
  directory->failCounts = false;
  directory->failFinds = true;
  auto unread = gw.request("PATCH", "/scim/v2/Groups/" + group, removal);
  CAPTURE(unread.body);
  CHECK(unread.status == 403);
  CHECK(errorDetail(unread).find("could not be checked") != std::string::npos);
  directory->failFinds = false;

  // Once the directory answers, the demo administrator remains and the removal goes through.
  directory->failCounts = false;
  auto user = gw.request("GET", "/scim/v2/Users/" + id);
  REQUIRE(user.status == 200);
  CHECK(user.json()->getArray("roles")->getObject(0)->getValue<std::string>("value") ==
        "Administrator");
  CHECK(gw.request("PATCH", "/scim/v2/Groups/" + group, removal).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("a caller scoped to an account sees and changes only that account's users",
          "[gateway][policy][slapd]") {
  Gateway setup;
  const std::string suffix = uniqueSuffix();
  const std::string north = createGroup(setup, "North " + suffix, "account");
  const std::string south = createGroup(setup, "South " + suffix, "account");
  const std::string inNorth =
      createUser(setup, "north-" + suffix,
                 std::string(R"(,")") + kExt + R"(":{"accounts":[{"value":")" + north + R"("}]})");
  const std::string inSouth =
      createUser(setup, "south-" + suffix,
                 std::string(R"(,")") + kExt + R"(":{"accounts":[{"value":")" + south + R"("}]})");

  Gateway gw(policyConfig(north));
  auto list = gw.request("GET", "/scim/v2/Users?filter=userName%20co%20%22" + suffix + "%22", "",
                         kScopedToken);
  REQUIRE(list.status == 200);
  CHECK(list.json()->getValue<int>("totalResults") == 1);
  CHECK(list.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id") == inNorth);

  CHECK(gw.request("GET", "/scim/v2/Users/" + inNorth, "", kScopedToken).status == 200);
  auto hidden = gw.request("GET", "/scim/v2/Users/" + inSouth, "", kScopedToken);
  CHECK(hidden.status == 404);  // outside the scope looks like missing
  const auto before = entryOf("south-" + suffix);
  auto write = gw.request(
      "PATCH", "/scim/v2/Users/" + inSouth,
      patchBody(R"({"op":"replace","path":"displayName","value":"Taken over"})"), kScopedToken);
  CHECK(write.status == 404);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + inSouth, "", kScopedToken).status == 404);
  CHECK(versionOf(entryOf("south-" + suffix)) == versionOf(before));
  CHECK(dataOf(entryOf("south-" + suffix)) == dataOf(before));

  // Adding a user to an account the caller does not administer is refused.
  auto grab = gw.request("PATCH", "/scim/v2/Users/" + inNorth,
                         patchBody(std::string(R"({"op":"add","path":")") + kExt +
                                   R"(:accounts","value":[{"value":")" + south + R"("}]})"),
                         kScopedToken);
  CHECK(grab.status == 403);
  CHECK(entryOf("north-" + suffix).attributes["memberOf"].size() == 2);  // Viewer + North
  // A new user must land inside the caller's accounts.
  CHECK(gw.request("POST", "/scim/v2/Users", R"({"userName":"unscoped-)" + suffix + R"("})",
                   kScopedToken)
            .status == 403);

  // A user in both accounts: the caller sees only its own, and its writes leave the other be.
  const std::string inBoth =
      createUser(setup, "both-" + suffix,
                 std::string(R"(,")") + kExt + R"(":{"accounts":[{"value":")" + north +
                     R"("},{"value":")" + south + R"("}]})");
  const auto accountsShown = [&](const Reply& reply) {
    std::vector<std::string> ids;
    auto ext = reply.json()->getObject(kExt);
    if (ext && ext->has("accounts")) {
      auto values = ext->getArray("accounts");
      for (unsigned i = 0; i < values->size(); ++i)
        ids.push_back(values->getObject(i)->getValue<std::string>("value"));
    }
    return ids;
  };
  const auto memberOfCount = [&] {
    return entryOf("both-" + suffix).attributes["memberOf"].size();
  };
  REQUIRE(memberOfCount() == 3);  // Viewer, North, South
  auto seen = gw.request("GET", "/scim/v2/Users/" + inBoth, "", kScopedToken);
  REQUIRE(seen.status == 200);
  CHECK(accountsShown(seen) == std::vector<std::string>{north});
  CHECK(seen.body.find(south) == std::string::npos);
  auto listed = gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22both-" + suffix + "%22",
                           "", kScopedToken);
  CHECK(listed.body.find(south) == std::string::npos);
  // Read, modify, PUT back: 200, and the other account stays.
  auto body = seen.json();
  body->remove("meta");
  body->set("displayName", "Both Accounts");
  std::ostringstream text;
  body->stringify(text);
  auto put = gw.request("PUT", "/scim/v2/Users/" + inBoth, text.str(), kScopedToken);
  CAPTURE(put.body);
  CHECK(put.status == 200);
  CHECK(accountsShown(put) == std::vector<std::string>{north});
  CHECK(memberOfCount() == 3);
  // Replacing the accounts with the caller's own, or removing them all, touches only its own.
  auto replace = gw.request("PATCH", "/scim/v2/Users/" + inBoth,
                            patchBody(std::string(R"({"op":"replace","path":")") + kExt +
                                      R"(:accounts","value":[{"value":")" + north + R"("}]})"),
                            kScopedToken);
  CHECK(replace.status == 200);
  CHECK(memberOfCount() == 3);
  auto clear = gw.request(
      "PATCH", "/scim/v2/Users/" + inBoth,
      patchBody(std::string(R"({"op":"remove","path":")") + kExt + R"(:accounts"})"), kScopedToken);
  CAPTURE(clear.body);
  CHECK(clear.status == 200);
  CHECK(memberOfCount() == 2);  // Viewer, South
  CHECK(setup.request("GET", "/scim/v2/Users/" + inBoth).body.find(south) != std::string::npos);
}

TEST_CASE("passwords must meet every rule, and each unmet rule is named",
          "[gateway][policy][slapd]") {
  Gateway gw;
  const std::string name = "pw-" + uniqueSuffix();
  auto weak =
      gw.request("POST", "/scim/v2/Users", R"({"userName":")" + name + R"(","password":"short"})");
  CAPTURE(weak.body);
  REQUIRE(weak.status == 400);
  CHECK(weak.json()->getValue<std::string>("scimType") == "invalidValue");
  const std::string detail = errorDetail(weak);
  CHECK(detail.find("10") != std::string::npos);
  CHECK(detail.find("upper") != std::string::npos);
  CHECK(detail.find("digit") != std::string::npos);
  CHECK(detail.find("short") == std::string::npos);  // the password itself is never echoed

  auto hashed = gw.request(
      "POST", "/scim/v2/Users",
      R"({"userName":")" + name + R"(","password":"{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="})");
  CHECK(hashed.status == 400);
  CHECK(errorDetail(hashed).find("hash") != std::string::npos);

  auto named = gw.request("POST", "/scim/v2/Users",
                          R"({"userName":")" + name + R"(","password":"Xy-)" + name + R"(-99"})");
  CHECK(named.status == 400);
  CHECK(ldapSearch(fixtureSlapd(), "ou=people," + fixtureSlapd().suffix, userNameFilter(name))
            .empty());
}

TEST_CASE("people log in, read and edit their own profile, and change their password",
          "[gateway][policy][login][slapd]") {
  Gateway gw(policyConfig());
  const std::string name = "self-" + uniqueSuffix();
  const std::string session = person(gw, name, "Agent");

  SECTION("unknown user, wrong password and deactivated user get the same 401") {
    auto wrong = gw.request("POST", "/auth/login",
                            R"({"userName":")" + name + R"(","password":"Wrong-Pass-42!"})", "",
                            "application/json");
    auto unknown =
        gw.request("POST", "/auth/login",
                   R"({"userName":"nobody-)" + name + R"(","password":"Wrong-Pass-42!"})", "",
                   "application/json");
    CHECK(wrong.status == 401);
    CHECK(unknown.status == 401);
    CHECK(wrong.body == unknown.body);
    const std::string id =
        gw.request("GET", "/scim/v2/Me", "", session).json()->getValue<std::string>("id");
    REQUIRE(gw.request("PATCH", "/scim/v2/Users/" + id,
                       patchBody(R"({"op":"replace","path":"active","value":false})"))
                .status == 200);
    auto locked = gw.request("POST", "/auth/login",
                             R"({"userName":")" + name + R"(","password":")" + kPassword + R"("})",
                             "", "application/json");
    CHECK(locked.status == 401);
    CHECK(locked.body == wrong.body);
    // The session issued before the deactivation stops working at once.
    CHECK(gw.request("GET", "/scim/v2/Me", "", session).status == 401);
  }
  SECTION("/Me: profile fields change, userName, emails and roles do not") {
    auto me = gw.request("GET", "/scim/v2/Me", "", session);
    REQUIRE(me.status == 200);
    CHECK(me.json()->getValue<std::string>("userName") == name);
    auto alias =
        gw.request("PATCH", "/scim/v2/Me",
                   patchBody(R"({"op":"replace","path":"displayName","value":"Amazing Grace"},)"
                             R"({"op":"replace","path":"timezone","value":"Europe/Paris"})"),
                   session);
    CAPTURE(alias.body);
    REQUIRE(alias.status == 200);
    CHECK(entryOf(name).first("displayName") == "Amazing Grace");
    for (const std::string& op :
         {std::string(R"({"op":"replace","path":"userName","value":"renamed"})"),
          std::string(R"({"op":"replace","path":"emails","value":[{"value":"x@example.com"}]})"),
          std::string(R"({"op":"replace","path":"roles","value":[{"value":"Administrator"}]})")}) {
      CAPTURE(op);
      auto refused = gw.request("PATCH", "/scim/v2/Me", patchBody(op), session);
      CHECK(refused.status == 400);
      CHECK(refused.json()->getValue<std::string>("scimType") == "mutability");
    }
    CHECK(testing::lowerAll(entryOf(name).attributes["memberOf"]) ==
          testing::lowerAll({"cn=Agent,ou=roles," + fixtureSlapd().suffix}));
    // A provisioning client has no /Me.
    CHECK(gw.request("GET", "/scim/v2/Me").status == 403);
  }
  SECTION("password change: current password checked, confirmation and rules applied") {
    auto change = [&](const std::string& current, const std::string& next,
                      const std::string& confirm) {
      return gw.request("POST", "/auth/password/change",
                        R"({"currentPassword":")" + current + R"(","newPassword":")" + next +
                            R"(","confirmPassword":")" + confirm + R"("})",
                        session, "application/json");
    };
    CHECK(change("Not-The-Pass-1!", "Brand-New-Pass-7!", "Brand-New-Pass-7!").status == 403);
    auto mismatch = change(kPassword, "Brand-New-Pass-7!", "Brand-New-Pass-8!");
    CHECK(mismatch.status == 400);
    CHECK(errorDetail(mismatch).find("same new password") != std::string::npos);
    CHECK(change(kPassword, "weak", "weak").status == 400);
    REQUIRE(change(kPassword, "Brand-New-Pass-7!", "Brand-New-Pass-7!").status == 204);
    loginAs(gw, name, "Brand-New-Pass-7!");
    CHECK(gw.request("POST", "/auth/login",
                     R"({"userName":")" + name + R"(","password":")" + kPassword + R"("})", "",
                     "application/json")
              .status == 401);
  }
  SECTION("an Agent reads users but may not write them") {
    const std::string other = createUser(gw, "agent-target-" + uniqueSuffix());
    CHECK(gw.request("GET", "/scim/v2/Users/" + other, "", session).status == 200);
    CHECK(gw.request("PATCH", "/scim/v2/Users/" + other,
                     patchBody(R"({"op":"replace","path":"displayName","value":"x"})"), session)
              .status == 403);
  }
}

TEST_CASE("an administrator resets a password, and the rules apply there too",
          "[gateway][policy][slapd]") {
  Gateway gw(policyConfig());
  const std::string name = "reset-" + uniqueSuffix();
  const std::string id = createUser(gw, name, R"(,"password":")" + std::string(kPassword) + R"(")");
  auto set = [&](const std::string& next, const std::string& token) {
    return gw.request("POST", "/auth/password/set",
                      R"({"userId":")" + id + R"(","newPassword":")" + next +
                          R"(","confirmPassword":")" + next + R"("})",
                      token, "application/json");
  };
  const std::string before = loginAs(gw, name, kPassword);
  CHECK(set("Fresh-By-Admin-9!", kManagerToken).status == 403);
  CHECK(set("weak", testing::kToken).status == 400);
  CHECK(gw.request("GET", "/scim/v2/Me", "", before).status == 200);  // refusals change nothing
  REQUIRE(set("Fresh-By-Admin-9!", testing::kToken).status == 204);
  // Whoever held the old password is signed out; the new one signs in.
  CHECK(gw.request("GET", "/scim/v2/Me", "", before).status == 401);
  const std::string after = loginAs(gw, name, "Fresh-By-Admin-9!");
  CHECK(gw.request("GET", "/scim/v2/Me", "", after).status == 200);

  // A password set through SCIM (an identity provider's push) signs the person out as well, by
  // PATCH and by PUT; a PATCH without a password does not.
  const std::string beforePatch = loginAs(gw, name, "Fresh-By-Admin-9!");
  REQUIRE(gw.request("PATCH", "/scim/v2/Users/" + id,
                     patchBody(R"({"op":"replace","path":"displayName","value":"Renamed"})"))
              .status == 200);
  CHECK(gw.request("GET", "/scim/v2/Me", "", beforePatch).status == 200);
  REQUIRE(gw.request("PATCH", "/scim/v2/Users/" + id,
                     patchBody(R"({"op":"replace","path":"password","value":"Pushed-By-IdP-7!"})"))
              .status == 200);
  CHECK(gw.request("GET", "/scim/v2/Me", "", beforePatch).status == 401);
  const std::string beforePut = loginAs(gw, name, "Pushed-By-IdP-7!");
  auto put = gw.request(
      "PUT", "/scim/v2/Users/" + id,
      R"({"userName":")" + name +
          R"(","name":{"givenName":"Grace","familyName":"Hopper"},"emails":[{"value":")" + name +
          R"(@example.com","primary":true}],"password":"Put-By-IdP-8!"})");
  CAPTURE(put.body);
  REQUIRE(put.status == 200);
  CHECK(gw.request("GET", "/scim/v2/Me", "", beforePut).status == 401);
  loginAs(gw, name, "Put-By-IdP-8!");
}

TEST_CASE("signing out ends every session of that person, and only theirs",
          "[gateway][policy][slapd]") {
  Gateway gw(policyConfig());
  const std::string name = "leaving-" + uniqueSuffix();
  const std::string other = "staying-" + uniqueSuffix();
  createUser(gw, name, R"(,"password":")" + std::string(kPassword) + R"(")");
  createUser(gw, other, R"(,"password":")" + std::string(kPassword) + R"(")");
  const std::string laptop = loginAs(gw, name, kPassword);
  const std::string phone = loginAs(gw, name, kPassword);
  const std::string colleague = loginAs(gw, other, kPassword);
  auto logout = [&](const std::string& token) {
    return gw.request("POST", "/auth/logout", "", token, "application/json");
  };
  CHECK(logout(laptop).status == 204);
  CHECK(gw.request("GET", "/scim/v2/Me", "", laptop).status == 401);
  CHECK(gw.request("GET", "/scim/v2/Me", "", phone).status == 401);
  CHECK(gw.request("GET", "/scim/v2/Me", "", colleague).status == 200);
  CHECK(logout(laptop).status == 401);
  const std::string again = loginAs(gw, name, kPassword);
  CHECK(gw.request("GET", "/scim/v2/Me", "", again).status == 200);
  // A provisioning client has no session to end.
  auto machine = logout(testing::kToken);
  CHECK(machine.status == 403);
  CHECK_THAT(errorDetail(machine), Catch::Contains("POST /auth/login"));
}

TEST_CASE("OAuth2 JWT bearer clients: signature, issuer, audience and expiry are checked",
          "[gateway][policy][slapd]") {
  Gateway gw(policyConfig());
  auto jwt = [](const std::string& issuer, const std::string& audience, long lifetime,
                const std::string& key) {
    Poco::JWT::Token token;
    token.setIssuer(issuer);
    token.setAudience(audience);
    token.setSubject("okta-client");
    Poco::Timestamp now;
    token.setIssuedAt(now);
    token.setExpiration(now + lifetime * Poco::Timestamp::resolution());
    Poco::JWT::Signer signer(key);
    return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
  };
  const std::string good = jwt("https://idp.example.com", "scimgate", 300, kJwtSecret);
  CHECK(gw.request("GET", "/scim/v2/Users?count=1", "", good).status == 200);
  // The client's role is Viewer: writes are refused.
  CHECK(gw.request("POST", "/scim/v2/Users", R"({"userName":"jwt-denied"})", good).status == 403);
  CHECK(gw.request("GET", "/scim/v2/Users?count=1", "",
                   jwt("https://evil.example.com", "scimgate", 300, kJwtSecret))
            .status == 401);
  CHECK(gw.request("GET", "/scim/v2/Users?count=1", "",
                   jwt("https://idp.example.com", "other", 300, kJwtSecret))
            .status == 401);
  CHECK(gw.request("GET", "/scim/v2/Users?count=1", "",
                   jwt("https://idp.example.com", "scimgate", -600, kJwtSecret))
            .status == 401);
  CHECK(gw.request("GET", "/scim/v2/Users?count=1", "",
                   jwt("https://idp.example.com", "scimgate", 300,
                       "another-secret-of-enough-length-000"))
            .status == 401);
}

TEST_CASE("writes and refusals leave audit records with attribute names, never values",
          "[gateway][policy][audit][slapd]") {
  const auto path =
      std::filesystem::temp_directory_path() / ("scimgate-audit-" + uniqueSuffix() + ".log");
  auto cfg = policyConfig();
  cfg.auth.auditPath = path.string();
  const std::string name = "audited-" + uniqueSuffix();
  const std::string secret = "Audit-Secret-Pass-5!";
  {
    Gateway gw(cfg);
    const std::string id = createUser(gw, name, R"(,"password":")" + secret + R"(")");
    gw.request("PATCH", "/scim/v2/Users/" + id,
               patchBody(R"({"op":"replace","path":"displayName","value":"x"})"), kViewerToken);
    gw.request("GET", "/scim/v2/Users", "", "not-a-token");
    gw.request("POST", "/auth/login",
               R"({"userName":")" + name + R"(","password":"Wrong-Pass-42!"})", "",
               "application/json");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string log = text.str();
  std::filesystem::remove(path);
  CAPTURE(log);
  CHECK(log.find(R"("operation":"users.create")") != std::string::npos);
  CHECK(log.find(R"("attributes":["emails","name","password","userName"])") != std::string::npos);
  CHECK(log.find(R"("principal":"viewer")") != std::string::npos);
  CHECK(log.find(R"("outcome":"denied")") != std::string::npos);
  CHECK(log.find(R"("operation":"auth.login")") != std::string::npos);
  CHECK(log.find(R"("status":401)") != std::string::npos);
  CHECK(log.find(secret) == std::string::npos);
  CHECK(log.find("Wrong-Pass-42!") == std::string::npos);
}

TEST_CASE("a caller scoped to an account sees and changes only its own side of the groups",
          "[gateway][policy][groups][slapd]") {
  Gateway setup;
  const std::string suffix = uniqueSuffix();
  const std::string north = createGroup(setup, "North " + suffix, "account");
  const std::string south = createGroup(setup, "South " + suffix, "account");
  const auto inAccount = [&](const std::string& account) {
    return std::string(R"(,")") + kExt + R"(":{"accounts":[{"value":")" + account + R"("}]})";
  };
  const std::string ann = createUser(setup, "gann-" + suffix, inAccount(north));
  const std::string sam = createUser(setup, "gsam-" + suffix, inAccount(south));
  const std::string queue = createGroup(setup, "Queue " + suffix, "queue");
  REQUIRE(setup
              .request("PATCH", "/scim/v2/Groups/" + queue,
                       patchBody(R"({"op":"add","path":"members","value":[{"value":")" + ann +
                                 R"("},{"value":")" + sam + R"("}]})"))
              .status == 204);
  const std::string queueDn = "cn=Queue " + suffix + ",ou=queues," + fixtureSlapd().suffix;
  const auto queueMembers = [&] {
    auto entries = ldapSearch(fixtureSlapd(), queueDn, "(objectClass=*)", {"member"});
    REQUIRE(entries.size() == 1);
    auto values = entries.front().attributes["member"];
    std::sort(values.begin(), values.end());
    return values;
  };
  const auto memberIds = [](const Reply& reply) {
    std::vector<std::string> ids;
    auto json = reply.json();
    if (auto members = json->getArray("members")) {
      for (unsigned i = 0; i < members->size(); ++i) {
        ids.push_back(members->getObject(i)->getValue<std::string>("value"));
      }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  const auto both = queueMembers();
  REQUIRE(both.size() == 2);

  Gateway gw(policyConfig(north));
  // Lists: the caller's account, never the other one; other kinds as usual.
  auto accounts = gw.request(
      "GET",
      "/scim/v2/Groups?filter=displayName%20co%20%22" + suffix + "%22&excludedAttributes=members",
      "", kScopedToken);
  REQUIRE(accounts.status == 200);
  std::vector<std::string> listed;
  auto resources = accounts.json()->getArray("Resources");
  for (unsigned i = 0; i < resources->size(); ++i) {
    listed.push_back(resources->getObject(i)->getValue<std::string>("id"));
  }
  std::sort(listed.begin(), listed.end());
  std::vector<std::string> expected{north, queue};
  std::sort(expected.begin(), expected.end());
  CHECK(listed == expected);
  CHECK(gw.request("GET", "/scim/v2/Groups/" + south, "", kScopedToken).status == 404);
  CHECK(gw.request("DELETE", "/scim/v2/Groups/" + south, "", kScopedToken).status == 404);
  CHECK(gw.request("PATCH", "/scim/v2/Groups/" + south,
                   patchBody(R"({"op":"replace","path":"displayName","value":"Mine now"})"),
                   kScopedToken)
            .status == 404);

  // Members: only the caller's side shows, also through a members filter.
  auto read = gw.request("GET", "/scim/v2/Groups/" + queue, "", kScopedToken);
  REQUIRE(read.status == 200);
  CHECK(memberIds(read) == std::vector<std::string>{ann});
  auto bySam = gw.request("GET", "/scim/v2/Groups?filter=members.value%20eq%20%22" + sam + "%22",
                          "", kScopedToken);
  CHECK(bySam.json()->getValue<int>("totalResults") == 0);

  // Adding or removing someone outside the scope: unknown id / no change.
  const std::string carl = createUser(setup, "gcarl-" + suffix, inAccount(south));
  auto add = gw.request(
      "PATCH", "/scim/v2/Groups/" + queue,
      patchBody(R"({"op":"add","path":"members","value":[{"value":")" + carl + R"("}]})"),
      kScopedToken);
  CHECK(add.status == 400);
  CHECK(add.json()->getValue<std::string>("scimType") == "invalidValue");
  CHECK(gw.request("PATCH", "/scim/v2/Groups/" + queue,
                   patchBody(R"({"op":"remove","path":"members[value eq \")" + sam + R"(\"]"})"),
                   kScopedToken)
            .status == 204);
  CHECK(queueMembers() == both);

  // Replacing or clearing the members changes only the caller's side.
  CHECK(gw.request("PATCH", "/scim/v2/Groups/" + queue,
                   patchBody(R"({"op":"remove","path":"members"})"), kScopedToken)
            .status == 204);
  auto left = queueMembers();
  REQUIRE(left.size() == 1);
  CHECK(left.front().find("gsam-") != std::string::npos);
  auto put = gw.request(
      "PUT", "/scim/v2/Groups/" + queue,
      R"({"displayName":"Queue )" + suffix + R"(","members":[{"value":")" + ann + R"("}]})",
      kScopedToken);
  CAPTURE(put.body);
  CHECK(put.status == 200);
  CHECK(memberIds(put) == std::vector<std::string>{ann});
  CHECK(queueMembers() == both);
  auto putForeign = gw.request(
      "PUT", "/scim/v2/Groups/" + queue,
      R"({"displayName":"Queue )" + suffix + R"(","members":[{"value":")" + carl + R"("}]})",
      kScopedToken);
  CHECK(putForeign.status == 400);
  CHECK(queueMembers() == both);

  for (const auto& id : {ann, sam, carl})
    CHECK(setup.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  for (const auto& id : {queue, north, south}) {
    CHECK(setup.request("DELETE", "/scim/v2/Groups/" + id).status == 204);
  }
}

TEST_CASE("a person's own password change goes through the directory's policy, a reset does not",
          "[gateway][policy][slapd]") {
  // A password policy that keeps a history, as a directory administrator would configure it:
  // OpenLDAP, a private directory whose ppolicy has pwdInHistory; 389, a fine-grained policy with
  // passwordInHistory that the person's entry names (pwdpolicysubentry); AD, the domain's policy
  // (a history of 24 as provisioned).
  const bool openldap = fixtureProfile().name == "openldap";
  std::optional<testing::PrivateSlapd> slapd;
  if (openldap) {
    slapd.emplace("history");
    testing::ldapReplaceAsRoot(slapd->env(), "cn=default,ou=policies," + slapd->env().suffix,
                               "pwdInHistory", {"3"});
  }
  const testing::SlapdEnv& env = openldap ? slapd->env() : fixtureSlapd();
  auto cfg = policyConfig();
  cfg.ldap = env.ldapSettings();
  Gateway gw(cfg);

  const std::string name = "history-" + uniqueSuffix();
  const std::string session = person(gw, name, "Agent");
  if (fixtureProfile().name == "389ds") {
    const std::string policy = "cn=" + name + ",ou=policies," + env.suffix;
    testing::ldapAddAsRoot(env, policy,
                           {{"objectClass", {"top", "ldapsubentry", "passwordpolicy"}},
                            {"cn", {name}},
                            {"passwordHistory", {"on"}},
                            {"passwordInHistory", {"3"}},
                            {"passwordChange", {"on"}},
                            // Each 389 policy names its own password administrators.
                            {"passwordAdminDN", {env.bindDn}}});
    testing::ldapReplaceAsRoot(env, "uid=" + name + ",ou=people," + env.suffix, "pwdpolicysubentry",
                               {policy});
  }
  auto change = [&](const std::string& current, const std::string& next) {
    return gw.request("POST", "/auth/password/change",
                      R"({"currentPassword":")" + current + R"(","newPassword":")" + next +
                          R"(","confirmPassword":")" + next + R"("})",
                      session, "application/json");
  };
  REQUIRE(change(kPassword, "Second-Horse-42!").status == 204);
  // Back to a password the directory remembers: refused with the directory's own reason.
  auto reused = change("Second-Horse-42!", kPassword);
  CAPTURE(reused.body);
  CHECK(reused.status == 400);
  CHECK(reused.json()->getValue<std::string>("scimType") == "invalidValue");
  CHECK(errorDetail(reused).find("history") != std::string::npos);
  loginAs(gw, name, "Second-Horse-42!");  // the refused change changed nothing
  // An administrator's reset is not the person's change: the directory lets it through.
  auto users = gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22" + name + "%22");
  const std::string id =
      users.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id");
  auto reset = gw.request("POST", "/auth/password/set",
                          R"({"userId":")" + id + R"(","newPassword":")" + kPassword +
                              R"(","confirmPassword":")" + kPassword + R"("})",
                          testing::kToken, "application/json");
  CAPTURE(reset.body);
  CHECK(reset.status == 204);
  loginAs(gw, name, kPassword);
}
