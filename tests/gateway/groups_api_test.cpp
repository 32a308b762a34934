// Groups over real HTTP against a real slapd: members are member DNs, changed one value at a time.
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <thread>

#include "config/config.h"
#include "gateway/server.h"
#include "ldap/escape.h"
#include "support/gateway.h"
#include "support/slapd.h"

namespace {

using namespace scimgate;
using Poco::JSON::Object;
using testing::byId;
using testing::fixtureProfile;
using testing::fixtureSlapd;
using testing::idOf;
using testing::isLocked;
using testing::ldapSearch;
using testing::lockAttribute;
using testing::lockValue;
using testing::uniqueSuffix;
using testing::userDn;
using testing::userNameAttribute;
using testing::userNameFilter;
using testing::versionOf;

using testing::Gateway;
using testing::patchBody;
using testing::Reply;

std::string createUser(Gateway& gw, const std::string& name) {
  auto reply = gw.request("POST", "/scim/v2/Users",
                          R"({"userName":")" + name + R"(","emails":[{"value":")" + name +
                              R"(@example.com","primary":true}]})");
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

std::vector<std::string> memberDns(const std::string& groupId) {
  auto entries = ldapSearch(fixtureSlapd(), fixtureSlapd().suffix, byId(groupId), {"member"});
  REQUIRE(entries.size() == 1);
  std::vector<std::string> dns;
  for (const auto& [name, values] : entries.front().attributes) {
    for (const auto& v : values) {
      if (!v.empty()) dns.push_back(v);
    }
  }
  return dns;
}

}  // namespace

TEST_CASE("groups are created, read, patched member by member and deleted",
          "[gateway][groups][slapd]") {
  Gateway gw;
  const std::string suffix = uniqueSuffix();
  const std::string ann = createUser(gw, "ann-" + suffix);
  const std::string bob = createUser(gw, "bob-" + suffix);

  auto created = gw.request("POST", "/scim/v2/Groups",
                            R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],)"
                            R"("displayName":"Team )" +
                                suffix + R"(","externalId":"ext-)" + suffix +
                                R"(","members":[{"value":")" + ann + R"(","display":"Ann"}]})");
  REQUIRE(created.status == 201);
  const std::string id = created.json()->getValue<std::string>("id");
  auto entries = ldapSearch(fixtureSlapd(), "ou=groups," + fixtureSlapd().suffix, byId(id),
                            {"cn", "member", "scimgateGroupKind"});
  REQUIRE(entries.size() == 1);
  CHECK(entries.front().first("cn") == "Team " + suffix);
  CHECK(entries.front().first("scimgateGroupKind") == "group");
  CHECK(memberDns(id) == std::vector<std::string>{userDn("ann-" + suffix)});

  auto got = gw.request("GET", "/scim/v2/Groups/" + id);
  REQUIRE(got.status == 200);
  auto members = got.json()->getArray("members");
  REQUIRE(members->size() == 1);
  CHECK(members->getObject(0)->getValue<std::string>("value") == ann);
  CHECK(members->getObject(0)->getValue<std::string>("type") == "User");

  // The user side shows the membership (memberOf), read-only.
  auto user = gw.request("GET", "/scim/v2/Users/" + ann);
  REQUIRE(user.status == 200);
  auto groups = user.json()->getArray("groups");
  REQUIRE(groups);
  REQUIRE(groups->size() == 1);
  CHECK(groups->getObject(0)->getValue<std::string>("value") == id);
  CHECK(groups->getObject(0)->getValue<std::string>("display") == "Team " + suffix);
  auto listed = gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22ann-" + suffix + "%22");
  CHECK(listed.json()->getArray("Resources")->getObject(0)->getArray("groups")->size() == 1);
  // A PATCH of something else neither writes nor loses the membership.
  CHECK(gw.request("PATCH", "/scim/v2/Users/" + ann,
                   patchBody(R"({"op":"replace","path":"title","value":"Lead"})"))
            .status == 200);
  CHECK(memberDns(id).size() == 1);

  CHECK(
      gw.request("PATCH", "/scim/v2/Groups/" + id,
                 patchBody(R"({"op":"add","path":"members","value":[{"value":")" + bob + R"("}]})"))
          .status == 204);
  CHECK(memberDns(id).size() == 2);
  CHECK(gw.request("PATCH", "/scim/v2/Groups/" + id,
                   patchBody(R"({"op":"remove","path":"members[value eq \")" + ann + R"(\"]"})"))
            .status == 204);
  CHECK(memberDns(id) == std::vector<std::string>{userDn("bob-" + suffix)});
  // Entra ID's remove with a value list, then the last member goes: the group stays valid.
  CHECK(gw.request(
              "PATCH", "/scim/v2/Groups/" + id,
              patchBody(R"({"op":"Remove","path":"members","value":[{"value":")" + bob + R"("}]})"))
            .status == 204);
  CHECK(memberDns(id).empty());
  auto empty = gw.request("GET", "/scim/v2/Groups/" + id);
  CHECK_FALSE(empty.json()->has("members"));

  SECTION("excludedAttributes=members leaves members out") {
    CHECK(gw.request(
                "PATCH", "/scim/v2/Groups/" + id,
                patchBody(R"({"op":"add","path":"members","value":[{"value":")" + ann + R"("}]})"))
              .status == 204);
    auto lean = gw.request("GET", "/scim/v2/Groups/" + id + "?excludedAttributes=members");
    REQUIRE(lean.status == 200);
    CHECK_FALSE(lean.json()->has("members"));
    CHECK(lean.json()->getValue<std::string>("displayName") == "Team " + suffix);
  }
  SECTION("a rename through PATCH and a list filtered by displayName") {
    CHECK(gw.request("PATCH", "/scim/v2/Groups/" + id,
                     patchBody(R"({"op":"replace","path":"displayName","value":"Renamed )" +
                               suffix + R"("})"))
              .status == 204);
    auto list = gw.request(
        "GET", "/scim/v2/Groups?filter=displayName%20eq%20%22Renamed%20" + suffix + "%22");
    REQUIRE(list.status == 200);
    CHECK(list.json()->getValue<int>("totalResults") == 1);
    CHECK(list.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id") == id);
  }
  SECTION("unknown member ids are refused and change nothing") {
    auto bad = gw.request(
        "PATCH", "/scim/v2/Groups/" + id,
        patchBody(
            R"({"op":"add","path":"members","value":[{"value":"00000000-0000-0000-0000-000000000000"}]})"));
    CHECK(bad.status == 400);
    CHECK(memberDns(id).empty());
  }
  CHECK(gw.request("DELETE", "/scim/v2/Groups/" + id).status == 204);
  CHECK(gw.request("GET", "/scim/v2/Groups/" + id).status == 404);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + ann).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + bob).status == 204);
}

TEST_CASE("a group's displayName is unique and required", "[gateway][groups][slapd]") {
  Gateway gw;
  const std::string name = "Unique " + uniqueSuffix();
  auto first = gw.request("POST", "/scim/v2/Groups", R"({"displayName":")" + name + R"("})");
  REQUIRE(first.status == 201);
  CHECK(gw.request("POST", "/scim/v2/Groups", R"({"displayName":")" + name + R"("})").status ==
        409);
  CHECK(gw.request("POST", "/scim/v2/Groups", R"({"members":[]})").status == 400);
  CHECK(
      gw.request("DELETE", "/scim/v2/Groups/" + first.json()->getValue<std::string>("id")).status ==
      204);
}

TEST_CASE("a user's roles come from the role groups", "[gateway][groups][slapd]") {
  Gateway gw;
  // The demo directory's administrator is a member of cn=Administrator,ou=roles.
  auto reply = gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22demo-admin%22");
  REQUIRE(reply.status == 200);
  auto admin = reply.json()->getArray("Resources")->getObject(0);
  auto roles = admin->getArray("roles");
  REQUIRE(roles);
  REQUIRE(roles->size() == 1);
  CHECK(roles->getObject(0)->getValue<std::string>("value") == "Administrator");
  CHECK_FALSE(admin->has("groups"));
}

TEST_CASE("deactivation locks the account and leaves every queue, reactivation unlocks only",
          "[gateway][groups][slapd]") {
  Gateway gw;
  const std::string suffix = uniqueSuffix();
  const std::string name = "agent-" + suffix;
  const std::string password = "Qu3ue-Worker!7x";  // no part of the userName (password rules)
  auto created = gw.request("POST", "/scim/v2/Users",
                            R"({"userName":")" + name + R"(","password":")" + password +
                                R"(","emails":[{"value":")" + name + R"(@example.com"}]})");
  REQUIRE(created.status == 201);
  const std::string id = created.json()->getValue<std::string>("id");
  const std::string dn = userDn(name);
  auto binds = [&] {
    const std::string bind = "ldapsearch -x -b '' -s base -H " + fixtureSlapd().url + " -D '" + dn +
                             "' -w '" + password + "' > /dev/null 2>&1";
    return std::system(bind.c_str()) == 0;
  };
  REQUIRE(binds());

  auto queue =
      gw.request("POST", "/scim/v2/Groups",
                 R"({"displayName":"Billing )" + suffix +
                     R"(","urn:scimgate:params:scim:schemas:extension:2.0:Group":{"kind":"queue"},)"
                     R"("members":[{"value":")" +
                     id + R"("}]})");
  REQUIRE(queue.status == 201);
  const std::string queueId = queue.json()->getValue<std::string>("id");
  auto inQueue =
      ldapSearch(fixtureSlapd(), "ou=queues," + fixtureSlapd().suffix, byId(queueId), {"member"});
  REQUIRE(inQueue.size() == 1);
  CHECK(memberDns(queueId).size() == 1);
  auto user = gw.request("GET", "/scim/v2/Users/" + id).json();
  CHECK(user->getObject("urn:scimgate:params:scim:schemas:extension:2.0:User")
            ->getArray("queues")
            ->size() == 1);

  auto off = gw.request("PATCH", "/scim/v2/Users/" + id,
                        patchBody(R"({"op":"replace","path":"active","value":false})"));
  REQUIRE(off.status == 200);
  CHECK_FALSE(binds());
  CHECK(memberDns(queueId).empty());

  auto on = gw.request("PATCH", "/scim/v2/Users/" + id,
                       patchBody(R"({"op":"replace","path":"active","value":true})"));
  REQUIRE(on.status == 200);
  CHECK(on.json()->getValue<bool>("active"));
  CHECK(binds());                     // the old password works again
  CHECK(memberDns(queueId).empty());  // queues are assigned again by hand

  CHECK(gw.request("DELETE", "/scim/v2/Groups/" + queueId).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("a deactivation that fails midway leaves the user as it was, queues included",
          "[gateway][groups][slapd]") {
  auto cfg = Gateway::defaultConfig();
  cfg.scim.emailImmutable = false;
  Gateway gw(cfg);
  const std::string suffix = uniqueSuffix();
  const std::string taken = "taken-" + suffix;
  const std::string takenId = createUser(gw, taken);
  const std::string id = createUser(gw, "worker-" + suffix);
  auto queue =
      gw.request("POST", "/scim/v2/Groups",
                 R"({"displayName":"Support )" + suffix +
                     R"(","urn:scimgate:params:scim:schemas:extension:2.0:Group":{"kind":"queue"},)"
                     R"("members":[{"value":")" +
                     id + R"("}]})");
  REQUIRE(queue.status == 201);
  const std::string queueId = queue.json()->getValue<std::string>("id");

  // The real directory refuses the second half: the new email belongs to someone else (unique
  // overlay), after the queue has already been left.
  auto failed = gw.request("PATCH", "/scim/v2/Users/" + id,
                           patchBody(R"({"op":"replace","path":"active","value":false},
               {"op":"replace","path":"emails","value":[{"value":")" +
                                     taken + R"(@example.com","primary":true}]})"));
  CAPTURE(failed.body);
  CHECK(failed.status == 409);
  CHECK(memberDns(queueId).size() == 1);
  auto entry = ldapSearch(fixtureSlapd(), "ou=people," + fixtureSlapd().suffix, byId(id),
                          {lockAttribute(), "scimgateStatus", "mail"});
  REQUIRE(entry.size() == 1);
  // As it was: unlocked, except on AD, where a user without a password is disabled until it has
  // one.
  CHECK(isLocked(entry.front()) == fixtureProfile().lockUntilPassword);
  CHECK(entry.front().first("scimgateStatus") != "inactive");
  CHECK(entry.front().first("mail") == "worker-" + suffix + "@example.com");

  CHECK(gw.request("DELETE", "/scim/v2/Groups/" + queueId).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + takenId).status == 204);
}

namespace {

std::vector<std::string> displayNames(const Poco::JSON::Object::Ptr& list) {
  std::vector<std::string> names;
  auto resources = list->getArray("Resources");
  for (unsigned int i = 0; i < resources->size(); ++i) {
    names.push_back(resources->getObject(i)->getValue<std::string>("displayName"));
  }
  return names;
}

std::string createNamedGroup(Gateway& gw, const std::string& name,
                             const std::string& memberId = "") {
  auto reply =
      gw.request("POST", "/scim/v2/Groups",
                 R"({"displayName":")" + name + R"(","members":[)" +
                     (memberId.empty() ? "" : R"({"value":")" + memberId + R"("})") + "]}");
  CAPTURE(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

}  // namespace

TEST_CASE(
    "group lists sort, page and filter in the directory, also through POST .search and cursors",
    "[gateway][groups][list][slapd]") {
  Gateway gw;
  const std::string prefix = "glist-" + uniqueSuffix() + "-";
  const std::string ann = createUser(gw, prefix + "ann");
  std::vector<std::string> ids;
  for (const char* letter : {"c", "a", "e", "b", "d"}) {
    ids.push_back(createNamedGroup(gw, prefix + letter, std::string(letter) == "b" ? ann : ""));
  }
  const std::string filter = "filter=displayName%20sw%20%22" + prefix + "%22";

  SECTION("sortBy, sortOrder, startIndex and count") {
    auto page =
        gw.request("GET", "/scim/v2/Groups?" + filter +
                              "&sortBy=displayName&sortOrder=descending&startIndex=2&count=2"
                              "&excludedAttributes=members");
    CAPTURE(page.body);
    REQUIRE(page.status == 200);
    auto json = page.json();
    CHECK(json->getValue<int>("totalResults") == 5);
    CHECK(json->getValue<int>("startIndex") == 2);
    CHECK(json->getValue<int>("itemsPerPage") == 2);
    CHECK(displayNames(json) == std::vector<std::string>{prefix + "d", prefix + "c"});

    // Without sortBy, by displayName ascending.
    auto all = gw.request("GET", "/scim/v2/Groups?" + filter).json();
    CHECK(displayNames(all) == std::vector<std::string>{prefix + "a", prefix + "b", prefix + "c",
                                                        prefix + "d", prefix + "e"});
    auto onlyTotal = gw.request("GET", "/scim/v2/Groups?" + filter + "&count=0").json();
    CHECK(onlyTotal->getValue<int>("totalResults") == 5);
    CHECK(onlyTotal->getArray("Resources")->size() == 0);
    auto pastEnd = gw.request("GET", "/scim/v2/Groups?" + filter + "&startIndex=9").json();
    CHECK(pastEnd->getValue<int>("totalResults") == 5);
    CHECK(pastEnd->getArray("Resources")->size() == 0);

    auto byCreation =
        gw.request("GET", "/scim/v2/Groups?" + filter + "&sortBy=meta.created").json();
    // Created within one second: the order of equal createTimestamps is the directory's own
    // (OpenLDAP: creation order; 389 another).
    if (fixtureProfile().name == "openldap") {
      CHECK(displayNames(byCreation) == std::vector<std::string>{prefix + "c", prefix + "a",
                                                                 prefix + "e", prefix + "b",
                                                                 prefix + "d"});
    }
    CHECK(displayNames(byCreation).size() == 5);
  }

  SECTION("cursor pagination reads every group once") {
    std::vector<std::string> seen;
    std::string cursor;
    for (int round = 0; round < 10; ++round) {
      auto reply = gw.request("GET", "/scim/v2/Groups?" + filter + "&count=2&cursor=" + cursor);
      CAPTURE(reply.body);
      REQUIRE(reply.status == 200);
      auto json = reply.json();
      for (const auto& name : displayNames(json)) seen.push_back(name);
      if (!json->has("nextCursor")) break;
      cursor = json->getValue<std::string>("nextCursor");
    }
    CHECK(seen == std::vector<std::string>{prefix + "a", prefix + "b", prefix + "c", prefix + "d",
                                           prefix + "e"});
    testing::Reply wrong =
        gw.request("GET", "/scim/v2/Groups?" + filter + "&cursor=3.0000000000000000");
    CHECK(wrong.status == 400);
    CHECK(wrong.json()->getValue<std::string>("scimType") == "invalidCursor");
  }

  SECTION("POST /Groups/.search") {
    auto reply = gw.request("POST", "/scim/v2/Groups/.search",
                            R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],)"
                            R"("filter":"displayName sw \")" +
                                prefix +
                                R"(\"","sortBy":"displayName",)"
                                R"("sortOrder":"descending","startIndex":1,"count":1,)"
                                R"("excludedAttributes":["members"]})");
    CAPTURE(reply.body);
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    CHECK(json->getValue<int>("totalResults") == 5);
    CHECK(displayNames(json) == std::vector<std::string>{prefix + "e"});
    CHECK_FALSE(json->getArray("Resources")->getObject(0)->has("members"));
    CHECK(gw.request("GET", "/scim/v2/Groups/.search").status == 405);
  }

  SECTION("filters on members and on meta") {
    for (const std::string& memberFilter : {"members.value%20eq%20%22" + ann + "%22",
                                            "members%5Bvalue%20eq%20%22" + ann + "%22%5D"}) {
      auto json = gw.request("GET", "/scim/v2/Groups?filter=" + memberFilter +
                                        "%20and%20displayName%20sw%20%22" + prefix + "%22")
                      .json();
      CHECK(displayNames(json) == std::vector<std::string>{prefix + "b"});
    }
    auto notMember =
        gw.request("GET", "/scim/v2/Groups?" + filter + "%20and%20not%20(members.value%20eq%20%22" +
                              ann + "%22)")
            .json();
    CHECK(notMember->getValue<int>("totalResults") == 4);
    auto nonEmpty = gw.request("GET", "/scim/v2/Groups?" + filter + "%20and%20members%20pr").json();
    CHECK(displayNames(nonEmpty) == std::vector<std::string>{prefix + "b"});
    auto nobody = gw.request("GET",
                             "/scim/v2/Groups?filter=members.value%20eq%20%22"
                             "00000000-0000-0000-0000-000000000000%22")
                      .json();
    CHECK(nobody->getValue<int>("totalResults") == 0);
    auto recent =
        gw.request("GET", "/scim/v2/Groups?" + filter +
                              "%20and%20meta.lastModified%20gt%20%222000-01-01T00:00:00Z%22")
            .json();
    CHECK(recent->getValue<int>("totalResults") == 5);
  }

  SECTION("bad sort and filter requests are refused with a reason") {
    auto badSort = gw.request("GET", "/scim/v2/Groups?sortBy=members");
    CHECK(badSort.status == 400);
    CHECK(badSort.json()->getValue<std::string>("scimType") == "invalidValue");
    auto badOrder = gw.request("GET", "/scim/v2/Groups?sortOrder=sideways");
    CHECK(badOrder.status == 400);
    auto badFilter = gw.request("GET", "/scim/v2/Groups?filter=members.display%20eq%20%22x%22");
    CHECK(badFilter.status == 400);
    CHECK(badFilter.json()->getValue<std::string>("scimType") == "invalidFilter");
    auto badMemberOp = gw.request("GET", "/scim/v2/Groups?filter=members.value%20sw%20%22x%22");
    CHECK(badMemberOp.status == 400);
    CHECK(badMemberOp.json()->getValue<std::string>("scimType") == "invalidFilter");
  }

  for (const auto& id : ids) CHECK(gw.request("DELETE", "/scim/v2/Groups/" + id).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + ann).status == 204);
}

TEST_CASE("a PUT that renames a group and fails on a member leaves the name as it was",
          "[gateway][groups][slapd]") {
  Gateway gw;
  const std::string name = "putfail-" + uniqueSuffix();
  const std::string id = createNamedGroup(gw, name);
  auto failed = gw.request("PUT", "/scim/v2/Groups/" + id,
                           R"({"displayName":")" + name +
                               R"(-renamed","members":[)"
                               R"({"value":"00000000-0000-0000-0000-000000000000"}]})");
  CHECK(failed.status == 400);
  CHECK(failed.json()->getValue<std::string>("scimType") == "invalidValue");
  CHECK(gw.request("GET", "/scim/v2/Groups/" + id).json()->getValue<std::string>("displayName") ==
        name);
  CHECK(ldapSearch(fixtureSlapd(), "cn=" + name + ",ou=groups," + fixtureSlapd().suffix,
                   "(objectClass=*)", {"cn"})
            .size() == 1);
  CHECK(gw.request("DELETE", "/scim/v2/Groups/" + id).status == 204);
}

TEST_CASE("concurrent member changes to one group all land, merged or not",
          "[gateway][groups][concurrency][slapd]") {
  Gateway gw;
  const std::string suffix = uniqueSuffix();
  constexpr int kThreads = 12;
  std::vector<std::string> users;
  for (int i = 0; i < kThreads; ++i)
    users.push_back(createUser(gw, "conc-" + std::to_string(i) + "-" + suffix));
  const std::string seed = createUser(gw, "conc-seed-" + suffix);
  const std::string group = createNamedGroup(gw, "conc-" + suffix, seed);
  const std::string groupDn = "cn=conc-" + suffix + ",ou=groups," + fixtureSlapd().suffix;

  // Every thread sends its PATCHes at the same moment, on its own connection.
  auto together = [&](const std::function<std::string(int)>& bodyOf) {
    std::vector<int> statuses(kThreads, 0);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < kThreads) std::this_thread::yield();
        statuses[static_cast<std::size_t>(t)] =
            gw.request("PATCH", "/scim/v2/Groups/" + group, bodyOf(t)).status;
      });
    }
    for (auto& thread : threads) thread.join();
    return statuses;
  };
  const auto memberOfGroup = [&](const std::string& name) {
    auto entries =
        ldapSearch(fixtureSlapd(), testing::userDn(name), "(objectClass=*)", {"memberOf"});
    REQUIRE(entries.size() == 1);
    const auto& values = entries.front().attributes["memberOf"];
    return std::any_of(values.begin(), values.end(),
                       [&](const std::string& v) { return Poco::icompare(v, groupDn) == 0; });
  };
  const auto addOf = [&](int t) {
    return patchBody(R"({"op":"add","path":"members","value":[{"value":")" +
                     users[static_cast<std::size_t>(t)] + R"("}]})");
  };
  const auto removeOf = [&](int t) {
    return patchBody(R"({"op":"remove","path":"members[value eq \")" +
                     users[static_cast<std::size_t>(t)] + R"(\"]"})");
  };

  for (int round = 0; round < 3; ++round) {
    CHECK(together(addOf) == std::vector<int>(kThreads, 204));
    CHECK(memberDns(group).size() == kThreads + 1);
    for (int i = 0; i < kThreads; ++i) {
      CHECK(memberOfGroup("conc-" + std::to_string(i) + "-" + suffix));
    }
    // The same member added by everyone at once: once in the group, no error.
    CHECK(together([&](int) { return addOf(0); }) == std::vector<int>(kThreads, 204));
    CHECK(memberDns(group).size() == kThreads + 1);
    CHECK(together(removeOf) == std::vector<int>(kThreads, 204));
    CHECK(memberDns(group).size() == 1);
    for (int i = 0; i < kThreads; ++i) {
      CHECK_FALSE(memberOfGroup("conc-" + std::to_string(i) + "-" + suffix));
    }
  }
  // Everyone removing and re-adding the last member: the group never breaks groupOfNames.
  CHECK(gw.request("PATCH", "/scim/v2/Groups/" + group,
                   patchBody(R"({"op":"remove","path":"members[value eq \")" + seed + R"(\"]"})"))
            .status == 204);
  CHECK(memberDns(group).empty());
  CHECK(together([&](int t) { return t % 2 == 0 ? addOf(t) : removeOf(t - 1); }) ==
        std::vector<int>(kThreads, 204));
  auto read = gw.request("GET", "/scim/v2/Groups/" + group);
  REQUIRE(read.status == 200);

  CHECK(gw.request("DELETE", "/scim/v2/Groups/" + group).status == 204);
  for (const auto& id : users) CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + seed).status == 204);
}
