// Roles, accounts and queues seen from the User: written as single-value changes of the groups'
// member attribute, checked against the real directory, and never left half-done.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "support/gateway.h"
#include "support/slapd.h"

namespace {

using namespace scimgate;
using testing::byId;
using testing::fixtureProfile;
using testing::fixtureSlapd;
using testing::Gateway;
using testing::idOf;
using testing::isLocked;
using testing::ldapSearch;
using testing::lockAttribute;
using testing::lockValue;
using testing::patchBody;
using testing::Reply;
using testing::uniqueSuffix;
using testing::userDn;
using testing::userNameAttribute;
using testing::userNameFilter;
using testing::versionOf;

constexpr char kExt[] = "urn:scimgate:params:scim:schemas:extension:2.0:User";

// The real member values of a group entry (the empty placeholder left out).
std::vector<std::string> members(const std::string& groupDn) {
  auto entries = ldapSearch(fixtureSlapd(), groupDn, "(objectClass=*)", {"member"});
  REQUIRE(entries.size() == 1);
  std::vector<std::string> dns;
  for (const auto& [name, values] : entries.front().attributes) {
    for (const auto& v : values) {
      if (!v.empty()) dns.push_back(v);
    }
  }
  return dns;
}

bool isMember(const std::string& groupDn, const std::string& name) {
  auto all = members(groupDn);
  const std::string dn = userDn(name);
  return std::any_of(all.begin(), all.end(), [&](const std::string& m) {
    return m.size() == dn.size() && std::equal(m.begin(), m.end(), dn.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  });
}

// slapd's refint overlay rewrites the member values of groups after a delete in a thread of its
// own (slapo-refint(5)), so they can lag the 204 by a few milliseconds: wait for it, bounded.
bool leftGroupSoon(const std::string& groupDn, const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (isMember(groupDn, name)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string roleDn(const std::string& role) {
  return "cn=" + role + ",ou=roles," + fixtureSlapd().suffix;
}

std::vector<std::string> roleNames(const Poco::JSON::Object::Ptr& user) {
  std::vector<std::string> names;
  if (auto roles = user->getArray("roles")) {
    for (std::size_t i = 0; i < roles->size(); ++i) {
      names.push_back(roles->getObject(static_cast<unsigned>(i))->getValue<std::string>("value"));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string createUser(Gateway& gw, const std::string& name, const std::string& extra = "") {
  auto reply = gw.request("POST", "/scim/v2/Users",
                          R"({"userName":")" + name + R"(","emails":[{"value":")" + name +
                              R"(@example.com","primary":true}])" + extra + "}");
  CAPTURE(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

std::string createGroup(Gateway& gw, const std::string& name, const std::string& kind,
                        const std::string& memberId = "") {
  auto reply =
      gw.request("POST", "/scim/v2/Groups",
                 R"({"displayName":")" + name +
                     R"(","urn:scimgate:params:scim:schemas:extension:2.0:Group":{"kind":")" +
                     kind + R"("},"members":[)" +
                     (memberId.empty() ? "" : R"({"value":")" + memberId + R"("})") + "]}");
  CAPTURE(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

std::string groupDn(const std::string& id) {
  auto entries = ldapSearch(fixtureSlapd(), fixtureSlapd().suffix, byId(id), {"cn"});
  REQUIRE(entries.size() == 1);
  return entries.front().dn;
}

}  // namespace

TEST_CASE("roles are membership in the role groups, changed at once and only to known roles",
          "[gateway][roles][slapd]") {
  Gateway gw;
  const std::string name = "role-" + uniqueSuffix();
  const std::string id = createUser(gw, name);

  // A new user without roles gets the default role (Viewer).
  CHECK(roleNames(gw.request("GET", "/scim/v2/Users/" + id).json()) ==
        std::vector<std::string>{"Viewer"});
  CHECK(isMember(roleDn("Viewer"), name));

  SECTION("a role change shows in roles and in the role groups at once") {
    auto changed =
        gw.request("PATCH", "/scim/v2/Users/" + id,
                   patchBody(R"({"op":"replace","path":"roles","value":[{"value":"manager"}]})"));
    CAPTURE(changed.body);
    REQUIRE(changed.status == 200);
    CHECK(roleNames(changed.json()) == std::vector<std::string>{"Manager"});
    CHECK(isMember(roleDn("Manager"), name));
    CHECK_FALSE(isMember(roleDn("Viewer"), name));
    CHECK(roleNames(gw.request("GET", "/scim/v2/Users/" + id).json()) ==
          std::vector<std::string>{"Manager"});

    // Entra ID adds with a capitalised op and string booleans.
    auto added = gw.request(
        "PATCH", "/scim/v2/Users/" + id,
        patchBody(
            R"({"op":"Add","path":"roles","value":[{"value":"Agent","primary":"False","type":"WindowsAzureActiveDirectoryRole"}]})"));
    CAPTURE(added.body);
    REQUIRE(added.status == 200);
    CHECK(roleNames(added.json()) == std::vector<std::string>{"Agent", "Manager"});

    auto removed = gw.request("PATCH", "/scim/v2/Users/" + id,
                              patchBody(R"({"op":"remove","path":"roles[value eq \"Manager\"]"})"));
    REQUIRE(removed.status == 200);
    CHECK(roleNames(removed.json()) == std::vector<std::string>{"Agent"});
    CHECK_FALSE(isMember(roleDn("Manager"), name));
    CHECK(isMember(roleDn("Agent"), name));
  }
  SECTION("an unknown role is refused, naming the allowed ones, and nothing changes") {
    auto refused = gw.request("PATCH", "/scim/v2/Users/" + id,
                              patchBody(R"({"op":"replace","path":"displayName","value":"Changed"},
                 {"op":"replace","path":"roles","value":[{"value":"Manager"},{"value":"Overlord"}]})"));
    CAPTURE(refused.body);
    CHECK(refused.status == 400);
    auto json = refused.json();
    CHECK(json->getValue<std::string>("scimType") == "invalidValue");
    const std::string detail = json->getValue<std::string>("detail");
    CHECK(detail.find("Overlord") != std::string::npos);
    CHECK(detail.find("Administrator, Manager, Agent, Viewer") != std::string::npos);
    CHECK_FALSE(isMember(roleDn("Manager"), name));
    CHECK(isMember(roleDn("Viewer"), name));
    auto entry = ldapSearch(fixtureSlapd(), userDn(name), "(objectClass=*)", {"displayName"});
    CHECK(entry.front().first("displayName").empty());
  }
  SECTION("a PUT without roles keeps them; a PUT with roles sets them") {
    auto kept = gw.request("PUT", "/scim/v2/Users/" + id,
                           R"({"userName":")" + name +
                               R"(","displayName":"Put",)"
                               R"("emails":[{"value":")" +
                               name + R"(@example.com","primary":true}]})");
    REQUIRE(kept.status == 200);
    CHECK(roleNames(kept.json()) == std::vector<std::string>{"Viewer"});
    auto set = gw.request("PUT", "/scim/v2/Users/" + id,
                          R"({"userName":")" + name +
                              R"(","roles":[{"value":"Administrator"}],)"
                              R"("emails":[{"value":")" +
                              name + R"(@example.com","primary":true}]})");
    REQUIRE(set.status == 200);
    CHECK(roleNames(set.json()) == std::vector<std::string>{"Administrator"});
    CHECK(isMember(roleDn("Administrator"), name));
    CHECK_FALSE(isMember(roleDn("Viewer"), name));
  }
  SECTION("a create with an unknown role writes nothing") {
    const std::string other = "role-bad-" + uniqueSuffix();
    auto refused = gw.request("POST", "/scim/v2/Users",
                              R"({"userName":")" + other + R"(","roles":[{"value":"root"}]})");
    CHECK(refused.status == 400);
    CHECK(ldapSearch(fixtureSlapd(), "ou=people," + fixtureSlapd().suffix, userNameFilter(other),
                     {userNameAttribute()})
              .empty());
  }
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  CHECK_FALSE(isMember(roleDn("Viewer"), name));
  CHECK_FALSE(isMember(roleDn("Manager"), name));
  CHECK_FALSE(isMember(roleDn("Agent"), name));
  CHECK_FALSE(isMember(roleDn("Administrator"), name));
}

TEST_CASE("accounts are written from the User as membership in the account groups",
          "[gateway][accounts][slapd]") {
  Gateway gw;
  const std::string suffix = uniqueSuffix();
  const std::string north = createGroup(gw, "North " + suffix, "account");
  const std::string south = createGroup(gw, "South " + suffix, "account");
  const std::string team = createGroup(gw, "Team " + suffix, "group");
  const std::string name = "tenant-" + suffix;
  const std::string id = createUser(
      gw, name, std::string(R"(,")") + kExt + R"(":{"accounts":[{"value":")" + north + R"("}]})");
  CHECK(isMember(groupDn(north), name));

  auto user = gw.request("GET", "/scim/v2/Users/" + id).json();
  auto accounts = user->getObject(kExt)->getArray("accounts");
  REQUIRE(accounts->size() == 1);
  CHECK(accounts->getObject(0)->getValue<std::string>("value") == north);
  CHECK(accounts->getObject(0)->getValue<std::string>("display") == "North " + suffix);

  auto moved = gw.request("PATCH", "/scim/v2/Users/" + id,
                          patchBody(std::string(R"({"op":"replace","path":")") + kExt +
                                    R"(:accounts","value":[{"value":")" + south + R"("}]})"));
  CAPTURE(moved.body);
  REQUIRE(moved.status == 200);
  CHECK_FALSE(isMember(groupDn(north), name));
  CHECK(isMember(groupDn(south), name));

  // Only account groups are accounts: a plain group's id or an unknown id is refused.
  for (const std::string& bad :
       {team, std::string("00000000-0000-0000-0000-000000000000"), std::string("not-an-id")}) {
    CAPTURE(bad);
    auto refused = gw.request("PATCH", "/scim/v2/Users/" + id,
                              patchBody(std::string(R"({"op":"add","path":")") + kExt +
                                        R"(:accounts","value":[{"value":")" + bad + R"("}]})"));
    CHECK(refused.status == 400);
    CHECK(refused.json()->getValue<std::string>("scimType") == "invalidValue");
  }
  CHECK(isMember(groupDn(south), name));
  CHECK_FALSE(isMember(groupDn(team), name));

  auto left =
      gw.request("PATCH", "/scim/v2/Users/" + id,
                 patchBody(std::string(R"({"op":"remove","path":")") + kExt + R"(:accounts"})"));
  REQUIRE(left.status == 200);
  CHECK_FALSE(isMember(groupDn(south), name));

  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  for (const auto& group : {north, south, team}) {
    CHECK(gw.request("DELETE", "/scim/v2/Groups/" + group).status == 204);
  }
}

TEST_CASE(
    "a failure injected mid-deactivation leaves the entry, the lock and the queues as they were",
    "[gateway][deactivation][slapd]") {
  // A refused modify of the second queue: real slapd refuses nothing here on demand, so the
  // directory's test seam (ldap::Faults) makes that one step fail.
  std::atomic<int> queueLeaves{0};
  ldap::Faults faults;
  faults.failStep = [&](std::string_view step) {
    return step.rfind("leave queue", 0) == 0 && ++queueLeaves == 2;
  };
  Gateway gw(Gateway::defaultConfig(), faults);
  const std::string suffix = uniqueSuffix();
  const std::string name = "midway-" + suffix;
  const std::string password = "Midw4y-Agent!7kZ";
  auto created = gw.request(
      "POST", "/scim/v2/Users",
      R"({"userName":")" + name + R"(","password":")" + password + R"(","displayName":"Before"})");
  REQUIRE(created.status == 201);
  const std::string id = created.json()->getValue<std::string>("id");
  const std::string first = createGroup(gw, "Billing " + suffix, "queue", id);
  const std::string second = createGroup(gw, "Returns " + suffix, "queue", id);
  const std::vector<std::string> kept = {
      "displayName", "scimgateStatus", lockAttribute(), "memberOf", "cn", "mail"};
  auto before = ldapSearch(fixtureSlapd(), userDn(name), "(objectClass=*)", kept);

  auto failed = gw.request("PATCH", "/scim/v2/Users/" + id,
                           patchBody(R"({"op":"replace","path":"active","value":false},
                                    {"op":"replace","path":"displayName","value":"After"})"));
  CAPTURE(failed.body);
  CHECK(failed.status >= 500);
  CHECK(queueLeaves >= 2);

  auto after = ldapSearch(fixtureSlapd(), userDn(name), "(objectClass=*)", kept);
  REQUIRE(after.size() == 1);
  // The same values (memberOf may list the queues in another order after rejoining them).
  auto sorted = [](std::map<std::string, std::vector<std::string>> attributes) {
    for (auto& [attribute, values] : attributes) std::sort(values.begin(), values.end());
    return attributes;
  };
  CHECK(sorted(after.front().attributes) == sorted(before.front().attributes));
  CHECK_FALSE(isLocked(after.front()));
  CHECK(isMember(groupDn(first), name));
  CHECK(isMember(groupDn(second), name));
  const std::string bind = "ldapsearch -x -b '' -s base -H " + fixtureSlapd().url + " -D '" +
                           userDn(name) + "' -w '" + password + "' > /dev/null 2>&1";
  CHECK(std::system(bind.c_str()) == 0);

  CHECK(gw.request("DELETE", "/scim/v2/Groups/" + first).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Groups/" + second).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("a failure injected while joining a role undoes the rest of the request",
          "[gateway][roles][slapd]") {
  ldap::Faults faults;
  faults.failStep = [](std::string_view step) {
    return step.rfind("join role", 0) == 0 && step.find("Agent") != std::string_view::npos;
  };
  Gateway gw(Gateway::defaultConfig(), faults);
  const std::string name = "joinfail-" + uniqueSuffix();
  const std::string id = createUser(gw, name, R"(,"displayName":"Before")");
  auto failed = gw.request("PATCH", "/scim/v2/Users/" + id,
                           patchBody(R"({"op":"replace","path":"displayName","value":"After"},
               {"op":"replace","path":"roles","value":[{"value":"Manager"},{"value":"Agent"}]})"));
  CAPTURE(failed.body);
  CHECK(failed.status >= 500);
  auto user = gw.request("GET", "/scim/v2/Users/" + id).json();
  CHECK(user->getValue<std::string>("displayName") == "Before");
  CHECK(roleNames(user) == std::vector<std::string>{"Viewer"});
  CHECK(isMember(roleDn("Viewer"), name));
  CHECK_FALSE(isMember(roleDn("Manager"), name));
  CHECK_FALSE(isMember(roleDn("Agent"), name));
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("a rename or a delete sent with If-Match keeps the groups' member values in step",
          "[gateway][etag][groups][slapd]") {
  // slapd's memberof and refint overlays rewrite the groups' member values when a member is
  // renamed or deleted; an Assertion control on the user's request must not stop them.
  auto cfg = Gateway::defaultConfig();
  cfg.scim.userNameImmutable = false;
  Gateway gw(cfg);
  const std::string name = "ifm-" + uniqueSuffix();
  const std::string id = createUser(gw, name);
  const std::string group = groupDn(createGroup(gw, "ifm-group-" + uniqueSuffix(), "group", id));
  const std::string queue = groupDn(createGroup(gw, "ifm-queue-" + uniqueSuffix(), "queue", id));
  REQUIRE(isMember(group, name));

  const std::string renamed = name + "-renamed";
  auto etag = gw.request("GET", "/scim/v2/Users/" + id).header("ETag");
  auto reply = gw.requestWith(
      {{"If-Match", etag}}, "PATCH", "/scim/v2/Users/" + id,
      patchBody(R"({"op":"replace","path":"userName","value":")" + renamed + R"("})"));
  CAPTURE(reply.body);
  REQUIRE(reply.status == 200);
  CHECK(isMember(group, renamed));
  CHECK(isMember(queue, renamed));
  CHECK_FALSE(isMember(group, name));
  CHECK(ldapSearch(fixtureSlapd(), userDn(renamed), "(objectClass=*)", {"memberOf"})
            .front()
            .attributes.at("memberOf")
            .size() >= 2);

  etag = gw.request("GET", "/scim/v2/Users/" + id).header("ETag");
  reply = gw.requestWith({{"If-Match", etag}}, "DELETE", "/scim/v2/Users/" + id);
  CAPTURE(reply.body);
  REQUIRE(reply.status == 204);
  CHECK(leftGroupSoon(group, renamed));
  CHECK(leftGroupSoon(queue, renamed));
  CHECK(members(group).empty());
}
