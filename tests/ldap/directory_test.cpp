// The libldap Directory against a real slapd (started by the CTest fixture).
#include "ldap/directory.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "ldap/escape.h"
#include "ldap/group_directory.h"
#include "ldap/stats.h"
#include "scim/filter.h"
#include "scim/schema.h"
#include "scim/user.h"
#include "support/slapd.h"

namespace {

using namespace scimgate;
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

scim::User makeUser(const std::string& userName, const std::string& email) {
  scim::User user;
  user.attributes->set("userName", userName);
  Poco::JSON::Object::Ptr name = new Poco::JSON::Object;
  name->set("givenName", "Ada");
  name->set("familyName", "Lovelace");
  user.attributes->set("name", name);
  Poco::JSON::Array::Ptr emails = new Poco::JSON::Array;
  Poco::JSON::Object::Ptr work = new Poco::JSON::Object;
  work->set("value", email);
  work->set("type", "work");
  work->set("primary", true);
  emails->add(work);
  user.attributes->set("emails", emails);
  user.attributes->set("externalId", "ext-" + userName);
  return user;
}

// Users and groups over one pool, as the gateway has them.
ldap::Directories directories(const ldap::Settings& settings = fixtureSlapd().ldapSettings()) {
  return ldap::makeLdapDirectories(settings);
}

std::unique_ptr<ldap::Directory> directory(
    const ldap::Settings& settings = fixtureSlapd().ldapSettings()) {
  return directories(settings).users;
}

std::string peopleDn() { return "ou=people," + fixtureSlapd().suffix; }

std::string lowered(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Every value of the group entry's member attribute as it is in the directory, the empty
// placeholder included, lower-cased and sorted.
// The member values of an empty group: the zero-length placeholder where the directory needs one.
std::vector<std::string> emptyMembers() {
  if (fixtureProfile().emptyGroupPlaceholder) return {""};
  return {};
}

std::vector<std::string> rawMembers(const std::string& groupId) {
  auto entries = ldapSearch(fixtureSlapd(), fixtureSlapd().suffix, byId(groupId), {"member"});
  REQUIRE(entries.size() == 1);
  std::vector<std::string> values;
  for (const auto& [name, list] : entries.front().attributes) {
    for (const auto& v : list) values.push_back(lowered(v));
  }
  std::sort(values.begin(), values.end());
  return values;
}

// The ETag the directory would give the group now.
std::string currentVersion(const std::string& groupId) {
  auto entries = ldapSearch(fixtureSlapd(), fixtureSlapd().suffix, byId(groupId),
                            fixtureProfile().versionAttributes());
  REQUIRE(entries.size() == 1);
  return "W/\"" + versionOf(entries.front()) + "\"";
}

}  // namespace

TEST_CASE("a created user lands in the directory with the mapped attributes", "[ldap][slapd]") {
  auto dir = directory();
  const std::string name = "ada-" + uniqueSuffix();
  auto created = dir->createUser(makeUser(name, name + "@example.com"), std::nullopt);
  REQUIRE(created.ok());
  CHECK(created->id.size() == 36);
  CHECK(created->meta.version.rfind("W/\"", 0) == 0);
  CHECK_FALSE(created->meta.created.empty());

  auto entries = ldapSearch(fixtureSlapd(), peopleDn(), userNameFilter(name));
  REQUIRE(entries.size() == 1);
  const auto& entry = entries.front();
  CHECK(entry.dn == userDn(name));
  CHECK(idOf(entry) == created->id);
  CHECK(entry.first("givenName") == "Ada");
  CHECK(entry.first("sn") == "Lovelace");
  CHECK(entry.first("mail") == name + "@example.com");
  CHECK(entry.first("scimgateExternalId") == "ext-" + name);
  CHECK(entry.first("scimgateStatus") == "pending");  // invited: no password yet

  auto found = dir->findUser(created->id);
  REQUIRE(found.ok());
  CHECK(found->attributes->getValue<std::string>("userName") == name);
  CHECK(found->attributes->getObject("name")->getValue<std::string>("familyName") == "Lovelace");
  auto email = found->attributes->getArray("emails")->getObject(0);
  CHECK(email->getValue<std::string>("value") == name + "@example.com");
  CHECK(email->getValue<std::string>("type") == "work");
  CHECK(email->getValue<bool>("primary"));
  REQUIRE(dir->deleteUser(created->id).ok());
}

TEST_CASE("a userName full of DN-special characters round-trips exactly", "[ldap][slapd]") {
  auto dir = directory();
  const std::string suffix = uniqueSuffix();
  const std::vector<std::string> names = {
      " lead,ing+\"q\\uo<te>;s=#" + suffix + " ",
      "#hash" + suffix,
      "ünïcødé-" + suffix + "-名前",
      "*)(uid=*" + suffix,
  };
  int n = 0;
  for (std::string name : names) {
    // AD: the part before '@' is also the logon name, where most of these are refused (a test
    // below); after it they are the UPN's and the cn's.
    if (fixtureProfile().accountNames) name = "dn" + std::to_string(n) + "@" + name;
    CAPTURE(name);
    auto created = dir->createUser(
        makeUser(name, "dn" + std::to_string(n++) + suffix + "@example.com"), std::nullopt);
    REQUIRE(created.ok());
    auto found = dir->findUser(created->id);
    REQUIRE(found.ok());
    CHECK(found->attributes->getValue<std::string>("userName") == name);
    auto entries = ldapSearch(fixtureSlapd(), peopleDn(), byId(created->id), {userNameAttribute()});
    REQUIRE(entries.size() == 1);
    CHECK(entries.front().first(userNameAttribute()) == name);
    REQUIRE(dir->deleteUser(created->id).ok());
  }
}

TEST_CASE("a hostile filter value matches nothing instead of everything", "[ldap][slapd]") {
  auto dir = directory();
  const std::string name = "victim-" + uniqueSuffix();
  auto created = dir->createUser(makeUser(name, name + "@example.com"), std::nullopt);
  REQUIRE(created.ok());
  for (const char* text : {R"(userName eq "*)(uid=*")", R"(userName eq "*")",
                           R"(externalId eq "*)(|(objectClass=*")"}) {
    CAPTURE(text);
    auto filter = scim::parseFilter(text);
    REQUIRE(filter.ok());
    ldap::UserQuery query;
    query.filter = filter->get();
    auto page = dir->searchUsers(query);
    REQUIRE(page.ok());
    CHECK(page->totalResults == 0);
  }
  REQUIRE(dir->deleteUser(created->id).ok());
}

TEST_CASE("userName filters ignore case and externalId filters respect it", "[ldap][slapd]") {
  auto dir = directory();
  const std::string name = "Case-" + uniqueSuffix();
  auto created = dir->createUser(makeUser(name, name + "@example.com"), std::nullopt);
  REQUIRE(created.ok());
  auto count = [&](const std::string& text) {
    auto filter = scim::parseFilter(text);
    REQUIRE(filter.ok());
    ldap::UserQuery query;
    query.filter = filter->get();
    auto page = dir->searchUsers(query);
    REQUIRE(page.ok());
    return page->totalResults;
  };
  std::string upper = name;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(count("userName eq \"" + upper + "\"") == 1);
  CHECK(count("externalId eq \"ext-" + name + "\"") == 1);
  CHECK(count("externalId eq \"EXT-" + upper + "\"") == 0);
  CHECK(count("userName eq \"nobody-" + uniqueSuffix() + "\"") == 0);
  REQUIRE(dir->deleteUser(created->id).ok());
}

TEST_CASE("a taken userName or email is a uniqueness error", "[ldap][slapd]") {
  auto dir = directory();
  const std::string name = "dup-" + uniqueSuffix();
  auto first = dir->createUser(makeUser(name, name + "@example.com"), std::nullopt);
  REQUIRE(first.ok());
  SECTION("same userName in another case") {
    std::string upper = name;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto second = dir->createUser(makeUser(upper, "other-" + name + "@example.com"), std::nullopt);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().kind == scim::ErrorKind::Uniqueness);
  }
  SECTION("same email") {
    auto second = dir->createUser(makeUser("other-" + name, name + "@example.com"), std::nullopt);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().kind == scim::ErrorKind::Uniqueness);
  }
  REQUIRE(dir->deleteUser(first->id).ok());
}

TEST_CASE("a password is set through the server and lets the user bind", "[ldap][slapd]") {
  auto dir = directory();
  const std::string name = "pw-" + uniqueSuffix();
  auto created = dir->createUser(makeUser(name, name + "@example.com"), "Corr3ct-Horse!");
  REQUIRE(created.ok());
  auto entries = ldapSearch(fixtureSlapd(), peopleDn(), byId(created->id),
                            {"userPassword", "unicodePwd", "scimgateStatus"});
  REQUIRE(entries.size() == 1);
  if (fixtureProfile().passwordAttribute == "unicodePwd") {
    // AD keeps only hashes, which no read returns; userPassword would be readable text there.
    CHECK(entries.front().first("unicodePwd").empty());
    CHECK(entries.front().first("userPassword").empty());
  } else {
    // The server hashed it (RFC 3062): never the cleartext.
    const std::string stored = entries.front().first("userPassword");
    CHECK(stored.rfind("{", 0) == 0);  // {SSHA} on OpenLDAP, {PBKDF2-SHA512} on 389
    CHECK(stored.find("Corr3ct-Horse!") == std::string::npos);
  }
  CHECK(entries.front().first("scimgateStatus") == "active");
  CHECK_FALSE(created->attributes->has("password"));

  const std::string dn = userDn(name);
  const std::string bind = "ldapsearch -x -H " + fixtureSlapd().url + " -D '" + dn +
                           "' -w 'Corr3ct-Horse!' -b '' -s base > /dev/null 2>&1";
  CHECK(std::system(bind.c_str()) == 0);
  REQUIRE(dir->deleteUser(created->id).ok());
}

TEST_CASE("an inactive user is created locked", "[ldap][slapd]") {
  auto dir = directory();
  const std::string name = "off-" + uniqueSuffix();
  auto user = makeUser(name, name + "@example.com");
  user.attributes->set("active", false);
  auto created = dir->createUser(user, std::nullopt);
  REQUIRE(created.ok());
  CHECK_FALSE(created->attributes->getValue<bool>("active"));
  auto entries = ldapSearch(fixtureSlapd(), peopleDn(), byId(created->id),
                            {lockAttribute(), "scimgateStatus"});
  REQUIRE(entries.size() == 1);
  CHECK(isLocked(entries.front()));
  CHECK(entries.front().first("scimgateStatus") == "inactive");
  REQUIRE(dir->deleteUser(created->id).ok());
}

TEST_CASE("unknown ids are not found, and a deleted user is gone", "[ldap][slapd]") {
  auto dir = directory();
  CHECK(dir->findUser("not-a-uuid").error().kind == scim::ErrorKind::NotFound);
  CHECK(dir->findUser("00000000-0000-0000-0000-000000000000").error().kind ==
        scim::ErrorKind::NotFound);
  CHECK(dir->deleteUser("00000000-0000-0000-0000-000000000000").error().kind ==
        scim::ErrorKind::NotFound);
  const std::string name = "gone-" + uniqueSuffix();
  auto created = dir->createUser(makeUser(name, name + "@example.com"), std::nullopt);
  REQUIRE(created.ok());
  REQUIRE(dir->deleteUser(created->id).ok());
  CHECK(dir->findUser(created->id).error().kind == scim::ErrorKind::NotFound);
  CHECK(ldapSearch(fixtureSlapd(), peopleDn(), userNameFilter(name)).empty());
}

TEST_CASE("a filter on an unmapped attribute is refused, never unfiltered", "[ldap][slapd]") {
  auto dir = directory();
  auto filter = scim::parseFilter(R"(password eq "secret")");
  REQUIRE(filter.ok());
  ldap::UserQuery query;
  query.filter = filter->get();
  auto page = dir->searchUsers(query);
  REQUIRE_FALSE(page.ok());
  CHECK(page.error().kind == scim::ErrorKind::InvalidFilter);
}

TEST_CASE("replacing a user works from the caller's read and answers as a read would",
          "[ldap][slapd]") {
  // slapd's stats log (a private slapd) lists every search; the reads of the user's entry are
  // those by its entryUUID or with its DN as the base. Given the caller's read (findUser on this
  // thread), a replace reads the entry no more; without it, once.
  ::setenv("SLAPD_ENV_DEBUG", "stats", 1);
  const testing::PrivateSlapd slapd("reads");
  ::unsetenv("SLAPD_ENV_DEBUG");
  const testing::SlapdEnv& env = slapd.env();
  auto [users, groups] = directories(env.ldapSettings());
  auto created = users->createUser(makeUser("reader", "reader@example.com"), std::nullopt);
  REQUIRE(created.ok());
  const std::string id = created->id;
  scim::GroupInput queue;
  queue.displayName = "Reader queue";
  queue.kind = scim::GroupKind::Queue;
  queue.members = std::vector<scim::GroupMember>{{id, "", "User"}};
  REQUIRE(groups->createGroup(queue).ok());
  const std::string log = env.dir + "/slapd.log";
  auto readsOfUser = [&](std::size_t from) {
    std::ifstream in(log);
    in.seekg(static_cast<std::streamoff>(from));
    const std::string dn = lowered("uid=reader");  // renamed or not
    std::vector<std::string> reads;
    for (std::string line; std::getline(in, line);) {
      const std::string text = lowered(line);
      if (text.find(" srch base=") == std::string::npos) continue;
      if (text.find("base=\"" + dn) != std::string::npos ||
          text.find("entryuuid=" + lowered(id)) != std::string::npos) {
        reads.push_back(line);
      }
    }
    return reads;
  };

  auto current = users->findUser(id);
  REQUIRE(current.ok());
  scim::User changed;
  changed.attributes = scim::userToJson(*current, "");
  for (const char* drop : {"id", "meta", "schemas", "groups"}) changed.attributes->remove(drop);
  std::function<void(const scim::User&)> expect = [](const scim::User&) {};
  const scim::User* given = &*current;
  std::size_t expectedReads = 0;
  SECTION("data, roles and status (leaving the queue)") {
    changed.attributes->set("displayName", "After");
    changed.attributes->set("active", false);
    Poco::JSON::Array::Ptr roles = new Poco::JSON::Array;
    Poco::JSON::Object::Ptr manager = new Poco::JSON::Object;
    manager->set("value", "Manager");
    roles->add(manager);
    changed.attributes->set("roles", roles);
    expect = [](const scim::User& user) {
      CHECK(user.attributes->getValue<std::string>("displayName") == "After");
      CHECK_FALSE(user.attributes->getValue<bool>("active"));
      REQUIRE(user.attributes->getArray("roles")->size() == 1);
      CHECK(user.attributes->getArray("roles")->getObject(0)->getValue<std::string>("value") ==
            "Manager");
    };
  }
  SECTION("the userName alone (a rename)") {
    changed.attributes->set("userName", "reader-renamed");
    expect = [](const scim::User& user) {
      CHECK(user.attributes->getValue<std::string>("userName") == "reader-renamed");
    };
  }
  SECTION("nothing") {
    expect = [&](const scim::User& user) { CHECK(user.meta.version == current->meta.version); };
  }
  SECTION("data, without the caller's read") {
    changed.attributes->set("displayName", "Alone");
    given = nullptr;
    expectedReads = 1;
  }
  SECTION("data, with a read this thread no longer keeps") {
    changed.attributes->set("displayName", "Forgotten");
    // A first replace (which writes nothing) works from that read, which is then forgotten.
    REQUIRE(users->replaceUser(id, *current, std::nullopt, "", &*current).ok());
    expectedReads = 1;
  }
  const auto before = std::filesystem::file_size(log);
  auto replaced = users->replaceUser(id, changed, std::nullopt, current->meta.version, given);
  REQUIRE(replaced.ok());
  const auto reads = readsOfUser(before);
  CAPTURE(reads);
  CHECK(reads.size() == expectedReads);
  expect(*replaced);

  // What a read gives now: data, memberships and version.
  auto now = users->findUser(id);
  REQUIRE(now.ok());
  auto shown = [](const scim::User& user) {
    std::ostringstream out;
    scim::userToJson(user, "")->stringify(out);
    return out.str();
  };
  CHECK(shown(*replaced) == shown(*now));
}

TEST_CASE("the pool reconnects by itself after the directory restarts", "[ldap][slapd]") {
  const testing::PrivateSlapd slapd("restart");
  const testing::SlapdEnv& env = slapd.env();
  {
    auto dir = directory(env.ldapSettings());
    REQUIRE(dir->ping().ok());
    auto created = dir->createUser(makeUser("before", "before@example.com"), std::nullopt);
    REQUIRE(created.ok());

    testing::stopSlapd(env);
    auto down = dir->findUser(created->id);
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().kind == scim::ErrorKind::Unavailable);
    CHECK(dir->ping().error().kind == scim::ErrorKind::Unavailable);

    testing::restartSlapd(env);
    // Every pooled connection died with the server; the next calls just work.
    auto again = dir->findUser(created->id);
    REQUIRE(again.ok());
    CHECK(again->attributes->getValue<std::string>("userName") == "before");
    auto after = dir->createUser(makeUser("after", "after@example.com"), std::nullopt);
    CHECK(after.ok());
  }
}

TEST_CASE("a directory that is not there is unavailable, with failover to the next URI",
          "[ldap][slapd]") {
  auto settings = fixtureSlapd().ldapSettings();
  settings.uris = {"ldap://127.0.0.1:1", fixtureSlapd().url};
  auto failover = directory(settings);
  CHECK(failover->ping().ok());

  settings.uris = {"ldap://127.0.0.1:1"};
  auto nowhere = directory(settings);
  auto ping = nowhere->ping();
  REQUIRE_FALSE(ping.ok());
  CHECK(ping.error().kind == scim::ErrorKind::Unavailable);
  // Neither the bind DN nor the password appears in what a caller could see.
  CHECK(ping.error().detail.find(settings.bindPassword) == std::string::npos);
  CHECK(ping.error().detail.find(settings.bindDn) == std::string::npos);

  settings.uris = {fixtureSlapd().url};
  settings.bindPassword = "wrong";
  auto badCredentials = directory(settings);
  CHECK(badCredentials->ping().error().kind == scim::ErrorKind::Unavailable);
}

TEST_CASE(
    "ten thousand users paged 100 at a time are each read once, in order, sorted by the server",
    "[ldap][slapd][paging]") {
  const testing::PrivateSlapd slapd("paging");
  const testing::SlapdEnv& env = slapd.env();

  // Bulk load with ldapadd (as the directory manager) in a shuffled order.
  constexpr int kUsers = 10000;
  std::vector<int> order(kUsers);
  for (int i = 0; i < kUsers; ++i) order[static_cast<std::size_t>(i)] = i;
  std::mt19937 rng(42);
  std::shuffle(order.begin(), order.end(), rng);
  const auto ldif = std::filesystem::path(env.dir) / "bulk.ldif";
  {
    std::ofstream out(ldif);
    for (int i : order) {
      char name[32];
      std::snprintf(name, sizeof name, "bulk-%05d", i);
      out << "dn: uid=" << name << ",ou=people," << env.suffix << "\n"
          << "objectClass: inetOrgPerson\nobjectClass: scimgateUser\n"
          << "uid: " << name << "\ncn: " << name << "\nsn: Bulk\n"
          << "mail: " << name << "@example.com\nscimgateStatus: active\n\n";
    }
  }
  const std::string add = "ldapadd -x -H " + env.url + " -D '" + env.rootDn + "' -w '" +
                          env.rootPassword + "' -f '" + ldif.string() + "' > /dev/null";
  REQUIRE(std::system(add.c_str()) == 0);

  // Cap what the gateway's account may read in one search far below the 10,000: only a
  // directory that sorts and pages itself can serve the pages now.
  testing::reconfigureSlapd(env, "size=unlimited", "size=100");
  const std::string unpaged = "ldapsearch -x -LLL -H " + env.url + " -D '" + env.bindDn + "' -w '" +
                              env.bindPassword + "' -b 'ou=people," + env.suffix +
                              "' '(uid=bulk-*)' uid > /dev/null 2>&1";
  CHECK(std::system(unpaged.c_str()) != 0);  // sizelimit exceeded without paging controls

  auto dir = directory(env.ldapSettings());
  auto filter = scim::parseFilter(R"(userName sw "bulk-")");
  REQUIRE(filter.ok());
  std::vector<std::string> seen;
  for (std::size_t start = 1; start <= kUsers; start += 100) {
    ldap::UserQuery query;
    query.filter = filter->get();
    query.startIndex = start;
    query.count = 100;
    query.sortBy = scim::AttrPath{"", "userName", ""};
    auto page = dir->searchUsers(query);
    REQUIRE(page.ok());
    REQUIRE(page->totalResults == kUsers);
    REQUIRE(page->users.size() == 100);
    for (const auto& user : page->users) {
      seen.push_back(user.attributes->getValue<std::string>("userName"));
    }
  }
  REQUIRE(seen.size() == kUsers);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());  // each exactly once

  ldap::UserQuery descending;
  descending.filter = filter->get();
  descending.count = 3;
  descending.sortBy = scim::AttrPath{"", "userName", ""};
  descending.descending = true;
  auto last = dir->searchUsers(descending);
  REQUIRE(last.ok());
  REQUIRE(last->users.size() == 3);
  CHECK(last->users.front().attributes->getValue<std::string>("userName") == "bulk-09999");
}

TEST_CASE("many concurrent paged searches never run out of the server's sort contexts",
          "[ldap][slapd][paging]") {
  // slapd's sssvlv keeps every VLV sort context until its connection closes and answers busy past
  // sssvlv-maxperconn (16 here) per connection and sssvlv-max (32 here) in all; the pool must
  // retire connections before either, with no failures, also when it is large.
  auto settings = fixtureSlapd().ldapSettings();
  settings.poolSize = GENERATE(4, 16);
  // What is tested is the sort contexts, not speed: 389 without a VLV index sorts every user for
  // each page, and on a loaded machine a thread may wait longer than the default for a connection.
  settings.acquireTimeoutMs = 30000;
  settings.operationTimeoutMs = 30000;
  auto dir = directory(settings);
  std::atomic<int> failed{0};
  std::mutex mutex;
  std::string firstError;
  std::vector<std::thread> threads;
  for (int t = 0; t < settings.poolSize + 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 60; ++i) {
        ldap::UserQuery query;
        query.count = 2;
        auto page = dir->searchUsers(query);
        if (page.ok()) continue;
        ++failed;
        const std::lock_guard lock(mutex);
        if (firstError.empty()) firstError = page.error().detail;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  INFO(firstError);
  CHECK(failed == 0);
}

TEST_CASE("user and group list pages share the directory's sort contexts through one pool",
          "[ldap][groups][slapd][paging]") {
  // Every user or group list page opens a server-side sort context, which slapd keeps until the
  // connection closes; past sssvlv-max it answers busy. Users and groups share one pool, so
  // ldap.sortContexts bounds their contexts together: with sssvlv-max 4, many threads and far more
  // pages than that, interleaved, nothing fails (with a pool each, they could hold 8).
  const testing::PrivateSlapd slapd("sortcontexts");
  const testing::SlapdEnv& env = slapd.env();
  testing::reconfigureSlapd(env, "sssvlv-max              32", "sssvlv-max              4");
  auto settings = env.ldapSettings();
  settings.poolSize = 2;
  settings.sortContexts = 4;
  ldap::Directories dirs = directories(settings);
  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        std::optional<scim::Error> error;
        if ((i + t) % 2 == 0) {
          ldap::UserQuery query;
          query.count = 2;
          if (auto page = dirs.users->searchUsers(query); !page) error = page.error();
        } else {
          ldap::GroupQuery query;
          query.count = 2;
          query.withMembers = false;
          if (auto page = dirs.groups->searchGroups(query); !page) error = page.error();
        }
        if (error) {
          std::lock_guard lock(mutex);
          errors.push_back(error->detail);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CAPTURE(errors.empty() ? "" : errors.front());
  CHECK(errors.size() == 0);
}

TEST_CASE("users joining and leaving a group while the group changes its members, all at once",
          "[ldap][groups][concurrency][slapd]") {
  // A user's joins and leaves and a group's own member changes go through one writer, which
  // merges the changes that reach a group while it is being written; the outcome is that of one
  // after the other. The group starts empty (the placeholder) and ends empty again.
  auto [users, groups] = directories();
  const std::string suffix = uniqueSuffix();
  scim::GroupInput input;
  input.displayName = "together-" + suffix;
  input.kind = scim::GroupKind::Account;
  input.members = std::vector<scim::GroupMember>{};
  auto account = groups->createGroup(input);
  REQUIRE(account.ok());
  const std::string ext(scim::kScimgateUserSchema);
  auto withAccounts = [&](scim::User user, const std::vector<std::string>& ids) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& id : ids) {
      Poco::JSON::Object::Ptr value = new Poco::JSON::Object;
      value->set("value", id);
      list->add(value);
    }
    Poco::JSON::Object::Ptr extension = new Poco::JSON::Object;
    extension->set("accounts", list);
    user.attributes->set(ext, extension);
    return user;
  };
  constexpr std::size_t kEach = 6;
  std::vector<std::string> added;  // added by the group
  for (std::size_t i = 0; i < kEach; ++i) {
    const std::string name = "tg-" + std::to_string(i) + "-" + suffix;
    auto user = users->createUser(makeUser(name, name + "@example.com"), std::nullopt);
    REQUIRE(user.ok());
    added.push_back(user->id);
  }
  std::vector<std::string> joined(kEach);  // joined by their own create
  std::vector<std::string> errors;
  std::mutex mutex;
  auto together = [&](const std::function<scim::Result<void>(std::size_t)>& step) {
    std::atomic<std::size_t> ready{0};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 2 * kEach; ++t) {
      threads.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < 2 * kEach) std::this_thread::yield();
        if (auto done = step(t); !done) {
          std::lock_guard lock(mutex);
          errors.push_back(done.error().detail);
        }
      });
    }
    for (auto& thread : threads) thread.join();
  };

  together([&](std::size_t t) -> scim::Result<void> {
    if (t >= kEach) {
      auto changed = groups->changeMembers(account->id, {added[t - kEach]}, {}, "");
      if (!changed) return changed.error();
      return {};
    }
    const std::string name = "tu-" + std::to_string(t) + "-" + suffix;
    auto user = users->createUser(
        withAccounts(makeUser(name, name + "@example.com"), {account->id}), std::nullopt);
    if (!user) return user.error();
    joined[t] = user->id;
    return {};
  });
  CAPTURE(errors);
  REQUIRE(errors.empty());
  std::vector<std::string> expected;
  for (std::size_t i = 0; i < kEach; ++i) {
    expected.push_back(lowered(userDn("tg-" + std::to_string(i) + "-" + suffix)));
    expected.push_back(lowered(userDn("tu-" + std::to_string(i) + "-" + suffix)));
  }
  std::sort(expected.begin(), expected.end());
  CHECK(rawMembers(account->id) == expected);  // every one, and the placeholder gone
  auto read = groups->findGroup(account->id, true);
  REQUIRE(read.ok());
  CHECK(read->members->size() == 2 * kEach);  // memberOf in step

  together([&](std::size_t t) -> scim::Result<void> {
    if (t >= kEach) {
      auto changed = groups->changeMembers(account->id, {}, {added[t - kEach]}, "");
      if (!changed) return changed.error();
      return {};
    }
    auto user = users->findUser(joined[t]);
    if (!user) return user.error();
    auto replaced = users->replaceUser(joined[t], withAccounts(*user, {}), std::nullopt, "");
    if (!replaced) return replaced.error();
    return {};
  });
  REQUIRE(errors.empty());
  CHECK(rawMembers(account->id) == emptyMembers());
  read = groups->findGroup(account->id, true);
  REQUIRE(read.ok());
  CHECK(read->members->empty());

  REQUIRE(groups->deleteGroup(account->id, "").ok());
  for (const auto& ids : {added, joined}) {
    for (const auto& id : ids) CHECK(users->deleteUser(id).ok());
  }
}

TEST_CASE("a group's empty placeholder goes with its first member and comes back with the last",
          "[ldap][groups][slapd]") {
  auto [users, groups] = directories();
  const std::string suffix = uniqueSuffix();
  std::vector<std::string> ids, dns;
  for (const char* who : {"ph-a-", "ph-b-", "ph-c-"}) {
    const std::string name = who + suffix;
    auto user = users->createUser(makeUser(name, name + "@example.com"), std::nullopt);
    REQUIRE(user.ok());
    ids.push_back(user->id);
    dns.push_back(lowered(userDn(name)));
  }
  scim::GroupInput input;
  input.displayName = "placeholder-" + suffix;
  input.members = std::vector<scim::GroupMember>{};
  auto group = groups->createGroup(input);
  REQUIRE(group.ok());
  const std::string id = group->id;
  using Values = std::vector<std::string>;
  CHECK(rawMembers(id) == emptyMembers());
  std::map<std::string, std::string> known;  // member DN -> id, lower case
  for (std::size_t i = 0; i < ids.size(); ++i) known[dns[i]] = lowered(ids[i]);

  // Each change answers with the group as the directory now has it (its ETag included).
  auto change = [&](const Values& add, const Values& remove, const std::string& ifMatch = "") {
    auto changed = groups->changeMembers(id, add, remove, ifMatch);
    REQUIRE(changed.ok());
    CHECK(changed->id == id);
    CHECK(changed->displayName == input.displayName);
    CHECK(changed->meta.version == currentVersion(id));
    // The members as read (through memberOf) are the member values, the placeholder left out,
    // also under If-Match (an Assertion control on the modify would make slapd's memberof overlay
    // skip the members' memberOf updates).
    auto read = groups->findGroup(id, true);
    REQUIRE(read.ok());
    Values seen, stored;
    for (const auto& m : *read->members) seen.push_back(lowered(m.value));
    for (const auto& dn : rawMembers(id)) {
      if (!dn.empty()) stored.push_back(known.at(dn));
    }
    std::sort(seen.begin(), seen.end());
    std::sort(stored.begin(), stored.end());
    CHECK(seen == stored);
  };

  change({ids[0]}, {});
  CHECK(rawMembers(id) == Values{dns[0]});
  change({}, {ids[0]});
  CHECK(rawMembers(id) == emptyMembers());
  change({ids[0]}, {});  // the last member left and one comes back: the placeholder goes again
  CHECK(rawMembers(id) == Values{dns[0]});

  SECTION("several at once, with members already there and non-members") {
    change({ids[0], ids[1]}, {});
    CHECK(rawMembers(id) == (Values{dns[0], dns[1]}));
    change({ids[1], ids[2]}, {});
    CHECK(rawMembers(id) == (Values{dns[0], dns[1], dns[2]}));
    change({}, {ids[0], "00000000-0000-0000-0000-000000000000", "not-a-uuid"});
    CHECK(rawMembers(id) == (Values{dns[1], dns[2]}));
    change({}, {ids[0], ids[1], ids[2]});  // empties the group: the placeholder comes back
    CHECK(rawMembers(id) == emptyMembers());
    change({ids[2]}, {ids[2]});  // added, then removed again, in one request
    CHECK(rawMembers(id) == emptyMembers());
    change({ids[2]}, {});
    CHECK(rawMembers(id) == Values{dns[2]});
  }

  SECTION("under If-Match, the change is checked against the version read, and memberOf follows") {
    change({ids[0], ids[1], ids[2]}, {}, currentVersion(id));  // one there, two new: one by one
    CHECK(rawMembers(id) == (Values{dns[0], dns[1], dns[2]}));
    change({}, {ids[0], "00000000-0000-0000-0000-000000000000"}, currentVersion(id));
    CHECK(rawMembers(id) == (Values{dns[1], dns[2]}));
    change({ids[0]}, {ids[1], ids[2]}, currentVersion(id));
    CHECK(rawMembers(id) == Values{dns[0]});
  }

  SECTION("a placeholder put back by the directory (refint) is dropped by the next add") {
    REQUIRE(users->deleteUser(ids[0]).ok());
    CHECK(rawMembers(id) == emptyMembers());
    change({ids[1]}, {});
    CHECK(rawMembers(id) == Values{dns[1]});
    auto read = groups->findGroup(id, true);
    REQUIRE(read.ok());
    REQUIRE(read->members->size() == 1);
    CHECK(read->members->front().value == ids[1]);
    CHECK(read->members->front().type == "User");
  }

  SECTION("an empty group as a member: its placeholder is not the target's") {
    scim::GroupInput inner;
    inner.displayName = "placeholder-inner-" + suffix;
    inner.members = std::vector<scim::GroupMember>{};
    auto nested = groups->createGroup(inner);
    REQUIRE(nested.ok());
    known[lowered("cn=" + inner.displayName + ",ou=groups," + fixtureSlapd().suffix)] =
        lowered(nested->id);
    change({nested->id}, {});
    auto read = groups->findGroup(id, true);
    REQUIRE(read.ok());
    CHECK(read->members->size() == 2);
    CHECK(rawMembers(nested->id) == emptyMembers());
    change({}, {nested->id});
    CHECK(rawMembers(id) == Values{dns[0]});
    REQUIRE(groups->deleteGroup(nested->id, "").ok());
  }

  SECTION("a stale If-Match changes nothing") {
    const std::string stale = currentVersion(id);
    change({ids[1]}, {});
    auto refused = groups->changeMembers(id, {ids[2]}, {}, stale);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == scim::ErrorKind::PreconditionFailed);
    refused = groups->changeMembers(id, {}, {ids[1]}, stale);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == scim::ErrorKind::PreconditionFailed);
    CHECK(rawMembers(id) == (Values{dns[0], dns[1]}));
  }

  SECTION("unknown groups are not found before members are checked; unknown members are invalid") {
    const std::string nobody = "00000000-0000-0000-0000-000000000000";
    CHECK(groups->changeMembers("not-a-uuid", {ids[1]}, {}, "").error().kind ==
          scim::ErrorKind::NotFound);
    CHECK(groups->changeMembers(nobody, {"not-a-uuid"}, {}, "").error().kind ==
          scim::ErrorKind::NotFound);
    CHECK(groups->changeMembers(ids[1], {ids[2]}, {}, "").error().kind ==
          scim::ErrorKind::NotFound);  // a user's id is not a group's
    auto invalid = groups->changeMembers(id, {ids[1], "not-a-uuid"}, {}, "");
    CHECK(invalid.error().kind == scim::ErrorKind::InvalidValue);
    CHECK(invalid.error().detail == "member 'not-a-uuid' is not the id of a user or group");
    invalid = groups->changeMembers(id, {ids[1], nobody}, {}, "");
    CHECK(invalid.error().kind == scim::ErrorKind::InvalidValue);
    CHECK(invalid.error().detail == "no user or group has the id '" + nobody + "'");
    CHECK(rawMembers(id) == Values{dns[0]});
    const std::string before = currentVersion(id);
    change({}, {nobody});  // nothing to do: no write
    CHECK(currentVersion(id) == before);
  }

  REQUIRE(groups->deleteGroup(id, "").ok());
  for (const auto& user : ids) (void)users->deleteUser(user);
}

// Registered for the AD run only (tests/CMakeLists.txt): no other directory has sAMAccountName.
TEST_CASE("on Active Directory each user gets a logon name from userName, unique and valid",
          "[ldap][slapd][activedirectory]") {
  REQUIRE(fixtureProfile().accountNames);
  auto dir = directory();
  const std::string suffix = uniqueSuffix();
  auto accountOf = [&](const std::string& id) {
    auto entries = ldapSearch(fixtureSlapd(), peopleDn(), byId(id), {"sAMAccountName"});
    REQUIRE(entries.size() == 1);
    return entries.front().first("sAMAccountName");
  };
  // Alike in their first 20 characters: the second gets the fallback, the same each time.
  const std::string first = "logon-" + suffix + "-abc1@example.com";
  const std::string second = "logon-" + suffix + "-abc2@example.com";
  auto a = dir->createUser(makeUser(first, "a-" + suffix + "@example.com"), std::nullopt);
  REQUIRE(a.ok());
  auto b = dir->createUser(makeUser(second, "b-" + suffix + "@example.com"), std::nullopt);
  REQUIRE(b.ok());
  CHECK(accountOf(a->id) == "logon-" + suffix + "-abc");
  CHECK(accountOf(b->id) == ldap::accountNameFallback(second, "logon-" + suffix + "-abc"));
  // A logon name AD refuses is refused before anything is written, in words.
  auto refused = dir->createUser(
      makeUser("a+b-" + suffix + "@example.com", "c-" + suffix + "@example.com"), std::nullopt);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == scim::ErrorKind::InvalidValue);
  CHECK(refused.error().detail.find("sAMAccountName") != std::string::npos);
  CHECK(ldapSearch(fixtureSlapd(), peopleDn(), userNameFilter("a+b-" + suffix + "@example.com"))
            .empty());
  REQUIRE(dir->deleteUser(a->id).ok());
  REQUIRE(dir->deleteUser(b->id).ok());
}

// Registered for the AD run only (tests/CMakeLists.txt): its fixture is the one offering LDAPS.
TEST_CASE("over LDAPS the directory's certificate must chain to the configured CA",
          "[ldap][slapd][activedirectory]") {
  const testing::SlapdEnv& env = fixtureSlapd();
  REQUIRE_FALSE(env.ldapsUrl.empty());
  ldap::Settings settings = env.ldapSettings();
  settings.uris = {env.ldapsUrl};
  settings.tlsCaFile = env.tlsCaFile;
  CHECK(directory(settings)->ping().ok());
  // The system's CAs did not sign the test DC's certificate: no connection, and no bind sent.
  settings.tlsCaFile = "/etc/ssl/certs/ca-certificates.crt";
  auto refused = directory(settings)->ping();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == scim::ErrorKind::Unavailable);
}

TEST_CASE(
    "reading a user costs one search once its groups' names are kept, and the kept names follow "
    "the gateway's renames and deletes",
    "[ldap][slapd]") {
  auto [users, groups] = directories();
  const std::string userName = "kept-names-" + uniqueSuffix();
  auto created = users->createUser(makeUser(userName, userName + "@example.com"), std::nullopt);
  REQUIRE(created.ok());
  const std::string id = created->id;
  scim::GroupInput input;
  input.displayName = "Kept names " + uniqueSuffix();
  input.members = std::vector<scim::GroupMember>{{id, "", "User"}};
  auto group = groups->createGroup(input);
  REQUIRE(group.ok());
  const ldap::Stats& stats = *users->stats();
  const auto searches = [&] {
    return stats.succeeded[static_cast<std::size_t>(ldap::OpKind::Search)].load() +
           stats.failed[static_cast<std::size_t>(ldap::OpKind::Search)].load();
  };
  auto groupsOf = [&] {
    auto user = users->findUser(id);
    REQUIRE(user.ok());
    std::vector<std::string> shown;
    if (user->attributes->has("groups")) {
      auto list = user->attributes->getArray("groups");
      for (std::size_t i = 0; i < list->size(); ++i) {
        auto value = list->getObject(static_cast<unsigned>(i));
        shown.push_back(value->getValue<std::string>("value") + " " +
                        value->getValue<std::string>("display"));
      }
    }
    return shown;
  };

  const auto first = groupsOf();  // may read the group's name
  REQUIRE(first == std::vector<std::string>{group->id + " " + input.displayName});
  const auto before = searches();
  CHECK(groupsOf() == first);
  CHECK(searches() - before == 1);  // the user's entry only

  // Renamed through the gateway: the new name at once.
  scim::GroupInput renamed = input;
  renamed.displayName = input.displayName + " renamed";
  REQUIRE(groups->replaceGroup(group->id, renamed, "").ok());
  CHECK(groupsOf() == std::vector<std::string>{group->id + " " + renamed.displayName});

  // Deleted and made again under the same name (so the same DN), with the user: the new id.
  REQUIRE(groups->deleteGroup(group->id, "").ok());
  CHECK(groupsOf().empty());
  auto again = groups->createGroup(renamed);
  REQUIRE(again.ok());
  REQUIRE(again->id != group->id);
  CHECK(groupsOf() == std::vector<std::string>{again->id + " " + renamed.displayName});

  SECTION("with groupCacheSeconds 0 every read names the groups afresh") {
    auto settings = fixtureSlapd().ldapSettings();
    settings.groupCacheSeconds = 0;
    auto [fresh, freshGroups] = directories(settings);
    const ldap::Stats& freshStats = *fresh->stats();
    REQUIRE(fresh->findUser(id).ok());
    const auto searched =
        freshStats.succeeded[static_cast<std::size_t>(ldap::OpKind::Search)].load();
    REQUIRE(fresh->findUser(id).ok());
    CHECK(freshStats.succeeded[static_cast<std::size_t>(ldap::OpKind::Search)].load() - searched ==
          2);
  }
  REQUIRE(groups->deleteGroup(again->id, "").ok());
  REQUIRE(users->deleteUser(id, "").ok());
}

TEST_CASE("users created into the default role send no modify that fails", "[ldap][slapd]") {
  // The default role holds members already (or gets its first one here): once the writer has
  // seen it without the empty-group placeholder, a join does not try to drop one again.
  auto [users, groups] = directories();
  const ldap::Stats& stats = *users->stats();
  const auto failedModifies = [&] {
    return stats.failed[static_cast<std::size_t>(ldap::OpKind::Modify)].load();
  };
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const std::string userName = "joiner-" + std::to_string(i) + "-" + uniqueSuffix();
    auto created = users->createUser(makeUser(userName, userName + "@example.com"), std::nullopt);
    REQUIRE(created.ok());
    ids.push_back(created->id);
    if (i == 0) {
      // The first join may find out that the role has no placeholder; the others know.
      CHECK(failedModifies() <= 1);
    }
  }
  const auto afterFirst = failedModifies();
  for (int i = 3; i < 6; ++i) {
    const std::string userName = "joiner-" + std::to_string(i) + "-" + uniqueSuffix();
    auto created = users->createUser(makeUser(userName, userName + "@example.com"), std::nullopt);
    REQUIRE(created.ok());
    ids.push_back(created->id);
  }
  CHECK(failedModifies() == afterFirst);
  for (const auto& id : ids) {
    auto user = users->findUser(id);
    REQUIRE(user.ok());
    REQUIRE(user->attributes->has("roles"));
    CHECK(user->attributes->getArray("roles")->getObject(0)->getValue<std::string>("value") ==
          "Viewer");
    REQUIRE(users->deleteUser(id, "").ok());
  }
}

TEST_CASE(
    "a userName, id or externalId eq filter is one plain search without a server-side sort "
    "context, and pages like any list",
    "[ldap][slapd]") {
  // With one pooled connection and one sort context, every sorted (VLV) page retires the
  // connection, so the next request binds a fresh one: binds count the sort contexts used.
  auto settings = fixtureSlapd().ldapSettings();
  settings.poolSize = 1;
  settings.sortContexts = 1;
  auto dir = directory(settings);
  const std::string name = "Unique-" + uniqueSuffix();
  auto created = dir->createUser(makeUser(name, name + "@example.com"), std::nullopt);
  REQUIRE(created.ok());
  const ldap::Stats& stats = *dir->stats();
  const auto binds = [&] {
    return stats.succeeded[static_cast<std::size_t>(ldap::OpKind::Bind)].load();
  };
  auto list = [&](const std::string& text, std::size_t startIndex = 1, std::size_t count = 100) {
    auto filter = scim::parseFilter(text);
    REQUIRE(filter.ok());
    ldap::UserQuery query;
    query.filter = filter->get();
    query.startIndex = startIndex;
    query.count = count;
    auto page = dir->searchUsers(query);
    REQUIRE(page.ok());
    return *page;
  };
  REQUIRE(list("userName eq \"" + name + "\"").totalResults == 1);  // a connection is bound
  const auto before = binds();
  for (const std::string& text : {"userName eq \"" + name + "\"", "id eq \"" + created->id + "\"",
                                  "externalId eq \"ext-" + name + "\""}) {
    CAPTURE(text);
    const auto page = list(text);
    CHECK(page.totalResults == 1);
    REQUIRE(page.users.size() == 1);
    CHECK(page.users[0].id == created->id);
    CHECK(list(text, 2).users.empty());
    CHECK(list(text, 2).totalResults == 1);
    CHECK(list(text, 1, 0).users.empty());
  }
  CHECK(list("userName eq \"nobody-" + uniqueSuffix() + "\"").totalResults == 0);
  CHECK(binds() == before);
  // A sorted list still uses the directory's sort (the connection is retired after it).
  REQUIRE(list("userName sw \"" + name + "\"").totalResults == 1);
  REQUIRE(list("userName sw \"" + name + "\"").totalResults == 1);
  CHECK(binds() > before);
  REQUIRE(dir->deleteUser(created->id).ok());
}
