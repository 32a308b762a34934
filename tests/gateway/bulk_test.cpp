// POST /Bulk (RFC 7644 3.7) against the fixture's directory.
#include <Poco/JSON/Array.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/api.h"
#include "support/gateway.h"
#include "support/slapd.h"

namespace {

using namespace scimgate;
using testing::createUser;
using testing::Gateway;
using testing::uniqueSuffix;

std::string bulkBody(const std::string& operations, const std::string& extra = "") {
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"])" + extra +
         R"(,"Operations":[)" + operations + "]}";
}

std::string userData(const std::string& name) {
  return R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":")" + name +
         R"(","name":{"givenName":"Bulk","familyName":"Person"},"emails":[{"value":")" + name +
         R"(@example.com","primary":true}]})";
}

std::string groupData(const std::string& name, const std::string& memberValue) {
  return R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":")" + name +
         R"(","members":[{"value":")" + memberValue + R"("}]})";
}

// The response's operations, in the order answered.
Poco::JSON::Array::Ptr operationsOf(const testing::Reply& reply) {
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  const auto json = reply.json();
  REQUIRE(json->getArray("schemas")->getElement<std::string>(0) ==
          "urn:ietf:params:scim:api:messages:2.0:BulkResponse");
  return json->getArray("Operations");
}

std::string statusOf(const Poco::JSON::Array::Ptr& ops, unsigned int index) {
  return ops->getObject(index)->getValue<std::string>("status");
}

int usersNamed(Gateway& gw, const std::string& name) {
  const auto reply = gw.request("GET", "/scim/v2/Users?filter=userName%20eq%20%22" + name + "%22");
  REQUIRE(reply.status == 200);
  return reply.json()->getValue<int>("totalResults");
}

}  // namespace

TEST_CASE("Bulk: a user created and put in a new group by bulkId in one request",
          "[gateway][bulk]") {
  Gateway gw;
  const std::string user = "bulk-user-" + uniqueSuffix();
  const std::string group = "bulk-group-" + uniqueSuffix();
  // The group comes first and refers to the user created after it: it waits for it.
  const auto reply = gw.request(
      "POST", "/scim/v2/Bulk",
      bulkBody(R"({"method":"POST","path":"/Groups","bulkId":"g1","data":)" +
               groupData(group, "bulkId:u1") + "}," +
               R"({"method":"POST","path":"/Users","bulkId":"u1","data":)" + userData(user) + "}"));
  const auto ops = operationsOf(reply);
  REQUIRE(ops->size() == 2);
  for (unsigned int i = 0; i < 2; ++i) {
    const auto op = ops->getObject(i);
    INFO(reply.body);
    CHECK(op->getValue<std::string>("method") == "POST");
    CHECK(op->getValue<std::string>("status") == "201");
    CHECK(op->getValue<std::string>("location").find("/scim/v2/") != std::string::npos);
    CHECK_FALSE(op->optValue<std::string>("version", "").empty());
  }
  // Answered in request order, each with its bulkId.
  CHECK(ops->getObject(0)->getValue<std::string>("bulkId") == "g1");
  CHECK(ops->getObject(1)->getValue<std::string>("bulkId") == "u1");
  const std::string userLocation = ops->getObject(1)->getValue<std::string>("location");
  const std::string userId = userLocation.substr(userLocation.rfind('/') + 1);
  const std::string groupLocation = ops->getObject(0)->getValue<std::string>("location");
  const auto read =
      gw.request("GET", "/scim/v2/Groups/" + groupLocation.substr(groupLocation.rfind('/') + 1));
  REQUIRE(read.status == 200);
  const auto members = read.json()->getArray("members");
  REQUIRE(members);
  REQUIRE(members->size() == 1);
  CHECK(members->getObject(0)->getValue<std::string>("value") == userId);

  // PATCH, PUT (with its version as If-Match) and DELETE of what exists.
  const auto etag = gw.request("GET", "/scim/v2/Users/" + userId).header("ETag");
  const auto later = gw.request(
      "POST", "/scim/v2/Bulk",
      bulkBody(R"({"method":"PATCH","path":"/Users/)" + userId +
               R"(","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],)"
               R"("Operations":[{"op":"replace","path":"displayName","value":"Renamed"}]}},)"
               R"({"method":"PUT","path":"/Users/)" +
               userId + R"(","version":"W/\"stale\"","data":)" + userData(user) + "}," +
               R"({"method":"DELETE","path":"/Users/)" + userId + R"("})"));
  const auto laterOps = operationsOf(later);
  REQUIRE(laterOps->size() == 3);
  CHECK(statusOf(laterOps, 0) == "200");
  CHECK(statusOf(laterOps, 1) == "412");  // the version is not the user's
  CHECK(statusOf(laterOps, 2) == "204");
  CHECK(etag != "");
  CHECK(gw.request("GET", "/scim/v2/Users/" + userId).status == 404);
}

TEST_CASE(
    "Bulk: each failed operation has its own status and error, and failOnErrors stops the rest",
    "[gateway][bulk]") {
  Gateway gw;
  const std::string after = "bulk-after-" + uniqueSuffix();
  const std::string operations =
      R"({"method":"POST","path":"/Users","bulkId":"bad","data":{"schemas":)"
      R"(["urn:ietf:params:scim:schemas:core:2.0:User"]}},)"
      R"({"method":"PATCH","path":"/Users/no-such-user","data":{"schemas":)"
      R"(["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace",)"
      R"("path":"displayName","value":"x"}]}},)"
      R"({"method":"POST","path":"/Users","bulkId":"good","data":)" +
      userData(after) + "}";
  const auto stopped = operationsOf(
      gw.request("POST", "/scim/v2/Bulk", bulkBody(operations, R"(,"failOnErrors":2)")));
  REQUIRE(stopped->size() == 2);
  CHECK(statusOf(stopped, 0) == "400");
  const auto error = stopped->getObject(0)->getObject("response");
  REQUIRE(error);
  CHECK(error->getValue<std::string>("status") == "400");
  CHECK(error->getValue<std::string>("detail").find("userName") != std::string::npos);
  CHECK(statusOf(stopped, 1) == "404");
  CHECK(usersNamed(gw, after) == 0);  // never attempted

  const auto all = operationsOf(gw.request("POST", "/scim/v2/Bulk", bulkBody(operations)));
  REQUIRE(all->size() == 3);
  CHECK(statusOf(all, 2) == "201");
  CHECK(usersNamed(gw, after) == 1);
}

TEST_CASE(
    "Bulk: bulkIds that name nothing, or each other, are 409, and malformed operations are "
    "400 naming the operation",
    "[gateway][bulk]") {
  Gateway gw;
  const std::string a = "bulk-cycle-a-" + uniqueSuffix();
  const std::string b = "bulk-cycle-b-" + uniqueSuffix();
  const auto ops = operationsOf(
      gw.request("POST", "/scim/v2/Bulk",
                 bulkBody(R"({"method":"PATCH","path":"/Users/bulkId:nobody","data":{"schemas":)"
                          R"(["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}},)"
                          R"({"method":"POST","path":"/Groups","bulkId":"a","data":)" +
                          groupData(a, "bulkId:b") + "}," +
                          R"({"method":"POST","path":"/Groups","bulkId":"b","data":)" +
                          groupData(b, "bulkId:a") + "}," +
                          R"({"method":"GET","path":"/Users"},)"
                          R"({"method":"POST","path":"/Users"},)"
                          R"({"method":"POST","path":"/Schemas","bulkId":"s","data":{}})")));
  REQUIRE(ops->size() == 6);
  for (unsigned int i = 0; i < 3; ++i) {
    INFO(i);
    CHECK(statusOf(ops, i) == "409");
    CHECK(ops->getObject(i)->getObject("response")->getValue<std::string>("scimType") ==
          "invalidValue");
  }
  for (unsigned int i = 3; i < 6; ++i) {
    INFO(i);
    CHECK(statusOf(ops, i) == "400");
    CHECK(ops->getObject(i)
              ->getObject("response")
              ->getValue<std::string>("detail")
              .find("Operations[" + std::to_string(i) + "]") != std::string::npos);
  }
  CHECK(gw.request("GET", "/scim/v2/Groups?filter=displayName%20eq%20%22" + a + "%22")
            .json()
            ->getValue<int>("totalResults") == 0);
}

TEST_CASE("Bulk: limits are advertised and enforced with 413", "[gateway][bulk]") {
  auto cfg = Gateway::defaultConfig();
  cfg.scim.bulkMaxOperations = 2;
  Gateway gw(cfg);
  const auto config = gw.request("GET", "/scim/v2/ServiceProviderConfig").json();
  const auto bulk = config->getObject("bulk");
  CHECK(bulk->getValue<bool>("supported"));
  CHECK(bulk->getValue<int>("maxOperations") == 2);
  CHECK(bulk->getValue<long long>("maxPayloadSize") ==
        static_cast<long long>(cfg.server.maxBodyBytes));

  const std::string del = R"({"method":"DELETE","path":"/Users/x"})";
  const auto tooMany = gw.request("POST", "/scim/v2/Bulk", bulkBody(del + "," + del + "," + del));
  CHECK(tooMany.status == 413);
  CHECK(testing::errorDetail(tooMany).find("at most 2") != std::string::npos);
  const auto tooLarge = gw.request("POST", "/scim/v2/Bulk",
                                   bulkBody(R"({"method":"DELETE","path":"/Users/)" +
                                            std::string(cfg.server.maxBodyBytes, 'x') + R"("})"));
  CHECK(tooLarge.status == 413);
  CHECK(gw.request("POST", "/scim/v2/Bulk", R"({"Operations":[]})").status == 400);
}

TEST_CASE("Bulk: each operation is authorised and audited like the request it stands for",
          "[gateway][bulk][audit]") {
  const auto path =
      std::filesystem::temp_directory_path() / ("scimgate-bulk-audit-" + uniqueSuffix() + ".log");
  auto cfg = Gateway::defaultConfig();
  cfg.auth.auditPath = path.string();
  cfg.tokens.push_back({"viewer-client", config::sha256Hex("viewer-token-0123"), "Viewer"});
  const std::string name = "bulk-denied-" + uniqueSuffix();
  {
    Gateway gw(cfg);
    const auto ops = operationsOf(gw.request(
        "POST", "/scim/v2/Bulk",
        bulkBody(R"({"method":"POST","path":"/Users","bulkId":"u","data":)" + userData(name) + "}"),
        "viewer-token-0123"));
    REQUIRE(ops->size() == 1);
    CHECK(statusOf(ops, 0) == "403");
    CHECK(usersNamed(gw, name) == 0);
    // Without a credential the bulk request itself is refused.
    CHECK(gw.request("POST", "/scim/v2/Bulk", bulkBody(""), "").status == 401);
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(path);
  INFO(text.str());
  CHECK(text.str().find(R"("principal":"viewer-client")") != std::string::npos);
  CHECK(text.str().find(R"("outcome":"denied")") != std::string::npos);
  CHECK(text.str().find(R"("status":403)") != std::string::npos);
}
