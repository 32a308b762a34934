// The web console's side of the gateway (issue #15): its files at /console/, what a session may
// do (GET /auth/session), the password rules (GET /auth/password/rules) and signing in with an
// email address. The console itself is driven in a real browser by tests/browser.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gateway/console_assets.h"
#include "support/api.h"
#include "support/gateway.h"
#include "support/mail_gateway.h"

namespace config = scimgate::config;
namespace gateway = scimgate::gateway;
namespace testing = scimgate::testing;
using testing::Gateway;
using testing::kPassword;

namespace {

void write(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

std::set<std::string> stringsOf(const Poco::JSON::Array::Ptr& array) {
  std::set<std::string> out;
  for (std::size_t i = 0; array && i < array->size(); ++i) {
    out.insert(array->getElement<std::string>(static_cast<unsigned>(i)));
  }
  return out;
}

std::string uniqueName(const std::string& prefix) {
  static int counter = 0;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

}  // namespace

TEST_CASE("the console's files are served from its folder with the console's security headers",
          "[gateway][console][slapd]") {
  testing::TempDir folder;
  const auto root = folder.path() / "console";
  write(root / "index.html", "<!doctype html><title>scimgate</title>");
  write(root / "app.js", "export const a = 1;");
  write(root / "pages" / "users.js", "export const b = 2;");
  write(root / ".secret.js", "hidden");
  write(root / "notes.md", "not a console file type");
  write(folder.path() / "outside.js", "outside the folder");
  auto cfg = Gateway::defaultConfig();
  cfg.server.consoleDir = root.string();
  Gateway gw(cfg);

  auto home = gw.request("GET", "/", "", "");
  CHECK(home.status == 302);
  CHECK(home.header("Location") == "/console/");
  CHECK(gw.request("GET", "/console", "", "").header("Location") == "/console/");

  auto index = gw.request("GET", "/console/", "", "");
  REQUIRE(index.status == 200);
  CHECK(index.body.find("<title>scimgate</title>") != std::string::npos);
  CHECK(index.contentType.rfind("text/html", 0) == 0);
  const std::string csp = index.header("Content-Security-Policy");
  CHECK(csp.find("default-src 'self'") != std::string::npos);
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(index.header("X-Content-Type-Options") == "nosniff");
  CHECK(index.header("X-Frame-Options") == "DENY");

  auto script = gw.request("GET", "/console/pages/users.js", "", "");
  CHECK(script.status == 200);
  CHECK(script.contentType.rfind("text/javascript", 0) == 0);
  CHECK(script.body == "export const b = 2;");

  SECTION("an unchanged file is answered 304 to a revalidation") {
    const std::string etag = script.header("ETag");
    REQUIRE_FALSE(etag.empty());
    auto again =
        gw.requestWith({{"If-None-Match", etag}}, "GET", "/console/pages/users.js", "", "");
    CHECK(again.status == 304);
    CHECK(again.body.empty());
  }
  SECTION("nothing but the folder's console files can be read") {
    for (const std::string path :
         {"/console/.secret.js", "/console/notes.md", "/console/../outside.js",
          "/console/%2e%2e/outside.js", "/console/pages/../../outside.js", "/console/nothing.js",
          "/console//app.js", "/console/pages"}) {
      CAPTURE(path);
      auto reply = gw.request("GET", path, "", "");
      CHECK(reply.status == 404);
      CHECK(reply.body.find("outside the folder") == std::string::npos);
      CHECK(reply.body.find("hidden") == std::string::npos);
    }
  }
  SECTION("the console's files are only read") {
    auto written = gw.request("POST", "/console/app.js", "x", "");
    CHECK(written.status == 405);
    CHECK(written.header("Allow") == "GET");
  }
  SECTION("the API still needs a credential") {
    CHECK(gw.request("GET", "/scim/v2/Users", "", "").status == 401);
  }
}

TEST_CASE("a gateway without a console folder serves no console", "[gateway][console][slapd]") {
  auto cfg = Gateway::defaultConfig();
  cfg.server.consoleDir.clear();
  Gateway gw(cfg);
  CHECK(gw.request("GET", "/console/", "", "").status == 404);
  CHECK(gw.request("GET", "/console/app.js", "", "").status == 404);
}

TEST_CASE("a console folder without index.html is refused at start, naming the folder",
          "[gateway][console]") {
  testing::TempDir folder;
  write(folder.path() / "app.js", "export {};");
  auto loaded = gateway::ConsoleAssets::load(folder.path().string());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().detail.find(folder.path().string()) != std::string::npos);
  CHECK(loaded.error().detail.find("index.html") != std::string::npos);
  CHECK_FALSE(gateway::ConsoleAssets::load((folder.path() / "missing").string()).ok());
}

TEST_CASE("the shipped console is small enough for a first load well under 300 KB",
          "[gateway][console]") {
  auto loaded = gateway::ConsoleAssets::load(SCIMGATE_SOURCE_DIR "/console");
  REQUIRE(loaded.ok());
  std::uintmax_t total = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(SCIMGATE_SOURCE_DIR "/console")) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  CAPTURE(total);
  CHECK(total < 200 * 1024);
}

TEST_CASE("a session says who the person is and what their role may do",
          "[gateway][console][slapd]") {
  Gateway gw;
  const std::string adminName = uniqueName("console-admin");
  const std::string admin = testing::person(gw, adminName, "Administrator");
  auto mine = gw.request("GET", "/auth/session", "", admin);
  REQUIRE(mine.status == 200);
  auto body = mine.json();
  CHECK(body->getValue<std::string>("userName") == adminName);
  CHECK(body->getValue<std::string>("role") == "Administrator");
  CHECK_FALSE(body->getValue<bool>("mfaEnrollmentRequired"));
  const auto permissions = stringsOf(body->getArray("permissions"));
  for (const char* operation : {"readUsers", "writeUsers", "deleteUsers", "deactivateUsers",
                                "changeRoles", "inviteUsers", "generateBackupCodes"}) {
    CAPTURE(operation);
    CHECK(permissions.count(operation) == 1);
  }
  // An SSO integration's operation, never a person's.
  CHECK(permissions.count("verifyPasswords") == 0);
  CHECK(stringsOf(body->getArray("grantableRoles")) ==
        std::set<std::string>{"Viewer", "Agent", "Manager", "Administrator"});

  const std::string managerName = uniqueName("console-manager");
  const std::string manager = testing::person(gw, managerName, "Manager");
  auto managing = gw.request("GET", "/auth/session", "", manager).json();
  REQUIRE(managing);
  CHECK(managing->getValue<std::string>("role") == "Manager");
  CHECK(stringsOf(managing->getArray("permissions")) ==
        std::set<std::string>{"readUsers", "manageQueues", "readGroups", "viewReports",
                              "readOwnProfile", "writeOwnProfile"});
  CHECK(managing->getArray("grantableRoles")->size() == 0);

  SECTION("a role change shows in the open session at once") {
    const std::string id = managing->getValue<std::string>("userId");
    REQUIRE(gw.request("PATCH", "/scim/v2/Users/" + id,
                       testing::patchBody(
                           R"({"op":"replace","path":"roles","value":[{"value":"Viewer"}]})"))
                .status == 200);
    auto demoted = gw.request("GET", "/auth/session", "", manager).json();
    REQUIRE(demoted);
    CHECK(demoted->getValue<std::string>("role") == "Viewer");
    CHECK(stringsOf(demoted->getArray("permissions")) ==
          std::set<std::string>{"readUsers", "readGroups", "readOwnProfile"});
  }
  SECTION("provisioning clients and strangers have no session") {
    auto machine = gw.request("GET", "/auth/session");
    CHECK(machine.status == 403);
    CHECK(testing::errorDetail(machine).find("/auth/login") != std::string::npos);
    CHECK(gw.request("GET", "/auth/session", "", "").status == 401);
    CHECK(gw.request("GET", "/auth/session", "", "not-a-session").status == 401);
  }
}

TEST_CASE("the password rules can be read before signing in", "[gateway][console][slapd]") {
  Gateway gw;
  auto rules = gw.request("GET", "/auth/password/rules", "", "");
  REQUIRE(rules.status == 200);
  auto body = rules.json();
  CHECK(body->getValue<int>("minLength") == 10);
  CHECK(body->getValue<int>("maxLength") == 256);
  CHECK(body->getValue<bool>("requireUpper"));
  CHECK(body->getValue<bool>("rejectUserNameParts"));
}

TEST_CASE("a person signs in with their email address as well as their user name",
          "[gateway][console][slapd]") {
  Gateway gw;
  const std::string name = uniqueName("by-mail");
  testing::person(gw, name, "Agent");
  auto byMail = testing::tryLogin(gw, name + "@example.com", kPassword);
  REQUIRE(byMail.status == 200);
  CHECK_FALSE(byMail.json()->getValue<std::string>("token").empty());

  auto wrong = testing::tryLogin(gw, name + "@example.com", "Wrong-Horse-42!");
  CHECK(wrong.status == 401);
  CHECK(wrong.json()->getValue<std::string>("error") == "invalid_credentials");
  auto nobody = testing::tryLogin(gw, uniqueName("nobody") + "@example.com", kPassword);
  CHECK(nobody.status == 401);
  CHECK(nobody.json()->getValue<std::string>("error") == "invalid_credentials");
}

TEST_CASE("a person changes the My Profile fields, company and email preferences included",
          "[gateway][console][slapd]") {
  Gateway gw;
  const std::string name = uniqueName("profile");
  const std::string session = testing::person(gw, name, "Agent");
  const std::string enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  const std::string ext = "urn:scimgate:params:scim:schemas:extension:2.0:User";
  auto changed = gw.request(
      "PATCH", "/scim/v2/Me",
      testing::patchBody(
          R"({"op":"replace","path":"nickName","value":"Ace"},)"
          R"({"op":"replace","path":"timezone","value":"Europe/Paris"},)"
          R"({"op":"add","path":"phoneNumbers","value":[{"type":"work","value":"+33 1 23"},)"
          R"({"type":"mobile","value":"+33 6 45"}]},)"
          R"({"op":"replace","path":")" +
          enterprise +
          R"(:organization","value":"Example SA"},)"
          R"({"op":"replace","path":")" +
          ext + R"(:emailPreferences","value":["ticketUpdates","newFeatures"]})"),
      session);
  INFO(changed.body);
  REQUIRE(changed.status == 200);
  auto me = gw.request("GET", "/scim/v2/Me", "", session).json();
  REQUIRE(me);
  CHECK(me->getValue<std::string>("nickName") == "Ace");
  CHECK(me->getValue<std::string>("timezone") == "Europe/Paris");
  CHECK(me->getObject(enterprise)->getValue<std::string>("organization") == "Example SA");
  const auto preferences = stringsOf(me->getObject(ext)->getArray("emailPreferences"));
  CHECK(preferences == std::set<std::string>{"ticketUpdates", "newFeatures"});
  CHECK(me->getArray("phoneNumbers")->size() == 2);

  SECTION("clearing the preferences keeps the rest of the profile") {
    auto cleared = gw.request(
        "PATCH", "/scim/v2/Me",
        testing::patchBody(R"({"op":"remove","path":")" + ext + R"(:emailPreferences"})"), session);
    INFO(cleared.body);
    REQUIRE(cleared.status == 200);
    auto after = gw.request("GET", "/scim/v2/Me", "", session).json();
    CHECK_FALSE(after->getObject(ext)->has("emailPreferences"));
    CHECK(after->getObject(enterprise)->getValue<std::string>("organization") == "Example SA");
  }
  SECTION("other extension attributes stay read-only, in words") {
    auto refused = gw.request(
        "PATCH", "/scim/v2/Me",
        testing::patchBody(R"({"op":"replace","path":")" + ext + R"(:skills","value":["x"]})"),
        session);
    CHECK(refused.status == 400);
    CHECK(testing::errorDetail(refused).find(":skills") != std::string::npos);
    auto department = gw.request("PATCH", "/scim/v2/Me",
                                 testing::patchBody(R"({"op":"replace","path":")" + enterprise +
                                                    R"(:department","value":"Sales"})"),
                                 session);
    CHECK(department.status == 400);
    CHECK(testing::errorDetail(department).find("organization") != std::string::npos);
  }
}
