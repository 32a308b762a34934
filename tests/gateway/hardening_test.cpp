// Issue #13, as an attacker and an unlucky operator would try it: lockouts that provisioning
// must not lift, /auth/verify for SSO clients only, throttled password guessing, refusals that
// take the same time, and the last Administrator under concurrent removal.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "support/api.h"
#include "support/gateway.h"
#include "support/slapd.h"

namespace {

using namespace scimgate;
using testing::byId;
using testing::createUser;
using testing::errorDetail;
using testing::fixtureProfile;
using testing::Gateway;
using testing::idOf;
using testing::kPassword;
using testing::ldapSearch;
using testing::lockAttribute;
using testing::lockValue;
using testing::loginAs;
using testing::patchBody;
using testing::Reply;
using testing::tryLogin;
using testing::uniqueSuffix;
using testing::versionOf;

std::string lockOf(const testing::SlapdEnv& env, const std::string& id) {
  auto entries = ldapSearch(env, "ou=people," + env.suffix, byId(id), {lockAttribute()});
  REQUIRE(entries.size() == 1);
  return entries.front().first(lockAttribute());
}

}  // namespace

TEST_CASE("provisioning writes leave the directory's lockout in place, an administrator unlocks",
          "[gateway][hardening][slapd][openldap]") {
  // A directory whose password policy locks an account after 3 failed binds, for good.
  const testing::PrivateSlapd slapd("lockout");
  testing::ldapReplaceAsRoot(slapd.env(), "cn=default,ou=policies," + slapd.env().suffix,
                             "pwdMaxFailure", {"3"});
  auto cfg = Gateway::defaultConfig();
  cfg.ldap = slapd.env().ldapSettings();
  Gateway gw(cfg);
  const std::string name = "locked-" + uniqueSuffix();
  const std::string id = createUser(gw, name, R"(,"password":")" + std::string(kPassword) + R"(")");
  for (int i = 0; i < 3; ++i) CHECK(tryLogin(gw, name, "Wrong-Horse-42!").status == 401);
  const std::string lock = lockOf(slapd.env(), id);
  REQUIRE_FALSE(lock.empty());  // the directory locked the account
  CHECK(tryLogin(gw, name, kPassword).status == 401);

  // An identity provider's sync touches the user: the lock stays.
  auto sync = gw.request("PATCH", "/scim/v2/Users/" + id,
                         patchBody(R"({"op":"replace","path":"title","value":"Engineer"})"));
  CAPTURE(sync.body);
  REQUIRE(sync.status == 200);
  CHECK(lockOf(slapd.env(), id) == lock);
  auto full = gw.request("GET", "/scim/v2/Users/" + id);
  REQUIRE(full.status == 200);
  auto put = gw.request("PUT", "/scim/v2/Users/" + id, full.body);
  CAPTURE(put.body);
  REQUIRE(put.status == 200);
  CHECK(lockOf(slapd.env(), id) == lock);
  auto activeAgain = gw.request("PATCH", "/scim/v2/Users/" + id,
                                patchBody(R"({"op":"replace","path":"active","value":true})"));
  REQUIRE(activeAgain.status == 200);
  CHECK(lockOf(slapd.env(), id) == lock);  // already active: not a reactivation
  CHECK(tryLogin(gw, name, kPassword).status == 401);

  // An administrator unlocks on purpose.
  auto unlock = gw.request("POST", "/auth/unlock", R"({"userId":")" + id + R"("})", testing::kToken,
                           "application/json");
  CAPTURE(unlock.body);
  CHECK(unlock.status == 204);
  CHECK(lockOf(slapd.env(), id).empty());
  loginAs(gw, name, kPassword);

  // Deactivation locks for good; reactivation removes that lock; unlocking a deactivated user
  // is refused with what to do instead.
  REQUIRE(gw.request("PATCH", "/scim/v2/Users/" + id,
                     patchBody(R"({"op":"replace","path":"active","value":false})"))
              .status == 200);
  CHECK(lockOf(slapd.env(), id) == lockValue());
  auto refused = gw.request("POST", "/auth/unlock", R"({"userId":")" + id + R"("})",
                            testing::kToken, "application/json");
  CHECK(refused.status == 400);
  CHECK(errorDetail(refused).find("reactivate") != std::string::npos);
  REQUIRE(gw.request("PATCH", "/scim/v2/Users/" + id,
                     patchBody(R"({"op":"replace","path":"active","value":true})"))
              .status == 200);
  CHECK(lockOf(slapd.env(), id).empty());
  loginAs(gw, name, kPassword);
}

namespace {

constexpr char kExt[] = "urn:scimgate:params:scim:schemas:extension:2.0:User";
constexpr char kNorthToken[] = "sso-north-token-0123456789";
constexpr char kViewerToken[] = "sso-viewer-token-0123456789";

Reply verify(Gateway& gw, const std::string& name, const std::string& password,
             const std::string& token) {
  return gw.request("POST", "/auth/verify",
                    R"({"userName":")" + name + R"(","password":")" + password + R"("})", token,
                    "application/json");
}

std::string inAccounts(const std::vector<std::string>& accounts) {
  std::string values;
  for (const auto& id : accounts)
    values += (values.empty() ? "" : ",") + (R"({"value":")" + id + R"("})");
  return std::string(R"(,"password":")") + kPassword + R"(",")" + kExt + R"(":{"accounts":[)" +
         values + "]}";
}

}  // namespace

TEST_CASE("/auth/verify answers SSO clients only, for users in their accounts",
          "[gateway][hardening][slapd]") {
  Gateway setup;
  const std::string suffix = uniqueSuffix();
  const std::string north = testing::createGroup(setup, "North " + suffix, "account");
  const std::string south = testing::createGroup(setup, "South " + suffix, "account");
  const std::string inNorth = "v-north-" + suffix;
  const std::string inSouth = "v-south-" + suffix;
  const std::string inBoth = "v-both-" + suffix;
  createUser(setup, inNorth, inAccounts({north}));
  createUser(setup, inSouth, inAccounts({south}));
  createUser(setup, inBoth, inAccounts({north, south}));

  auto cfg = Gateway::defaultConfig();
  cfg.tokens.push_back({"sso-north", config::sha256Hex(kNorthToken), "Administrator", {north}});
  cfg.tokens.push_back({"sso-viewer", config::sha256Hex(kViewerToken), "Viewer", {"*"}});
  Gateway gw(cfg);

  // A person's session is no password oracle, whatever their role.
  const std::string admin = testing::person(gw, "v-admin-" + suffix, "Administrator");
  auto fromPerson = verify(gw, inNorth, kPassword, admin);
  CAPTURE(fromPerson.body);
  CHECK(fromPerson.status == 403);
  CHECK(errorDetail(fromPerson).find("SSO") != std::string::npos);
  // A client whose role lacks verifyPasswords (the default matrix gives it to Administrator).
  CHECK(verify(gw, inNorth, kPassword, kViewerToken).status == 403);

  // A scoped client: its users, and only its accounts in the answer.
  auto ok = verify(gw, inBoth, kPassword, kNorthToken);
  CAPTURE(ok.body);
  REQUIRE(ok.status == 200);
  auto accounts = ok.json()->getArray("accounts");
  REQUIRE(accounts->size() == 1);
  CHECK(accounts->getElement<std::string>(0) == north);
  CHECK(verify(gw, inNorth, kPassword, kNorthToken).status == 200);
  // Outside its accounts: the same answer as a wrong password, even with the right one.
  auto outside = verify(gw, inSouth, kPassword, kNorthToken);
  auto wrong = verify(gw, inNorth, "Wrong-Horse-42!", kNorthToken);
  CHECK(outside.status == 401);
  CHECK(outside.body == wrong.body);
}

TEST_CASE("password guessing is throttled per userName, known or not, with 429 and Retry-After",
          "[gateway][hardening][slapd]") {
  auto cfg = Gateway::defaultConfig();
  cfg.auth.throttle.maxFailuresPerUser = 3;
  cfg.auth.throttle.maxFailuresPerAddress = 0;  // this case is about userNames
  cfg.auth.throttle.lockoutSeconds = 60;
  cfg.auth.refusalMinimumMs = 0;
  Gateway gw(cfg);
  const std::string suffix = uniqueSuffix();
  const std::string name = "guess-" + suffix;
  createUser(gw, name, R"(,"password":")" + std::string(kPassword) + R"(")");

  for (int i = 0; i < 3; ++i) CHECK(tryLogin(gw, name, "Wrong-Horse-42!").status == 401);
  auto throttled = tryLogin(gw, name, kPassword);  // even the right password must wait
  CAPTURE(throttled.body);
  CHECK(throttled.status == 429);
  const int wait = std::stoi(throttled.header("Retry-After"));
  CHECK(wait > 0);
  CHECK(wait <= 60);
  CHECK(throttled.json()->getValue<std::string>("error") == "too_many_attempts");
  // Case does not make another userName.
  std::string upper = name;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(tryLogin(gw, upper, kPassword).status == 429);

  // An unknown userName is throttled the same way: throttling reveals nothing.
  const std::string nobody = "nobody-" + suffix;
  for (int i = 0; i < 3; ++i) CHECK(tryLogin(gw, nobody, "Wrong-Horse-42!").status == 401);
  CHECK(tryLogin(gw, nobody, "Wrong-Horse-42!").status == 429);

  // Failures in a row: a success starts the count again.
  const std::string typist = "typist-" + suffix;
  createUser(gw, typist, R"(,"password":")" + std::string(kPassword) + R"(")");
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 2; ++i) CHECK(tryLogin(gw, typist, "Wrong-Horse-42!").status == 401);
    loginAs(gw, typist, kPassword);
  }

  // /auth/verify counts towards the same userName.
  const std::string sso = "sso-" + suffix;
  createUser(gw, sso, R"(,"password":")" + std::string(kPassword) + R"(")");
  for (int i = 0; i < 3; ++i) {
    CHECK(verify(gw, sso, "Wrong-Horse-42!", testing::kToken).status == 401);
  }
  CHECK(verify(gw, sso, kPassword, testing::kToken).status == 429);
  CHECK(tryLogin(gw, sso, kPassword).status == 429);

  // An administrator's unlock ends the wait.
  auto users = gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22" + name + "%22");
  const std::string id =
      users.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id");
  REQUIRE(gw.request("POST", "/auth/unlock", R"({"userId":")" + id + R"("})", testing::kToken,
                     "application/json")
              .status == 204);
  loginAs(gw, name, kPassword);
}

TEST_CASE("password guessing is throttled per client address, behind trusted proxies too",
          "[gateway][hardening][slapd]") {
  auto cfg = Gateway::defaultConfig();
  cfg.auth.throttle.maxFailuresPerUser = 100;
  cfg.auth.throttle.maxFailuresPerAddress = 4;
  cfg.auth.refusalMinimumMs = 0;
  const std::string suffix = uniqueSuffix();
  const std::string name = "addr-" + suffix;
  {
    Gateway gw(cfg);
    createUser(gw, name, R"(,"password":")" + std::string(kPassword) + R"(")");
    // Spraying: one guess for each of many userNames.
    for (int i = 0; i < 4; ++i) {
      CHECK(tryLogin(gw, "spray-" + std::to_string(i) + "-" + suffix, "Wrong-Horse-42!").status ==
            401);
    }
    CHECK(tryLogin(gw, name, kPassword).status == 429);
    // A forwarded-for header from a peer that is not a trusted proxy changes nothing.
    CHECK(tryLogin(gw, name, kPassword, {{"X-Forwarded-For", "203.0.113.9"}}).status == 429);
  }
  cfg.auth.trustedProxies = {"127.0.0.1"};
  Gateway proxied(cfg);
  for (int i = 0; i < 4; ++i) {
    CHECK(tryLogin(proxied, "spray-" + std::to_string(i) + "-" + suffix, "Wrong-Horse-42!",
                   {{"X-Forwarded-For", "203.0.113.9"}})
              .status == 401);
  }
  CHECK(tryLogin(proxied, name, kPassword, {{"X-Forwarded-For", "203.0.113.9"}}).status == 429);
  // Another client behind the same proxy is not held up.
  CHECK(
      tryLogin(proxied, name, kPassword, {{"X-Forwarded-For", "192.0.2.1, 203.0.113.10"}}).status ==
      200);
}

TEST_CASE("throttling counts live in the state store, shared by every gateway using it",
          "[gateway][hardening][slapd]") {
  const auto dir = std::filesystem::temp_directory_path() / ("scimgate-throttle-" + uniqueSuffix());
  std::filesystem::create_directories(dir);
  auto cfg = Gateway::defaultConfig();
  cfg.mfa.store.kind = "sqlite";
  cfg.mfa.store.path = (dir / "state.db").string();
  cfg.mfa.settings.encryptionKey = std::vector<unsigned char>(32, 7);
  cfg.mfa.settings.pbkdf2Iterations = 1000;
  cfg.auth.throttle.maxFailuresPerUser = 3;
  cfg.auth.refusalMinimumMs = 0;
  {
    Gateway a(cfg);
    Gateway b(cfg);
    const std::string name = "shared-" + uniqueSuffix();
    createUser(a, name, R"(,"password":")" + std::string(kPassword) + R"(")");
    CHECK(tryLogin(a, name, "Wrong-Horse-42!").status == 401);
    CHECK(tryLogin(b, name, "Wrong-Horse-42!").status == 401);
    CHECK(tryLogin(a, name, "Wrong-Horse-42!").status == 401);
    CHECK(tryLogin(b, name, kPassword).status == 429);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("refused logins take the same time, whatever the reason", "[gateway][hardening][slapd]") {
  auto cfg = Gateway::defaultConfig();
  cfg.auth.refusalMinimumMs = 300;
  Gateway gw(cfg);
  const std::string suffix = uniqueSuffix();
  const std::string known = "timed-" + suffix;
  const std::string inactive = "timed-off-" + suffix;
  createUser(gw, known, R"(,"password":")" + std::string(kPassword) + R"(")");
  createUser(gw, inactive, R"(,"active":false,"password":")" + std::string(kPassword) + R"(")");
  const std::vector<std::pair<std::string, std::string>> refusals = {
      {"nobody-" + suffix, "Wrong-Horse-42!"},  // unknown user
      {known, "Wrong-Horse-42!"},               // wrong password
      {inactive, kPassword},                    // deactivated (locked) account
  };
  for (const auto& [name, password] : refusals) {
    CAPTURE(name);
    const auto start = std::chrono::steady_clock::now();
    auto reply = tryLogin(gw, name, password);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    CHECK(reply.status == 401);
    CHECK(took.count() >= 300);
    // The floor hides the differences: each is answered soon after it (a loaded CI machine
    // gets a wide margin; the differences it hides are a few milliseconds).
    CHECK(took.count() < 300 + 1000);
  }
}

namespace {

// The real directory, except that counting Administrators takes a while after the count is
// taken: the window two concurrent removals need to both count the other's Administrator, which
// a real server opens only by chance.
class SlowCount final : public testing::ForwardingDirectory {
 public:
  using ForwardingDirectory::ForwardingDirectory;
  scim::Result<std::size_t> countActiveInRole(std::string_view role) override {
    auto count = real_.countActiveInRole(role);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return count;
  }
};

std::string administratorsGroup(Gateway& gw) {
  auto roles = gw.request("GET", "/scim/v2/Groups?filter=displayName%20eq%20%22Administrator%22");
  REQUIRE(roles.status == 200);
  return roles.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id");
}

std::size_t activeAdministrators(Gateway& gw) {
  auto users = gw.request("GET", "/scim/v2/Users?count=200");
  REQUIRE(users.status == 200);
  std::size_t count = 0;
  auto resources = users.json()->getArray("Resources");
  for (unsigned i = 0; resources && i < resources->size(); ++i) {
    auto user = resources->getObject(i);
    auto roles = user->getArray("roles");
    bool administrator = false;
    for (unsigned r = 0; roles && r < roles->size(); ++r) {
      administrator |= roles->getObject(r)->getValue<std::string>("value") == "Administrator";
    }
    if (administrator && user->getValue<bool>("active")) ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("two concurrent removals cannot take away the last two Administrators",
          "[gateway][hardening][slapd]") {
  // A private directory without the demo administrator: exactly the two made here.
  const testing::PrivateSlapd slapd("adminrace", true);
  auto cfg = Gateway::defaultConfig();
  cfg.ldap = slapd.env().ldapSettings();
  Gateway gw(cfg, [](ldap::Directory& real) { return std::make_unique<SlowCount>(real); });
  const std::string group = administratorsGroup(gw);

  using Removal = std::function<Reply(const std::string& id)>;
  const Removal deactivate = [&](const std::string& id) {
    return gw.request("PATCH", "/scim/v2/Users/" + id,
                      patchBody(R"({"op":"replace","path":"active","value":false})"));
  };
  const Removal demote = [&](const std::string& id) {
    return gw.request("PATCH", "/scim/v2/Users/" + id,
                      patchBody(R"({"op":"replace","path":"roles","value":[{"value":"Viewer"}]})"));
  };
  const Removal remove = [&](const std::string& id) {
    return gw.request("DELETE", "/scim/v2/Users/" + id);
  };
  const Removal leaveGroup = [&](const std::string& id) {
    return gw.request("PATCH", "/scim/v2/Groups/" + group,
                      patchBody(R"({"op":"remove","path":"members[value eq \")" + id + R"(\"]"})"));
  };
  const std::vector<std::pair<const char*, std::pair<Removal, Removal>>> pairs = {
      {"deactivate + deactivate", {deactivate, deactivate}},
      {"demote + delete", {demote, remove}},
      {"leave the role group + deactivate", {leaveGroup, deactivate}},
  };
  int round = 0;
  for (const auto& [what, removals] : pairs) {
    CAPTURE(what);
    const std::string suffix = std::to_string(++round) + "-" + uniqueSuffix();
    // Whatever the earlier rounds left: this round starts with exactly two active ones.
    const std::string a =
        createUser(gw, "race-a-" + suffix, R"(,"roles":[{"value":"Administrator"}])");
    const std::string b =
        createUser(gw, "race-b-" + suffix, R"(,"roles":[{"value":"Administrator"}])");
    if (round > 1) {
      // The survivor of the last round steps down now that two others exist.
      auto survivors = gw.request(
          "GET", "/scim/v2/Users?filter=userName%20sw%20%22race-%22%20and%20active%20eq%20true");
      auto list = survivors.json()->getArray("Resources");
      for (unsigned i = 0; list && i < list->size(); ++i) {
        const std::string id = list->getObject(i)->getValue<std::string>("id");
        if (id != a && id != b) REQUIRE(remove(id).status == 204);
      }
    }
    REQUIRE(activeAdministrators(gw) == 2);
    Reply first, second;
    std::thread one([&] { first = removals.first(a); });
    std::thread two([&] { second = removals.second(b); });
    one.join();
    two.join();
    CAPTURE(first.body, second.body);
    const int succeeded = (first.status / 100 == 2) + (second.status / 100 == 2);
    CHECK(succeeded == 1);
    CHECK((first.status == 403 || second.status == 403));
    CHECK(activeAdministrators(gw) == 1);
  }
}

TEST_CASE("an Administrators lock left by a gateway that died expires, a held one answers 503",
          "[gateway][hardening][slapd]") {
  const testing::PrivateSlapd slapd("adminlock");
  auto cfg = Gateway::defaultConfig();
  cfg.ldap = slapd.env().ldapSettings();
  Gateway gw(cfg);
  const std::string lockDn = "cn=scimgate-administrators-lock,ou=roles," + slapd.env().suffix;
  auto lockUntil = [&](std::int64_t expires) {
    testing::ldapAddAsRoot(
        slapd.env(), lockDn,
        {{"objectClass", {"organizationalRole"}},
         {"cn", {"scimgate-administrators-lock"}},
         {"description", {"scimgate administrators lock, expires " + std::to_string(expires)}}});
  };
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  // Expired: broken, and the deletion goes through (and releases its own lock).
  lockUntil(now - 60);
  const std::string first = createUser(gw, "lock-a-" + uniqueSuffix());
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + first).status == 204);
  CHECK(ldapSearch(slapd.env(), lockDn, "(objectClass=*)", {"cn"}).empty());
  // Held by a live gateway: the change waits, then answers 503, and changes nothing.
  lockUntil(now + 600);
  const std::string second = createUser(gw, "lock-b-" + uniqueSuffix());
  auto waited = gw.request("DELETE", "/scim/v2/Users/" + second);
  CAPTURE(waited.body);
  CHECK(waited.status == 503);
  CHECK(gw.request("GET", "/scim/v2/Users/" + second).status == 200);
}

TEST_CASE(
    "every answer carries an X-Request-Id, the client's own when it is a plain token, and "
    "the audit record names it",
    "[gateway][logs]") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("scimgate-request-id-" + testing::uniqueSuffix() + ".log");
  auto cfg = Gateway::defaultConfig();
  cfg.auth.auditPath = path.string();
  std::string generated;
  {
    Gateway gw(cfg);
    const auto given = gw.requestWith({{"X-Request-Id", "idp-run:42.a_b-c"}}, "GET",
                                      "/scim/v2/Users/no-such-user");
    CHECK(given.header("X-Request-Id") == "idp-run:42.a_b-c");
    // Not a plain token (a space, a quote): replaced, so nothing odd reaches the logs.
    const auto replaced =
        gw.requestWith({{"X-Request-Id", "two words\""}}, "GET", "/scim/v2/ServiceProviderConfig");
    generated = replaced.header("X-Request-Id");
    CHECK(generated.size() == 16);
    CHECK(generated.find_first_not_of("0123456789abcdef") == std::string::npos);
    const auto other = gw.request("GET", "/healthz");
    CHECK(other.header("X-Request-Id") != generated);
    CHECK(gw.requestWith({{"X-Request-Id", "audited-request"}}, "GET", "/scim/v2/Users", "",
                         "not-a-token")
              .status == 401);
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(path);
  CHECK(text.str().find(R"("requestId":"audited-request")") != std::string::npos);
}

TEST_CASE("every request is one JSON line on standard error, whatever its path holds",
          "[gateway][logs]") {
  Gateway gw(Gateway::defaultConfig());
  testing::StandardErrorCapture captured;
  // A quote, a backslash and a control character in the (decoded) path.
  const auto answer =
      gw.requestWith({{"X-Request-Id", "log-line-1"}}, "GET", "/scim/v2/Users/a%22b%5Cc%01d");
  std::istringstream lines(captured.textOnceItHas("log-line-1"));
  CHECK(answer.status == 404);
  std::string line;
  std::string found;
  while (std::getline(lines, line)) {
    if (line.find("log-line-1") != std::string::npos) found = line;
  }
  REQUIRE_FALSE(found.empty());
  const auto object = Poco::JSON::Parser().parse(found).extract<Poco::JSON::Object::Ptr>();
  CHECK(object->getValue<std::string>("level") == "info");
  CHECK(object->getValue<std::string>("method") == "GET");
  CHECK(object->getValue<std::string>("path") ==
        "/scim/v2/Users/a\"b\\c\x01"
        "d");
  CHECK(object->getValue<int>("status") == 404);
  CHECK(object->getValue<double>("ms") >= 0.0);
  const auto time = object->getValue<std::string>("time");
  CAPTURE(time);
  CHECK(time.size() == 27);
  CHECK(time[10] == 'T');
  CHECK(time.back() == 'Z');
}
