// The gateway over real HTTP (port 0) in front of a real slapd (started by the CTest fixture).
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <sstream>
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
using testing::kToken;
using testing::patchBody;
using testing::Reply;

std::string userBody(const std::string& userName, const std::string& email,
                     const std::string& extra = "") {
  return R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":")" + userName +
         R"(","externalId":"ext-)" + userName +
         R"(","name":{"givenName":"Grace","familyName":"Hopper"},"displayName":"Grace Hopper",)"
         R"("emails":[{"value":")" +
         email + R"(","type":"work","primary":true}],"active":true)" + extra + "}";
}

void checkScimError(const Reply& reply, int status, const std::string& scimType) {
  CAPTURE(reply.body);
  CHECK(reply.status == status);
  CHECK(reply.contentType.rfind("application/scim+json", 0) == 0);
  auto json = reply.json();
  CHECK(json->getArray("schemas")->getElement<std::string>(0) ==
        "urn:ietf:params:scim:api:messages:2.0:Error");
  CHECK(json->getValue<std::string>("status") == std::to_string(status));
  if (scimType.empty()) {
    CHECK_FALSE(json->has("scimType"));
  } else {
    CHECK(json->getValue<std::string>("scimType") == scimType);
  }
  CHECK_FALSE(json->optValue<std::string>("detail", "").empty());
}

std::string peopleDn() { return "ou=people," + fixtureSlapd().suffix; }

}  // namespace

TEST_CASE("POST /Users creates the user in LDAP and answers 201 with Location and ETag",
          "[gateway][users][slapd]") {
  Gateway gw;
  const std::string name = "grace-" + uniqueSuffix();
  auto reply = gw.request("POST", "/scim/v2/Users", userBody(name, name + "@example.com"));
  REQUIRE(reply.status == 201);
  CHECK(reply.contentType.rfind("application/scim+json", 0) == 0);
  auto json = reply.json();
  const std::string id = json->getValue<std::string>("id");
  CHECK(reply.header("Location") ==
        "http://127.0.0.1:" + std::to_string(gw.port()) + "/scim/v2/Users/" + id);
  auto meta = json->getObject("meta");
  CHECK(meta->getValue<std::string>("resourceType") == "User");
  CHECK(meta->getValue<std::string>("location") == reply.header("Location"));
  CHECK(reply.header("ETag") == meta->getValue<std::string>("version"));
  CHECK_FALSE(meta->getValue<std::string>("created").empty());
  CHECK_FALSE(meta->getValue<std::string>("lastModified").empty());

  // What SCIM returned is what the directory holds.
  auto entries = ldapSearch(fixtureSlapd(), peopleDn(), userNameFilter(name));
  REQUIRE(entries.size() == 1);
  CHECK(idOf(entries.front()) == id);
  CHECK(entries.front().first(userNameAttribute()) == json->getValue<std::string>("userName"));
  CHECK(entries.front().first("givenName") ==
        json->getObject("name")->getValue<std::string>("givenName"));
  CHECK(entries.front().first("sn") ==
        json->getObject("name")->getValue<std::string>("familyName"));
  CHECK(entries.front().first("mail") ==
        json->getArray("emails")->getObject(0)->getValue<std::string>("value"));
  CHECK(entries.front().first("displayName") == "Grace Hopper");

  auto got = gw.request("GET", "/scim/v2/Users/" + id);
  REQUIRE(got.status == 200);
  CHECK(got.json()->getValue<std::string>("userName") == name);
  CHECK(got.header("ETag") == reply.header("ETag"));
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("requests with application/json are accepted", "[gateway][users][slapd]") {
  Gateway gw;
  const std::string name = "json-" + uniqueSuffix();
  auto reply = gw.request("POST", "/scim/v2/Users", userBody(name, name + "@example.com"), kToken,
                          "application/json; charset=utf-8");
  REQUIRE(reply.status == 201);
  CHECK(
      gw.request("DELETE", "/scim/v2/Users/" + reply.json()->getValue<std::string>("id")).status ==
      204);
}

TEST_CASE("GET /Users filters by userName and externalId", "[gateway][users][slapd]") {
  Gateway gw;
  const std::string name = "Filter-" + uniqueSuffix();
  auto created = gw.request("POST", "/scim/v2/Users", userBody(name, name + "@example.com"));
  REQUIRE(created.status == 201);
  const std::string id = created.json()->getValue<std::string>("id");

  std::string lowerName = name;
  for (auto& c : lowerName) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  SECTION("userName eq, case-insensitive, with + as space (as Entra ID sends it)") {
    auto reply = gw.request("GET", "/scim/v2/Users?filter=userName+eq+%22" + lowerName + "%22");
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    CHECK(json->getArray("schemas")->getElement<std::string>(0) ==
          "urn:ietf:params:scim:api:messages:2.0:ListResponse");
    CHECK(json->getValue<int>("totalResults") == 1);
    CHECK(json->getArray("Resources")->getObject(0)->getValue<std::string>("id") == id);
  }
  SECTION("externalId eq") {
    auto reply =
        gw.request("GET", "/scim/v2/Users?filter=externalId%20eq%20%22ext-" + name + "%22");
    REQUIRE(reply.status == 200);
    CHECK(reply.json()->getValue<int>("totalResults") == 1);
  }
  SECTION("no match gives totalResults 0 and an empty list") {
    auto reply =
        gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22nobody-" + name + "%22");
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    CHECK(json->getValue<int>("totalResults") == 0);
    CHECK(json->getArray("Resources")->size() == 0);
  }
  SECTION("a hostile value matches nothing") {
    auto reply =
        gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22%2A%29%28uid%3D%2A%22");
    REQUIRE(reply.status == 200);
    CHECK(reply.json()->getValue<int>("totalResults") == 0);
  }
  SECTION("a broken filter is 400 invalidFilter") {
    checkScimError(gw.request("GET", "/scim/v2/Users?filter=userName%20eq"), 400, "invalidFilter");
  }
  SECTION("an unknown attribute is 400 invalidFilter") {
    checkScimError(gw.request("GET", "/scim/v2/Users?filter=shoeSize%20eq%20%2242%22"), 400,
                   "invalidFilter");
  }
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

// Not on AD, whose mail holds one address: the others are found by the gateway.
TEST_CASE("every email is found by an emails.value filter the directory evaluates",
          "[gateway][users][slapd][not-ad]") {
  Gateway gw;
  const std::string name = "Mails-" + uniqueSuffix();
  const std::string home = name + "@home.example.org";
  auto created = gw.request("POST", "/scim/v2/Users",
                            R"({"userName":")" + name +
                                R"(","name":{"givenName":"Grace","familyName":"Hopper"},)"
                                R"("emails":[{"value":")" +
                                name +
                                R"(@example.com","type":"work","primary":true},)"
                                R"({"value":")" +
                                home + R"(","type":"home"}]})");
  REQUIRE(created.status == 201);
  const std::string id = created.json()->getValue<std::string>("id");

  // The directory holds both addresses in mail, the primary first.
  auto mail = ldapSearch(fixtureSlapd(), peopleDn(), userNameFilter(name), {"mail"});
  REQUIRE(mail.size() == 1);
  CHECK(mail.front().attributes["mail"] == std::vector<std::string>{name + "@example.com", home});

  for (const std::string& filter : {"emails.value%20eq%20%22" + home + "%22",
                                    "emails%5Bvalue%20co%20%22" + name + "%40home%22%5D",
                                    "emails.value%20ew%20%22" + name + "%40home.example.org%22"}) {
    CAPTURE(filter);
    auto reply = gw.request("GET", "/scim/v2/Users?filter=" + filter);
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    REQUIRE(json->getValue<int>("totalResults") == 1);
    CHECK(json->getArray("Resources")->getObject(0)->getValue<std::string>("id") == id);
  }
  // The type and primary flags come back as they were written.
  auto read = gw.request("GET", "/scim/v2/Users/" + id);
  auto emails = read.json()->getArray("emails");
  REQUIRE(emails->size() == 2);
  CHECK(emails->getObject(0)->getValue<bool>("primary"));
  CHECK(emails->getObject(1)->getValue<std::string>("type") == "home");
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("a duplicate userName is 409 uniqueness", "[gateway][users][slapd]") {
  Gateway gw;
  const std::string name = "twice-" + uniqueSuffix();
  auto first = gw.request("POST", "/scim/v2/Users", userBody(name, name + "@example.com"));
  REQUIRE(first.status == 201);
  checkScimError(gw.request("POST", "/scim/v2/Users", userBody(name, "x" + name + "@example.com")),
                 409, "uniqueness");
  CHECK(
      gw.request("DELETE", "/scim/v2/Users/" + first.json()->getValue<std::string>("id")).status ==
      204);
}

TEST_CASE("unknown users are 404 with a SCIM error body", "[gateway][users][slapd]") {
  Gateway gw;
  checkScimError(gw.request("GET", "/scim/v2/Users/00000000-0000-0000-0000-000000000000"), 404, "");
  checkScimError(gw.request("DELETE", "/scim/v2/Users/00000000-0000-0000-0000-000000000000"), 404,
                 "");
  checkScimError(gw.request("GET", "/scim/v2/Users/not-an-id"), 404, "");
}

TEST_CASE("DELETE removes the entry from the directory", "[gateway][users][slapd]") {
  Gateway gw;
  const std::string name = "bye-" + uniqueSuffix();
  auto created = gw.request("POST", "/scim/v2/Users", userBody(name, name + "@example.com"));
  REQUIRE(created.status == 201);
  const std::string id = created.json()->getValue<std::string>("id");
  auto deleted = gw.request("DELETE", "/scim/v2/Users/" + id);
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());
  CHECK(ldapSearch(fixtureSlapd(), peopleDn(), byId(id)).empty());
  CHECK(gw.request("GET", "/scim/v2/Users/" + id).status == 404);
}

TEST_CASE("every SCIM endpoint needs a valid bearer token", "[gateway][auth][slapd]") {
  Gateway gw;
  for (const char* path : {"/scim/v2/Users", "/scim/v2/Schemas", "/scim/v2/ServiceProviderConfig",
                           "/scim/v2/ResourceTypes"}) {
    CAPTURE(path);
    auto missing = gw.request("GET", path, "", "");
    checkScimError(missing, 401, "");
    CHECK(missing.header("WWW-Authenticate").rfind("Bearer", 0) == 0);
    checkScimError(gw.request("GET", path, "", "wrong-token"), 401, "");
  }
  checkScimError(gw.request("POST", "/scim/v2/Users", userBody("x", "x@example.com"), "nope"), 401,
                 "");
}

TEST_CASE("malformed, oversized and too deep bodies are refused", "[gateway][users][slapd]") {
  Gateway gw;
  checkScimError(gw.request("POST", "/scim/v2/Users", R"({"userName": )"), 400, "invalidSyntax");
  checkScimError(gw.request("POST", "/scim/v2/Users", "[1,2]"), 400, "invalidSyntax");
  checkScimError(gw.request("POST", "/scim/v2/Users", std::string(100 * 1024, ' ') + "{}"), 413,
                 "");
  std::string deep =
      R"({"userName":"deep","x":)" + std::string(200, '[') + std::string(200, ']') + "}";
  checkScimError(gw.request("POST", "/scim/v2/Users", deep), 400, "invalidSyntax");
}

TEST_CASE("invalid user bodies are 400 invalidValue and write nothing", "[gateway][users][slapd]") {
  Gateway gw;
  const std::string name = "bad-" + uniqueSuffix();
  checkScimError(gw.request("POST", "/scim/v2/Users", R"({"displayName":"no userName"})"), 400,
                 "invalidValue");
  // userBody already sends "active": true, and a second "active" would be a duplicate key.
  std::string maybe = userBody(name, name + "@example.com");
  const std::string active = R"("active":true)";
  maybe.replace(maybe.find(active), active.size(), R"("active":"maybe")");
  checkScimError(gw.request("POST", "/scim/v2/Users", maybe), 400, "invalidValue");
  CHECK(ldapSearch(fixtureSlapd(), peopleDn(), userNameFilter(name)).empty());
}

TEST_CASE("a password on create is set, never returned and never logged",
          "[gateway][users][slapd]") {
  Gateway gw;
  const std::string name = "secret-" + uniqueSuffix();
  const std::string password = "Sup3r-Hidden-9xQ!";
  testing::StandardErrorCapture captured;
  auto reply =
      gw.request("POST", "/scim/v2/Users",
                 userBody(name, name + "@example.com", R"(,"password":")" + password + "\""));
  const std::string logged = captured.textOnceItHas(R"("status":201)");
  REQUIRE(reply.status == 201);
  CHECK(reply.body.find(password) == std::string::npos);
  CHECK(reply.body.find("password") == std::string::npos);
  CHECK(logged.find(password) == std::string::npos);
  // The request was logged, not its secrets.
  CHECK(logged.find(R"("method":"POST")") != std::string::npos);

  const std::string dn = userDn(name);
  const std::string bind = "ldapsearch -x -b '' -s base -H " + fixtureSlapd().url + " -D '" + dn +
                           "' -w '" + password + "' > /dev/null 2>&1";
  CHECK(std::system(bind.c_str()) == 0);
  CHECK(
      gw.request("DELETE", "/scim/v2/Users/" + reply.json()->getValue<std::string>("id")).status ==
      204);
}

TEST_CASE("discovery endpoints describe the User resource", "[gateway][discovery][slapd]") {
  Gateway gw;
  auto spc = gw.request("GET", "/scim/v2/ServiceProviderConfig");
  REQUIRE(spc.status == 200);
  auto config = spc.json();
  CHECK(config->getObject("filter")->getValue<bool>("supported"));
  CHECK(config->getObject("etag")->getValue<bool>("supported"));
  CHECK(config->getArray("authenticationSchemes")->size() == 1);

  auto schemas = gw.request("GET", "/scim/v2/Schemas");
  REQUIRE(schemas.status == 200);
  CHECK(schemas.json()->getValue<int>("totalResults") ==
        5);  // User, Enterprise, scimgate User, Group, scimgate Group
  auto user = gw.request("GET", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
  REQUIRE(user.status == 200);
  CHECK(user.json()->getValue<std::string>("name") == "User");
  checkScimError(gw.request("GET", "/scim/v2/Schemas/urn:nope"), 404, "");

  auto types = gw.request("GET", "/scim/v2/ResourceTypes");
  REQUIRE(types.status == 200);
  auto userType = types.json()->getArray("Resources")->getObject(0);
  CHECK(userType->getValue<std::string>("endpoint") == "/Users");
  CHECK(userType->getArray("schemaExtensions")->size() == 2);
  CHECK(gw.request("GET", "/scim/v2/ResourceTypes/User").status == 200);
}

TEST_CASE("health and readiness report the directory", "[gateway][health][slapd]") {
  Gateway gw;
  CHECK(gw.request("GET", "/healthz", "", "").status == 200);
  CHECK(gw.request("GET", "/readyz", "", "").status == 200);

  auto cfg = Gateway::defaultConfig();
  cfg.ldap.uris = {"ldap://127.0.0.1:1"};
  Gateway down(cfg);
  CHECK(down.request("GET", "/healthz", "", "").status == 200);
  auto ready = down.request("GET", "/readyz", "", "");
  CHECK(ready.status == 503);
  CHECK_FALSE(ready.header("Retry-After").empty());
  auto users = down.request("GET", "/scim/v2/Users");
  checkScimError(users, 503, "");
  CHECK_FALSE(users.header("Retry-After").empty());
}

TEST_CASE("unsupported methods and unknown paths get clear answers", "[gateway][slapd]") {
  Gateway gw;
  auto reply = gw.request("DELETE", "/scim/v2/Users");
  CHECK(reply.status == 405);
  CHECK(reply.header("Allow") == "GET, POST");
  checkScimError(gw.request("GET", "/scim/v2/Nope"), 404, "");
  checkScimError(gw.request("GET", "/elsewhere"), 404, "");
}

TEST_CASE("an unread request body does not leak into the next request on the connection",
          "[gateway][slapd]") {
  Gateway gw;
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gw.port()));
  session.setKeepAlive(true);
  auto send = [&](const std::string& method, const std::string& path, const std::string& body) {
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    req.set("Authorization", std::string("Bearer ") + kToken);
    if (!body.empty()) {
      req.setContentType("application/scim+json");
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::string text;
    Poco::StreamCopier::copyToString(session.receiveResponse(res), text);
    return static_cast<int>(res.getStatus());
  };
  // Okta's discovery checks POST to read-only endpoints, then GET on the same connection.
  CHECK(send("POST", "/scim/v2/Schemas", R"({"schemas":["urn:x"],"name":"not allowed"})") == 405);
  CHECK(send("GET", "/scim/v2/Schemas", "") == 200);
}

namespace {

std::string createdId(Gateway& gw, const std::string& name) {
  auto reply = gw.request("POST", "/scim/v2/Users", userBody(name, name + "@example.com"));
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

}  // namespace

TEST_CASE("PATCH applies operations, answers 200 with the resource and writes LDAP",
          "[gateway][patch][slapd]") {
  Gateway gw;
  const std::string name = "patch-" + uniqueSuffix();
  const std::string id = createdId(gw, name);

  auto reply =
      gw.request("PATCH", "/scim/v2/Users/" + id,
                 patchBody(R"({"op":"Replace","path":"displayName","value":"Amazing Grace"},
                                       {"op":"add","path":"title","value":"Rear Admiral"})"));
  REQUIRE(reply.status == 200);
  CHECK(reply.json()->getValue<std::string>("displayName") == "Amazing Grace");
  CHECK(reply.header("ETag") == reply.json()->getObject("meta")->getValue<std::string>("version"));
  auto entry = ldapSearch(fixtureSlapd(), peopleDn(), byId(id));
  REQUIRE(entry.size() == 1);
  CHECK(entry.front().first("displayName") == "Amazing Grace");
  CHECK(entry.front().first("title") == "Rear Admiral");

  SECTION("deactivation with a boolean string (Entra ID) locks the account; reactivation unlocks") {
    auto off = gw.request("PATCH", "/scim/v2/Users/" + id,
                          patchBody(R"({"op":"Replace","path":"active","value":"False"})"));
    REQUIRE(off.status == 200);
    CHECK_FALSE(off.json()->getValue<bool>("active"));
    auto locked =
        ldapSearch(fixtureSlapd(), peopleDn(), byId(id), {lockAttribute(), "scimgateStatus"});
    CHECK(isLocked(locked.front()));
    CHECK(locked.front().first("scimgateStatus") == "inactive");

    auto on = gw.request("PATCH", "/scim/v2/Users/" + id,
                         patchBody(R"({"op":"replace","value":{"active":true}})"));
    REQUIRE(on.status == 200);
    CHECK(on.json()->getValue<bool>("active"));
    auto unlocked = ldapSearch(fixtureSlapd(), peopleDn(), byId(id), {lockAttribute()});
    // Unlocked, except on AD, where a user without a password (pending) stays disabled.
    CHECK(isLocked(unlocked.front()) == fixtureProfile().lockUntilPassword);
  }
  SECTION("a failing operation applies nothing") {
    auto bad = gw.request("PATCH", "/scim/v2/Users/" + id,
                          patchBody(R"({"op":"replace","path":"displayName","value":"Changed"},
                                       {"op":"remove","path":"emails[type eq \"home\"]"})"));
    checkScimError(bad, 400, "noTarget");
    CHECK(ldapSearch(fixtureSlapd(), peopleDn(), byId(id)).front().first("displayName") ==
          "Amazing Grace");
  }
  SECTION("read-only attributes give mutability") {
    checkScimError(gw.request("PATCH", "/scim/v2/Users/" + id,
                              patchBody(R"({"op":"replace","path":"groups","value":[]})")),
                   400, "mutability");
  }
  SECTION("userName is immutable by default") {
    checkScimError(gw.request("PATCH", "/scim/v2/Users/" + id,
                              patchBody(R"({"op":"replace","path":"userName","value":"x"})")),
                   400, "mutability");
  }
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("a rename keeps the id when the deployment allows renames", "[gateway][patch][slapd]") {
  auto cfg = Gateway::defaultConfig();
  cfg.scim.userNameImmutable = false;
  Gateway gw(cfg);
  const std::string name = "old-" + uniqueSuffix();
  const std::string id = createdId(gw, name);
  // On AD the part before '@' is also the logon name, which refuses ',' and '+'.
  const std::string renamed =
      std::string(fixtureProfile().accountNames ? "new@" : "new") + ", name+" + uniqueSuffix();
  auto reply =
      gw.request("PATCH", "/scim/v2/Users/" + id,
                 patchBody(R"({"op":"replace","path":"userName","value":")" + renamed + R"("})"));
  REQUIRE(reply.status == 200);
  CHECK(reply.json()->getValue<std::string>("id") == id);
  CHECK(reply.json()->getValue<std::string>("userName") == renamed);
  auto entries = ldapSearch(fixtureSlapd(), peopleDn(), byId(id), {userNameAttribute()});
  REQUIRE(entries.size() == 1);
  CHECK(entries.front().first(userNameAttribute()) == renamed);
  // slapd normalises the escapes in the DN (\2C for \,): compare the parts, not the spelling.
  const std::string dn = testing::lowerAll({entries.front().dn}).front();
  const std::string people = testing::lowerAll({peopleDn()}).front();
  CHECK(dn.rfind(fixtureProfile().userRdnAttribute + "=new", 0) == 0);
  CHECK(dn.find("," + people) != std::string::npos);

  const std::string other = "other-" + uniqueSuffix();
  const std::string otherId = createdId(gw, other);
  checkScimError(
      gw.request("PATCH", "/scim/v2/Users/" + otherId,
                 patchBody(R"({"op":"replace","path":"userName","value":")" + renamed + R"("})")),
      409, "uniqueness");
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + otherId).status == 204);
}

TEST_CASE("PUT replaces the user: attributes left out are removed", "[gateway][put][slapd]") {
  Gateway gw;
  const std::string name = "put-" + uniqueSuffix();
  const std::string id = createdId(gw, name);
  const std::string body =
      R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"ignored",)"
      R"("userName":")" +
      name +
      R"(","name":{"givenName":"Grace"},)"
      R"("emails":[{"value":")" +
      name + R"(@example.com","primary":true}],"title":"CTO"})";
  auto reply = gw.request("PUT", "/scim/v2/Users/" + id, body);
  REQUIRE(reply.status == 200);
  auto json = reply.json();
  CHECK(json->getValue<std::string>("id") == id);
  CHECK_FALSE(json->has("displayName"));
  CHECK(json->getValue<std::string>("title") == "CTO");
  auto entry = ldapSearch(fixtureSlapd(), peopleDn(), byId(id));
  CHECK(entry.front().first("displayName").empty());
  CHECK(entry.front().first("title") == "CTO");

  checkScimError(
      gw.request("PUT", "/scim/v2/Users/" + id,
                 R"({"userName":")" + name + R"(","emails":[{"value":"new@example.com"}]})"),
      400, "mutability");
  checkScimError(gw.request("PUT", "/scim/v2/Users/00000000-0000-0000-0000-000000000000", body),
                 404, "");
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("ETags: If-None-Match gives 304, a stale If-Match gives 412", "[gateway][etag][slapd]") {
  Gateway gw;
  const std::string name = "etag-" + uniqueSuffix();
  const std::string id = createdId(gw, name);
  auto got = gw.request("GET", "/scim/v2/Users/" + id);
  const std::string etag = got.header("ETag");
  REQUIRE_FALSE(etag.empty());

  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gw.port()));
  auto withHeader = [&](const std::string& method, const std::string& header,
                        const std::string& value, const std::string& body) {
    Poco::Net::HTTPRequest req(method, "/scim/v2/Users/" + id, Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Authorization", std::string("Bearer ") + kToken);
    req.set(header, value);
    if (!body.empty()) req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::string text;
    Poco::StreamCopier::copyToString(session.receiveResponse(res), text);
    return static_cast<int>(res.getStatus());
  };
  CHECK(withHeader("GET", "If-None-Match", etag, "") == 304);
  CHECK(withHeader("GET", "If-None-Match", "W/\"other\"", "") == 200);
  const std::string patch = patchBody(R"({"op":"replace","path":"title","value":"One"})");
  CHECK(withHeader("PATCH", "If-Match", etag, patch) == 200);
  // The first write changed the version: the same ETag is now stale.
  CHECK(withHeader("PATCH", "If-Match", etag, patch) == 412);
  CHECK(withHeader("DELETE", "If-Match", etag, "") == 412);
  CHECK(gw.request("GET", "/scim/v2/Users/" + id).status == 200);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("two concurrent writers with the same ETag: exactly one wins", "[gateway][etag][slapd]") {
  Gateway gw;
  const std::string name = "race-" + uniqueSuffix();
  const std::string id = createdId(gw, name);
  const std::string etag = gw.request("GET", "/scim/v2/Users/" + id).header("ETag");
  std::vector<int> statuses(2);
  std::vector<std::thread> writers;
  for (int i = 0; i < 2; ++i) {
    writers.emplace_back([&, i] {
      Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(gw.port()));
      const std::string body = patchBody(R"({"op":"replace","path":"title","value":"writer )" +
                                         std::to_string(i) + "\"}");
      Poco::Net::HTTPRequest req("PATCH", "/scim/v2/Users/" + id, Poco::Net::HTTPMessage::HTTP_1_1);
      req.set("Authorization", std::string("Bearer ") + kToken);
      req.set("If-Match", etag);
      req.setContentLength(static_cast<std::streamsize>(body.size()));
      session.sendRequest(req) << body;
      Poco::Net::HTTPResponse res;
      std::string text;
      Poco::StreamCopier::copyToString(session.receiveResponse(res), text);
      statuses[static_cast<std::size_t>(i)] = static_cast<int>(res.getStatus());
    });
  }
  for (auto& w : writers) w.join();
  std::sort(statuses.begin(), statuses.end());
  CHECK(statuses == std::vector<int>{200, 412});
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("lists sort and page in the directory, also through POST .search",
          "[gateway][list][slapd]") {
  Gateway gw;
  const std::string prefix = "page-" + uniqueSuffix() + "-";
  std::vector<std::string> ids;
  for (const char* letter : {"c", "a", "e", "b", "d"})
    ids.push_back(createdId(gw, prefix + letter));
  auto names = [](const Object::Ptr& json) {
    std::vector<std::string> out;
    auto resources = json->getArray("Resources");
    for (unsigned int i = 0; i < resources->size(); ++i) {
      out.push_back(resources->getObject(i)->getValue<std::string>("userName"));
    }
    return out;
  };
  const std::string filter = "filter=userName%20sw%20%22" + prefix + "%22";
  auto page = gw.request("GET", "/scim/v2/Users?" + filter +
                                    "&sortBy=userName&sortOrder=descending&startIndex=2&count=2");
  REQUIRE(page.status == 200);
  auto json = page.json();
  CHECK(json->getValue<int>("totalResults") == 5);
  CHECK(json->getValue<int>("startIndex") == 2);
  CHECK(json->getValue<int>("itemsPerPage") == 2);
  CHECK(names(json) == std::vector<std::string>{prefix + "d", prefix + "c"});

  auto onlyTotal = gw.request("GET", "/scim/v2/Users?" + filter + "&count=0");
  CHECK(onlyTotal.json()->getValue<int>("totalResults") == 5);
  CHECK(onlyTotal.json()->getArray("Resources")->size() == 0);

  auto pastEnd = gw.request("GET", "/scim/v2/Users?" + filter + "&startIndex=9");
  CAPTURE(pastEnd.body);
  CHECK(pastEnd.json()->getValue<int>("totalResults") == 5);
  CHECK(pastEnd.json()->getArray("Resources")->size() == 0);

  auto search = gw.request("POST", "/scim/v2/Users/.search",
                           R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],)"
                           R"("filter":"userName sw \")" +
                               prefix + R"(\"","sortBy":"userName","count":3})");
  REQUIRE(search.status == 200);
  CHECK(names(search.json()) == std::vector<std::string>{prefix + "a", prefix + "b", prefix + "c"});
  auto rootSearch = gw.request("POST", "/scim/v2/.search",
                               R"({"filter":"userName sw \")" + prefix + R"(\"","startIndex":5})");
  REQUIRE(rootSearch.status == 200);
  CHECK(names(rootSearch.json()) == std::vector<std::string>{prefix + "e"});

  // A projection shows (and reads) only what was asked for.
  auto projected = gw.request("GET", "/scim/v2/Users?" + filter + "&attributes=userName&count=1");
  REQUIRE(projected.status == 200);
  auto only = projected.json()->getArray("Resources")->getObject(0);
  CHECK(only->has("id"));
  CHECK(only->has("userName"));
  CHECK_FALSE(only->has("emails"));
  CHECK_FALSE(only->has("name"));
  auto excluded =
      gw.request("GET", "/scim/v2/Users?" + filter + "&excludedAttributes=emails,meta&count=1");
  auto rest = excluded.json()->getArray("Resources")->getObject(0);
  CHECK(rest->has("name"));
  CHECK_FALSE(rest->has("emails"));
  CHECK_FALSE(rest->has("meta"));
  auto single = gw.request("GET", "/scim/v2/Users/" + ids.front() + "?attributes=name.familyName");
  CHECK(single.json()->getObject("name")->getValue<std::string>("familyName") == "Hopper");
  CHECK_FALSE(single.json()->getObject("name")->has("givenName"));

  checkScimError(gw.request("GET", "/scim/v2/Users?sortBy=shoeSize"), 400, "invalidValue");
  checkScimError(gw.request("GET", "/scim/v2/Users?sortOrder=sideways"), 400, "invalidValue");
  for (const auto& id : ids) CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("cursor pagination (RFC 9865) walks every user once and rejects foreign cursors",
          "[gateway][list][slapd]") {
  Gateway gw;
  const std::string prefix = "cursor-" + uniqueSuffix() + "-";
  std::vector<std::string> ids;
  for (const char* letter : {"c", "a", "e", "b", "d"})
    ids.push_back(createdId(gw, prefix + letter));
  const std::string query = "/scim/v2/Users?filter=userName%20sw%20%22" + prefix + "%22&count=2";
  std::vector<std::string> seen;
  std::string cursor;
  for (int guard = 0; guard < 10; ++guard) {
    auto reply = gw.request("GET", query + "&cursor=" + cursor);
    REQUIRE(reply.status == 200);
    auto json = reply.json();
    CHECK(json->getValue<int>("totalResults") == 5);
    CHECK_FALSE(json->has("startIndex"));
    auto resources = json->getArray("Resources");
    for (unsigned int i = 0; i < resources->size(); ++i) {
      seen.push_back(resources->getObject(i)->getValue<std::string>("userName"));
    }
    if (!json->has("nextCursor")) break;
    cursor = json->getValue<std::string>("nextCursor");
  }
  CHECK(seen == std::vector<std::string>{prefix + "a", prefix + "b", prefix + "c", prefix + "d",
                                         prefix + "e"});

  checkScimError(gw.request("GET", query + "&cursor=garbage"), 400, "invalidCursor");
  auto first = gw.request("GET", query + "&cursor=").json()->getValue<std::string>("nextCursor");
  checkScimError(gw.request("GET", "/scim/v2/Users?count=2&cursor=" + first), 400, "invalidCursor");
  checkScimError(gw.request("GET", query + "&cursor=&startIndex=2"), 400, "invalidValue");
  auto config = gw.request("GET", "/scim/v2/ServiceProviderConfig").json();
  CHECK(config->getObject("pagination")->getValue<bool>("cursor"));
  for (const auto& id : ids) CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE(
    "filters on attributes the directory cannot compare are evaluated over a bounded "
    "candidate set",
    "[gateway][list][slapd]") {
  auto cfg = Gateway::defaultConfig();
  cfg.ldap.maxResults = 2;  // the directory also holds demo-admin: an unnarrowed filter sees 3+
  Gateway gw(cfg);
  const std::string prefix = "addr-" + uniqueSuffix() + "-";
  std::vector<std::string> ids;
  for (const char* city : {"Paris", "Lyon"}) {
    const std::string name = prefix + city;
    auto reply = gw.request(
        "POST", "/scim/v2/Users",
        userBody(name, name + "@example.com",
                 std::string(R"(,"addresses":[{"type":"work","locality":")") + city + R"("}])"));
    REQUIRE(reply.status == 201);
    ids.push_back(reply.json()->getValue<std::string>("id"));
  }
  const std::string narrow = "userName%20sw%20%22" + prefix + "%22%20and%20";
  auto paris = gw.request(
      "GET", "/scim/v2/Users?filter=" + narrow +
                 "addresses%5Btype%20eq%20%22work%22%20and%20locality%20eq%20%22paris%22%5D");
  REQUIRE(paris.status == 200);
  CHECK(paris.json()->getValue<int>("totalResults") == 1);
  CHECK(paris.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id") == ids[0]);

  auto sorted = gw.request("GET", "/scim/v2/Users?filter=" + narrow +
                                      "addresses.locality%20pr&sortBy=addresses.locality");
  REQUIRE(sorted.status == 200);
  CHECK(sorted.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id") == ids[1]);

  // Without a narrowing part every user is a candidate: more than ldap.maxResults is tooMany.
  checkScimError(gw.request("GET", "/scim/v2/Users?filter=addresses.locality%20eq%20%22Paris%22"),
                 400, "tooMany");
  // Never-returned attributes cannot be probed through filters.
  checkScimError(gw.request("GET", "/scim/v2/Users?filter=password%20eq%20%22x%22"), 400,
                 "invalidFilter");
  for (const auto& id : ids) CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("status and role filters are answered by the directory, however many users match",
          "[gateway][list][slapd]") {
  auto cfg = Gateway::defaultConfig();
  cfg.ldap.maxResults = 2;  // evaluating these in memory would be tooMany: the fixture has more
  Gateway gw(cfg);
  const std::string prefix = "state-" + uniqueSuffix() + "-";
  auto create = [&](const std::string& name, const std::string& extra) {
    auto reply = gw.request("POST", "/scim/v2/Users",
                            R"({"userName":")" + prefix + name + "\"" + extra + "}");
    REQUIRE(reply.status == 201);
    return reply.json()->getValue<std::string>("id");
  };
  const std::string password = R"(,"password":"Correct-Horse-42!")";
  const std::string active = create("active", password);
  const std::string pending = create("pending", "");
  const std::string inactive = create("inactive", password + R"(,"active":false)");
  const std::string manager = create("manager", password + R"(,"roles":[{"value":"Manager"}])");
  auto encodeQuery = [](const std::string& text) {
    std::string out;
    Poco::URI::encode(text, "&=+?#\"", out);
    return out;
  };
  const std::string ext = "urn:scimgate:params:scim:schemas:extension:2.0:User";
  auto ids = [&](const std::string& filter) {
    auto reply =
        gw.request("GET", "/scim/v2/Users?count=50&filter=" +
                              encodeQuery("userName sw \"" + prefix + "\" and (" + filter + ")"));
    INFO(filter << " -> " << reply.body);
    REQUIRE(reply.status == 200);
    std::set<std::string> found;
    auto resources = reply.json()->getArray("Resources");
    for (std::size_t i = 0; resources && i < resources->size(); ++i) {
      found.insert(resources->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    }
    return found;
  };
  CHECK(ids(ext + ":status eq \"active\"") == std::set<std::string>{active, manager});
  CHECK(ids(ext + ":status eq \"Inactive\"") == std::set<std::string>{inactive});
  CHECK(ids(ext + ":status eq \"pending\"") == std::set<std::string>{pending});
  CHECK(ids(ext + ":status ne \"active\"") == std::set<std::string>{inactive, pending});
  CHECK(ids(ext + ":status eq \"archived\"").empty());
  CHECK(ids("roles.value eq \"Manager\"") == std::set<std::string>{manager});
  CHECK(ids("roles eq \"manager\"") == std::set<std::string>{manager});
  CHECK(ids("roles[value eq \"Manager\"]") == std::set<std::string>{manager});
  CHECK(ids("roles.value eq \"Viewer\"") == std::set<std::string>{active, pending, inactive});
  CHECK(ids("roles.value eq \"Nobody\"").empty());
  CHECK(ids("not (roles.value eq \"Manager\")") ==
        std::set<std::string>{active, pending, inactive});

  // Without the userName part: every user of the directory is a candidate, more than
  // ldap.maxResults, and the directory still answers.
  for (const std::string& filter :
       {ext + ":status eq \"active\"", std::string("roles.value eq \"Viewer\"")}) {
    CAPTURE(filter);
    auto all = gw.request("GET", "/scim/v2/Users?count=1&filter=" + encodeQuery(filter));
    CHECK(all.status == 200);
    CHECK(all.json()->getValue<int>("totalResults") >= 3);
  }
  for (const auto& id : {active, pending, inactive, manager}) {
    CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  }
}

TEST_CASE("an id filter finds the user on every directory, whatever the comparison",
          "[gateway][list][slapd]") {
  // eq and ne go to the directory in its own form of the id (389: nsUniqueId's grouping); sw and
  // the others compare the SCIM form, among the users the rest of the filter selects.
  Gateway gw;
  const std::string name = "idf-" + uniqueSuffix();
  const std::string id = createdId(gw, name);
  const std::string byName = "userName%20eq%20%22" + name + "%22";
  auto count = [&](const std::string& filter) {
    auto reply = gw.request("GET", "/scim/v2/Users?filter=" + filter);
    CAPTURE(filter, reply.body);
    REQUIRE(reply.status == 200);
    return reply.json()->getValue<int>("totalResults");
  };
  CHECK(count("id%20eq%20%22" + id + "%22") == 1);
  CHECK(count(byName + "%20and%20id%20ne%20%22" + id + "%22") == 0);
  CHECK(count(byName + "%20and%20id%20sw%20%22" + id.substr(0, 13) + "%22") == 1);
  CHECK(count(byName + "%20and%20id%20sw%20%22" + std::string("zz") + "%22") == 0);
  CHECK(count("id%20eq%20%22not-an-id%22") == 0);
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}
