// Several gateways in front of one directory and one PostgreSQL state store (issue #19): two
// scimgate processes, each the real binary with its own config file, the CTest fixtures' slapd
// and PostgreSQL, and a real SMTP sink. What one instance does, the other sees: users, one-time
// codes, password-guessing counts, sessions and their end, list cursors, the mail outbox; two
// replicating OpenLDAP providers and two 389-DS suppliers, the first killed while both gateways
// write; failback to the first provider; reads from a lagging replica with read-your-writes.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "ldap/directory.h"
#include "support/api.h"
#include "support/child_gateway.h"
#include "support/mail_gateway.h"
#include "support/slapd.h"
#include "support/smtp.h"

namespace scimgate::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kSessionKeyHex[] =
    "5c1a9e0f3b7d2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a1c3b5d7f9e0a";
constexpr char kMfaKeyHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
/// A second provisioning client ("other"), next to kToken's ("test").
constexpr char kOtherToken[] = "other-client-token-9876543210";

/// The config both instances share: `directory` (its bind account, reached at `uris`, in that
/// order; reads of GET requests from `readUris` when set), the PostgreSQL database `postgres` as
/// state store, one session key, mail to `smtpPort`; four password failures per user lock it;
/// two provisioning clients, "test" (kToken) and "other" (kOtherToken).
std::string sharedConfig(int smtpPort, const SlapdEnv& directory,
                         const std::vector<std::string>& uris, const std::string& postgres,
                         const std::vector<std::string>& readUris = {}) {
  Poco::JSON::Object root;
  Poco::JSON::Object server;
  server.set("listen", "127.0.0.1");
  server.set("port", 0);
  server.set("publicUrl", std::string(kTestPublicUrl));
  root.set("server", server);
  Poco::JSON::Object token;
  token.set("name", "test");
  token.set("sha256", config::sha256Hex(kToken));
  Poco::JSON::Object other;
  other.set("name", "other");
  other.set("sha256", config::sha256Hex(kOtherToken));
  Poco::JSON::Array tokens;
  tokens.add(token);
  tokens.add(other);
  root.set("tokens", tokens);
  Poco::JSON::Object ldap;
  Poco::JSON::Array uriList;
  for (const auto& uri : uris) uriList.add(uri);
  ldap.set("uris", uriList);
  if (!readUris.empty()) {
    Poco::JSON::Array readList;
    for (const auto& uri : readUris) readList.add(uri);
    ldap.set("readUris", readList);
    ldap.set("replicaCheckMs", 100);
    ldap.set("replicaMaxLagMs", 15000);
  }
  ldap.set("bindDn", directory.bindDn);
  ldap.set("bindPassword", directory.bindPassword);
  ldap.set("baseDn", directory.suffix);
  ldap.set("profile", directory.profile);
  root.set("ldap", ldap);
  Poco::JSON::Object throttle;
  throttle.set("maxFailuresPerUser", 4);
  throttle.set("maxFailuresPerAddress", 0);
  throttle.set("lockoutSeconds", 60);
  Poco::JSON::Object auth;
  auth.set("sessionKey", std::string(kSessionKeyHex));
  auth.set("refusalMinimumMs", 20);
  auth.set("throttle", throttle);
  root.set("auth", auth);
  Poco::JSON::Object store;
  store.set("kind", "postgres");
  store.set("postgres", postgres);
  Poco::JSON::Object mfa;
  mfa.set("store", store);
  mfa.set("encryptionKey", std::string(kMfaKeyHex));
  root.set("mfa", mfa);
  Poco::JSON::Object smtp;
  smtp.set("host", "127.0.0.1");
  smtp.set("port", smtpPort);
  smtp.set("security", "none");
  smtp.set("from", "scimgate test <no-reply@example.test>");
  Poco::JSON::Object retry;
  retry.set("firstDelaySeconds", 1);
  retry.set("maxDelaySeconds", 1);
  retry.set("pollMilliseconds", 50);
  Poco::JSON::Object mail;
  mail.set("smtp", smtp);
  mail.set("retry", retry);
  mail.set("templatesDir", std::string(SCIMGATE_SOURCE_DIR) + "/mail/templates");
  root.set("mail", mail);
  std::ostringstream text;
  root.stringify(text);
  return text.str();
}

/// Two instances, A and B, started from the same config, each in a folder of its own; an SMTP
/// sink for the mail both send. Stopped (by pid) and wiped however the test ends.
struct TwoInstances {
  SmtpSink sink;
  PrivateDatabase database;  // the two instances' store, shared with no other case
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("scimgate-scaleout-" + uniqueSuffix());
  struct Wipe {
    std::filesystem::path dir;
    ~Wipe() { std::filesystem::remove_all(dir); }
  } wipe{dir};
  std::unique_ptr<ChildGateway> instanceA;
  std::unique_ptr<ChildGateway> instanceB;

  /// In front of the slapd fixture.
  TwoInstances() : TwoInstances(fixtureSlapd(), {fixtureSlapd().url}) {}
  /// In front of `directory`, reached at `uris` (reads of GET requests at `readUris`, if any).
  TwoInstances(const SlapdEnv& directory, const std::vector<std::string>& uris,
               const std::vector<std::string>& readUris = {}) {
    std::filesystem::create_directories(dir / "a");
    std::filesystem::create_directories(dir / "b");
    const std::string config =
        sharedConfig(sink.port(), directory, uris, database.conninfo(), readUris);
    instanceA = std::make_unique<ChildGateway>(SCIMGATE_BINARY, (dir / "a").string(), config);
    instanceB = std::make_unique<ChildGateway>(SCIMGATE_BINARY, (dir / "b").string(), config);
  }
  const ChildGateway& a() const { return *instanceA; }
  const ChildGateway& b() const { return *instanceB; }
};

/// The TCP port of an ldap://host:port URL.
int portOf(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

/// How many TCP connections this process has open to 127.0.0.1:`port` (/proc/net/tcp: the
/// sockets among this process's descriptors whose remote end is that port, established).
int connectionsTo(int port) {
  std::set<std::string> ours;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const auto target = std::filesystem::read_symlink(fd.path(), error).string();
    if (!error && target.rfind("socket:[", 0) == 0)
      ours.insert(target.substr(8, target.size() - 9));
  }
  char remote[16];
  std::snprintf(remote, sizeof remote, "0100007F:%04X", port);
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the header
  int count = 0;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, rem, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> rem >> state >> queues >> timer >> retransmits >> uid >> timeout >>
        inode;
    if (rem == remote && state == "01" && ours.count(inode) != 0) ++count;
  }
  return count;
}

}  // namespace

TEST_CASE_METHOD(
    TwoInstances,
    "a user created through one instance is read, patched and deleted through the other",
    "[scaleout][slapd][postgres]") {
  const std::string name = "across-" + uniqueSuffix();
  const std::string id = createUser(a(), name);

  auto read = b().request("GET", "/scim/v2/Users/" + id);
  REQUIRE(read.status == 200);
  CHECK(read.json()->getValue<std::string>("userName") == name);
  // The version A reports is the one B checks (both derive it from the entry's CSN).
  const std::string version = a().request("GET", "/scim/v2/Users/" + id).header("ETag");
  REQUIRE(!version.empty());
  CHECK(read.header("ETag") == version);
  auto patched = b().requestWith(
      {{"If-Match", version}}, "PATCH", "/scim/v2/Users/" + id,
      patchBody(R"({"op":"replace","path":"displayName","value":"Countess of Lovelace"})"));
  CAPTURE(patched.body);
  REQUIRE(patched.status == 200);
  CHECK(a().request("GET", "/scim/v2/Users/" + id).json()->getValue<std::string>("displayName") ==
        "Countess of Lovelace");
  // A's old version is stale now, on either instance.
  CHECK(a().requestWith({{"If-Match", version}}, "DELETE", "/scim/v2/Users/" + id).status == 412);
  CHECK(b().request("DELETE", "/scim/v2/Users/" + id).status == 204);
  CHECK(a().request("GET", "/scim/v2/Users/" + id).status == 404);
}

TEST_CASE_METHOD(TwoInstances, "a TOTP code used on one instance is refused on the other",
                 "[scaleout][slapd][postgres]") {
  const std::string name = "totp-" + uniqueSuffix();
  createUser(a(), name, std::string(R"(,"password":")") + kPassword + R"(")");
  auto first = tryLoginWithCode(a(), name, kPassword);
  REQUIRE(first.status == 200);
  const std::string session = first.json()->getValue<std::string>("token");
  // Enrolled on A, confirmed on B.
  auto enrol = postJson(a(), "/mfa/totp", "", session);
  CAPTURE(enrol.body);
  REQUIRE(enrol.status == 201);
  const std::string secret = enrol.json()->getValue<std::string>("secret");
  REQUIRE(postJson(b(), "/mfa/totp/confirm",
                   R"({"code":")" + totpCodeAt(secret, std::chrono::seconds(0)) + R"("})", session)
              .status == 200);
  CHECK(tryLoginWithCode(a(), name, kPassword).status == 401);  // a code is needed now, on A too

  const std::string next = totpCodeAt(secret, std::chrono::seconds(30));
  CHECK(tryLoginWithCode(a(), name, kPassword, next).status == 200);
  auto replay = tryLoginWithCode(b(), name, kPassword, next);
  CAPTURE(replay.body);
  CHECK(replay.status == 401);
}

TEST_CASE_METHOD(TwoInstances, "password guessing spread over two instances is throttled as one",
                 "[scaleout][slapd][postgres]") {
  const std::string name = "guessed-" + uniqueSuffix();
  createUser(a(), name, std::string(R"(,"password":")") + kPassword + R"(")");
  // Four failures lock the user (auth.throttle.maxFailuresPerUser): two on each instance.
  for (int i = 0; i < 2; ++i) {
    CHECK(tryLoginWithCode(a(), name, "Wrong-Guess-1" + std::to_string(i) + "!").status == 401);
    CHECK(tryLoginWithCode(b(), name, "Wrong-Guess-2" + std::to_string(i) + "!").status == 401);
  }
  for (const auto* gw : {&a(), &b()}) {
    auto locked = tryLoginWithCode(*gw, name, kPassword);
    CAPTURE(locked.body);
    CHECK(locked.status == 429);
    CHECK(!locked.header("Retry-After").empty());
  }
}

TEST_CASE_METHOD(TwoInstances,
                 "a session from one instance works on the other; a password reset or a sign-out "
                 "ends it on both",
                 "[scaleout][slapd][postgres][mail]") {
  const std::string name = "roaming-" + uniqueSuffix();
  const std::string email = name + "@example.com";
  createUser(a(), name, std::string(R"(,"password":")") + kPassword + R"(")");
  auto login = tryLoginWithCode(a(), name, kPassword);
  REQUIRE(login.status == 200);
  const std::string session = login.json()->getValue<std::string>("token");
  CHECK(b().request("GET", "/scim/v2/Me", "", session).status == 200);

  // "Forgot password" on B: exactly one mail, although both instances deliver the shared outbox.
  REQUIRE(postJson(b(), "/auth/password/forgot", R"({"login":")" + name + R"("})").status == 202);
  std::vector<SinkMessage> mails;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (mails.empty() && std::chrono::steady_clock::now() < deadline) {
    for (auto& m : sink.messages()) {
      if (std::find(m.to.begin(), m.to.end(), email) != m.to.end()) mails.push_back(m);
    }
    if (mails.empty()) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(mails.size() == 1);
  std::this_thread::sleep_for(500ms);  // time for a second delivery, were there one
  std::size_t delivered = 0;
  for (auto& m : sink.messages()) {
    if (std::find(m.to.begin(), m.to.end(), email) != m.to.end()) ++delivered;
  }
  CHECK(delivered == 1);
  const std::string prefix = std::string(kTestPublicUrl) + "/console/#/reset-password/";
  const auto at = mails[0].text.find(prefix);
  REQUIRE(at != std::string::npos);
  const auto start = at + prefix.size();
  const auto end = mails[0].text.find_first_of(" \r\n", start);
  const std::string token = mails[0].text.substr(start, end - start);

  // Reset on A: the session ends on both instances; the new password works on both.
  const std::string next = "Brand-New-Secret-77?";
  auto reset = postJson(a(), "/auth/password/reset",
                        R"({"token":")" + token + R"(","newPassword":")" + next +
                            R"(","confirmPassword":")" + next + R"("})");
  CAPTURE(reset.body);
  REQUIRE(reset.status == 204);
  CHECK(a().request("GET", "/scim/v2/Me", "", session).status == 401);
  CHECK(b().request("GET", "/scim/v2/Me", "", session).status == 401);
  CHECK(tryLoginWithCode(a(), name, kPassword).status == 401);

  // Signing out on A ends the new session on B as well.
  auto again = tryLoginWithCode(b(), name, next);
  REQUIRE(again.status == 200);
  const std::string fresh = again.json()->getValue<std::string>("token");
  CHECK(b().request("GET", "/scim/v2/Me", "", fresh).status == 200);
  CHECK(postJson(a(), "/auth/logout", "", fresh).status == 204);
  CHECK(b().request("GET", "/scim/v2/Me", "", fresh).status == 401);
}

TEST_CASE_METHOD(TwoInstances, "a list cursor started on one instance continues on the other",
                 "[scaleout][slapd][postgres]") {
  const std::string prefix = "cursor-" + uniqueSuffix();
  std::set<std::string> created;
  for (int i = 0; i < 3; ++i) created.insert(createUser(a(), prefix + "-" + std::to_string(i)));
  std::string filter;
  Poco::URI::encode("userName sw \"" + prefix + "\"", "&=+?#\"", filter);
  const std::string query = "/scim/v2/Users?filter=" + filter + "&count=2&cursor=";

  auto first = a().request("GET", query);
  CAPTURE(first.body);
  REQUIRE(first.status == 200);
  const auto firstPage = first.json()->getArray("Resources");
  REQUIRE(firstPage->size() == 2);
  const std::string cursor = first.json()->getValue<std::string>("nextCursor");
  auto second = b().request("GET", query + cursor);
  CAPTURE(second.body);
  REQUIRE(second.status == 200);
  const auto secondPage = second.json()->getArray("Resources");
  REQUIRE(secondPage->size() == 1);
  CHECK_FALSE(second.json()->has("nextCursor"));
  std::set<std::string> seen;
  for (const auto& page : {firstPage, secondPage}) {
    for (std::size_t i = 0; i < page->size(); ++i) {
      seen.insert(page->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    }
  }
  CHECK(seen == created);
}

namespace {

// Both gateways list the first provider, then the second; the first is killed (SIGKILL, its pid)
// while one writer per gateway creates users; after it restarts, every acknowledged user is on
// both.
void killFirstUnderWrites(const ReplicatedSlapds& directories) {
  const auto& first = directories.first();
  const auto& second = directories.second();
  TwoInstances gateways(first, {first.url, second.url});
  const std::string prefix = "ha-" + uniqueSuffix();

  // One writer per gateway; the first provider is killed (SIGKILL, its pid) while they write.
  using Clock = std::chrono::steady_clock;
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::map<int, int> refusals;  // status -> count, for the report
  std::atomic<bool> killed{false};
  std::atomic<bool> stop{false};
  Clock::time_point killedAt;
  std::vector<Clock::duration> failover(2, Clock::duration::zero());
  auto writer = [&](const ChildGateway& gw, int index) {
    for (int i = 0; !stop; ++i) {
      const std::string name = prefix + "-" + std::to_string(index) + "-" + std::to_string(i);
      const bool afterKill = killed;
      Reply reply;
      try {
        reply = gw.request("POST", "/scim/v2/Users", R"({"userName":")" + name + R"("})");
      } catch (const Poco::Exception&) {
        reply.status = 0;  // the connection broke: not acknowledged
      }
      std::lock_guard lock(mutex);
      if (reply.status == 201) {
        acknowledged.push_back(name);
        if (afterKill && failover[static_cast<std::size_t>(index)] == Clock::duration::zero()) {
          failover[static_cast<std::size_t>(index)] = Clock::now() - killedAt;
        }
      } else {
        ++refusals[reply.status];
      }
    }
  };
  std::thread writerA(writer, std::cref(gateways.a()), 0);
  std::thread writerB(writer, std::cref(gateways.b()), 1);
  std::this_thread::sleep_for(1s);
  {
    std::lock_guard lock(mutex);
    killedAt = Clock::now();
  }
  signalSlapd(first, SIGKILL);
  killed = true;
  std::this_thread::sleep_for(6s);
  stop = true;
  writerA.join();
  writerB.join();

  INFO("acknowledged " << acknowledged.size() << ", refused by status: " << [&] {
    std::ostringstream text;
    for (const auto& [status, count] : refusals) text << status << "x" << count << " ";
    return text.str();
  }());
  REQUIRE(acknowledged.size() > 10);
  // Both gateways went on writing to the second provider within the operation timeout (3 s).
  for (const auto took : failover) {
    CHECK(took > Clock::duration::zero());
    CHECK(took < 5s);
  }

  // The killed provider comes back and catches up; every acknowledged user is on both.
  restartSlapd(first);
  const std::set<std::string> expected(acknowledged.begin(), acknowledged.end());
  auto usersOn = [&](const SlapdEnv& env) {
    std::set<std::string> names;
    for (const auto& entry :
         ldapSearch(env, "ou=people," + env.suffix, "(uid=" + prefix + "-*)", {"uid"})) {
      names.insert(entry.first("uid"));
    }
    return names;
  };
  std::set<std::string> onFirst;
  std::set<std::string> onSecond;
  const auto deadline = Clock::now() + 20s;
  do {
    std::this_thread::sleep_for(200ms);
    onFirst = usersOn(first);
    onSecond = usersOn(second);
  } while ((!std::includes(onFirst.begin(), onFirst.end(), expected.begin(), expected.end()) ||
            onFirst != onSecond) &&
           Clock::now() < deadline);
  std::vector<std::string> missing;
  std::set_difference(expected.begin(), expected.end(), onSecond.begin(), onSecond.end(),
                      std::back_inserter(missing));
  CAPTURE(missing);
  CHECK(missing.empty());
  CHECK(onFirst == onSecond);
}

}  // namespace

TEST_CASE("a provider killed under writes through two gateways loses no acknowledged write",
          "[scaleout][replication][postgres]") {
  killFirstUnderWrites(ReplicatedSlapds("scaleout-ha"));  // two OpenLDAP providers
}

TEST_CASE("a 389-DS supplier killed under writes through two gateways loses no acknowledged write",
          "[scaleout][replication][postgres][389ds]") {
  killFirstUnderWrites(ReplicatedSlapds("scaleout-ha389", ReplicatedSlapds::Product::Ds389));
}

TEST_CASE("after a failover the directory pool moves back to the first provider once it answers",
          "[scaleout][replication]") {
  ReplicatedSlapds directories("scaleout-failback");
  const auto& first = directories.first();
  const auto& second = directories.second();
  auto settings = first.ldapSettings();
  settings.uris = {first.url, second.url};
  settings.failbackSeconds = 1;
  auto dirs = ldap::makeLdapDirectories(settings);
  const ldap::Stats& stats = *dirs.users->stats();
  REQUIRE(dirs.users->ping().ok());
  CHECK(stats.serverIndex.load() == 0);
  CHECK(connectionsTo(portOf(second.url)) == 0);

  // The first stops: the pooled connection is found closed, a fresh one goes to the second.
  stopSlapd(first);
  REQUIRE(dirs.users->ping().ok());
  CHECK(stats.serverIndex.load() == 1);
  CHECK(connectionsTo(portOf(second.url)) >= 1);

  // Without the first, the pool stays on the second (the background check finds it down).
  std::this_thread::sleep_for(2500ms);
  REQUIRE(dirs.users->ping().ok());
  CHECK(stats.serverIndex.load() == 1);

  // Back: within failbackSeconds (and a check's connect) the pool uses the first again, and its
  // connections to the second are closed, the one lent to a request as it comes back.
  restartSlapd(first);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (stats.serverIndex.load() != 0 && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(dirs.users->ping().ok());
    std::this_thread::sleep_for(100ms);
  }
  CHECK(stats.serverIndex.load() == 0);
  REQUIRE(dirs.users->ping().ok());
  CHECK(connectionsTo(portOf(second.url)) == 0);
  CHECK(connectionsTo(portOf(first.url)) >= 1);
}

TEST_CASE(
    "with a lagging read replica, a client reads its own writes on either instance at once, and "
    "other clients' reads are served by the replica (the first of two listed is down)",
    "[scaleout][replication][postgres]") {
  // The second slapd polls the first every 3 s: a replica behind by up to 3 s, on purpose.
  ReplicatedSlapds directories("scaleout-replica", 3);
  const auto& provider = directories.first();
  const auto& replica = directories.second();
  // The first read replica listed is not there: the second serves.
  TwoInstances gateways(provider, {provider.url}, {"ldap://127.0.0.1:1", replica.url});
  const std::string prefix = "ryw-" + uniqueSuffix();

  std::map<int, int> otherSaw;  // status -> count of the other client's immediate reads
  std::string lastId;
  for (int round = 0; round < 4; ++round) {
    const std::string name = prefix + "-" + std::to_string(round);
    INFO("round " << round);
    const auto created =
        gateways.a().request("POST", "/scim/v2/Users", R"({"userName":")" + name + R"("})");
    REQUIRE(created.status == 201);
    const std::string id = created.json()->getValue<std::string>("id");
    lastId = id;
    // The writer, at once, on the instance it wrote through and on the other one.
    CHECK(gateways.a().request("GET", "/scim/v2/Users/" + id).status == 200);
    CHECK(gateways.b().request("GET", "/scim/v2/Users/" + id).status == 200);
    std::string filter;
    Poco::URI::encode("userName eq \"" + name + "\"", "&=+?#\"", filter);
    const auto listed = gateways.b().request("GET", "/scim/v2/Users?filter=" + filter);
    REQUIRE(listed.status == 200);
    CHECK(listed.json()->getValue<int>("totalResults") == 1);
    const auto patched =
        gateways.a().request("PATCH", "/scim/v2/Users/" + id,
                             patchBody(R"({"op":"replace","path":"displayName","value":"Round )" +
                                       std::to_string(round) + R"("})"));
    REQUIRE(patched.status == 200);
    const auto read = gateways.b().request("GET", "/scim/v2/Users/" + id);
    REQUIRE(read.status == 200);
    CHECK(read.json()->getValue<std::string>("displayName") == "Round " + std::to_string(round));
    // Another client, at once: the replica answers, which most likely has not polled yet.
    ++otherSaw[gateways.a().request("GET", "/scim/v2/Users/" + id, "", kOtherToken).status];
    std::this_thread::sleep_for(500ms);
  }
  INFO("the other client's immediate reads: 200x" << otherSaw[200] << " 404x" << otherSaw[404]);
  // Each of those is 200 or 404, and some were 404: reads did go to the lagging replica, so
  // the writer's answers above are read-your-writes, not a replica that happened to be current.
  CHECK(otherSaw[200] + otherSaw[404] == 4);
  CHECK(otherSaw[404] >= 1);

  // Within the replica's poll, the other client sees the user too.
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (
      (status = gateways.b().request("GET", "/scim/v2/Users/" + lastId, "", kOtherToken).status) !=
          200 &&
      std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
  }
  CHECK(status == 200);

  // The replica stops: reads go to the provider.
  stopSlapd(replica);
  CHECK(gateways.a().request("GET", "/scim/v2/Users/" + lastId, "", kOtherToken).status == 200);
  CHECK(gateways.b().request("GET", "/scim/v2/Users/" + lastId, "", kOtherToken).status == 200);
}

}  // namespace scimgate::testing
