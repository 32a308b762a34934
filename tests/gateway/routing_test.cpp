// The gateway's pure parts, without HTTP or a directory: the route table, list parameters and
// cursors, ETag lists, group PATCH planning, the error mapping and audit records.

#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include "gateway/audit.h"
#include "gateway/error_response.h"
#include "gateway/group_patch.h"
#include "gateway/list_params.h"
#include "gateway/reply.h"
#include "gateway/router.h"
#include "scim/patch.h"

namespace gateway = scimgate::gateway;
namespace scim = scimgate::scim;
using scimgate::ErrorKind;

namespace {

gateway::Handler answering(int status) {
  return [status](gateway::Request&) {
    gateway::Reply reply;
    reply.status = status;
    return reply;
  };
}

Poco::JSON::Object::Ptr parse(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

scim::Result<gateway::GroupPatchPlan> plan(const std::string& operations) {
  auto parsed = scim::parsePatchRequest(
      *parse(R"({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [)" +
             operations + "]}"));
  REQUIRE(parsed.ok());
  return gateway::planGroupPatch(*parsed);
}

}  // namespace

TEST_CASE("the route table matches method and path, literals before parameters",
          "[gateway][router]") {
  gateway::Router router;
  router.add({"GET", "/scim/v2/Users", gateway::Guard::Caller, answering(1)});
  router.add({"POST", "/scim/v2/Users/.search", gateway::Guard::Caller, answering(2)});
  router.add({"GET", "/scim/v2/Users/{id}", gateway::Guard::Caller, answering(3)});
  router.add({"DELETE", "/scim/v2/Users/{id}", gateway::Guard::Caller, answering(4)});
  router.add({"GET", "/healthz", gateway::Guard::Public, answering(5)});

  SECTION("a parameter takes the segment") {
    auto match = router.match("GET", "/scim/v2/Users/2819c223");
    REQUIRE(match.route);
    CHECK(match.route->pattern == "/scim/v2/Users/{id}");
    CHECK(match.params.at("id") == "2819c223");
  }
  SECTION("endpoint names compare without case; empty segments are ignored") {
    CHECK(router.match("GET", "/scim/v2/users").route != nullptr);
    CHECK(router.match("GET", "/scim/v2/Users/").route != nullptr);
    CHECK(router.match("GET", "//scim/v2//Users").route != nullptr);
  }
  SECTION("a literal wins over a parameter: GET /Users/.search is 405, not a user read") {
    auto match = router.match("GET", "/scim/v2/Users/.search");
    CHECK(match.route == nullptr);
    CHECK(match.allow == "POST");
    auto reply = gateway::Router::unmatched(match, "/scim/v2/Users/.search");
    CHECK(reply.status == 405);
    CHECK(reply.header("Allow") == "POST");
    CHECK(reply.body.find("\"status\":\"405\"") != std::string::npos);
  }
  SECTION("a known path with another method lists the methods it has") {
    auto match = router.match("PATCH", "/scim/v2/Users/x");
    CHECK(match.route == nullptr);
    CHECK(match.allow == "GET, DELETE");
  }
  SECTION("an unknown path is 404 naming it") {
    auto match = router.match("GET", "/scim/v2/Nothing");
    CHECK(match.allow.empty());
    auto reply = gateway::Router::unmatched(match, "/scim/v2/Nothing");
    CHECK(reply.status == 404);
    CHECK(reply.body.find("no such endpoint: /scim/v2/Nothing") != std::string::npos);
    CHECK(router.match("GET", "/scim/v2/Users/a/b").route == nullptr);
  }
  CHECK(gateway::pathSegments("/a//b/") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("list parameters follow RFC 7644 3.4.2 and RFC 9865", "[gateway][list]") {
  const gateway::PageLimits limits{100, 200};
  SECTION("query strings: '+' is a space, names are case-insensitive, the first wins") {
    auto params = gateway::parseQuery("Filter=userName+eq+%22a%22&COUNT=5&count=9&empty=");
    CHECK(params.at("filter") == "userName eq \"a\"");
    CHECK(params.at("count") == "5");
    CHECK(params.at("empty").empty());
  }
  SECTION("defaults, clamping and refusals") {
    auto list = gateway::parseListParams({}, limits);
    REQUIRE(list.ok());
    CHECK(list->startIndex == 1);
    CHECK(list->pageSize == 100);
    CHECK_FALSE(list->cursorMode);
    list = gateway::parseListParams({{"startindex", "-4"}, {"count", "-1"}}, limits);
    REQUIRE(list.ok());
    CHECK(list->startIndex == 1);
    CHECK(list->pageSize == 0);
    CHECK(gateway::parseListParams({{"count", "5000"}}, limits)->pageSize == 200);
    CHECK(gateway::parseListParams({{"count", "ten"}}, limits).error().kind ==
          ErrorKind::InvalidValue);
    CHECK(gateway::parseListParams({{"sortorder", "up"}}, limits).error().kind ==
          ErrorKind::InvalidValue);
    CHECK(gateway::parseListParams({{"filter", "userName eq"}}, limits).error().kind ==
          ErrorKind::InvalidFilter);
    CHECK(gateway::parseListParams({{"cursor", ""}, {"startindex", "2"}}, limits).error().kind ==
          ErrorKind::InvalidValue);
    auto sorted = gateway::parseListParams(
        {{"sortby", "name.familyName"}, {"sortorder", "Descending"}}, limits);
    REQUIRE(sorted.ok());
    CHECK(sorted->descending);
    CHECK(sorted->sortBy->attribute == "name");
  }
  SECTION("a cursor belongs to its query and carries the next position") {
    gateway::QueryParams query{{"filter", "userName sw \"a\""}, {"cursor", ""}, {"count", "2"}};
    auto first = gateway::parseListParams(query, limits);
    REQUIRE(first.ok());
    CHECK(first->cursorMode);
    Poco::JSON::Array::Ptr two = new Poco::JSON::Array;
    two->add(1);
    two->add(2);
    auto body = gateway::listBody(*first, two, 5);
    CHECK_FALSE(body->has("startIndex"));
    const std::string next = body->getValue<std::string>("nextCursor");
    CHECK(gateway::readCursor(next, first->fingerprint).value() == 3);
    query["cursor"] = next;
    auto second = gateway::parseListParams(query, limits);
    REQUIRE(second.ok());
    CHECK(second->startIndex == 3);
    CHECK(gateway::listBody(*second, two, 5)->has("previousCursor"));
    // The last page has no nextCursor.
    query["cursor"] = gateway::makeCursor(5, first->fingerprint);
    auto last = gateway::parseListParams(query, limits);
    Poco::JSON::Array::Ptr one = new Poco::JSON::Array;
    one->add(5);
    CHECK_FALSE(gateway::listBody(*last, one, 5)->has("nextCursor"));
    // Another query's cursor, a forged one and garbage are refused.
    gateway::QueryParams other{{"filter", "userName sw \"b\""}, {"cursor", next}};
    CHECK(gateway::parseListParams(other, limits).error().kind == ErrorKind::InvalidCursor);
    CHECK_FALSE(gateway::readCursor("0." + first->fingerprint, first->fingerprint).ok());
    CHECK_FALSE(gateway::readCursor("x1." + first->fingerprint, first->fingerprint).ok());
    CHECK_FALSE(gateway::readCursor("12345678901." + first->fingerprint, first->fingerprint).ok());
  }
  SECTION("a .search body reads like a query string") {
    auto params = gateway::searchParams(*parse(
        R"({"schemas": ["x"], "Attributes": ["userName", "emails"], "count": 3, "filter": null})"));
    CHECK(params.at("attributes") == "userName,emails");
    CHECK(params.at("count") == "3");
    CHECK_FALSE(params.count("schemas"));
    CHECK_FALSE(params.count("filter"));
  }
}

TEST_CASE("ETag lists compare weakly", "[gateway][etag]") {
  const std::string current = R"(W/"abc")";
  CHECK(gateway::etagListMatches(R"(W/"abc")", current));
  CHECK(gateway::etagListMatches(R"("abc")", current));
  CHECK(gateway::etagListMatches(R"(W/"x", W/"abc" )", current));
  CHECK(gateway::etagListMatches("*", current));
  CHECK_FALSE(gateway::etagListMatches(R"(W/"abd")", current));
  CHECK_FALSE(gateway::etagListMatches("", current));
}

TEST_CASE("a group PATCH is planned as member changes and attribute replaces",
          "[gateway][groups]") {
  SECTION("adds and removes only: the cheap path") {
    auto p = plan(R"({"op": "Add", "path": "members", "value": [{"value": "a"}, "b"]},
                     {"op": "remove", "path": "members[value eq \"c\"]"},
                     {"op": "remove", "path": "members", "value": [{"value": "d"}]})");
    REQUIRE(p.ok());
    CHECK(p->onlyMemberChanges());
    CHECK(p->add == std::vector<std::string>{"a", "b"});
    CHECK(p->remove == std::vector<std::string>{"c", "d"});
  }
  SECTION("replace of members drops earlier adds; remove without value empties the group") {
    auto p = plan(R"({"op": "add", "path": "members", "value": [{"value": "a"}]},
                     {"op": "replace", "path": "members", "value": [{"value": "b"}]})");
    REQUIRE(p.ok());
    CHECK(p->add.empty());
    REQUIRE(p->replaceMembers);
    CHECK(p->replaceMembers->at(0).value == "b");
    auto empty = plan(R"({"op": "remove", "path": "members"})");
    REQUIRE(empty.ok());
    CHECK(empty->replaceMembers->empty());
  }
  SECTION("a path-less replace with displayName and externalId; ids and meta ignored") {
    auto p =
        plan(R"({"op": "replace", "value": {"displayName": "Ops", "externalId": "x", "id": "1"}})");
    REQUIRE(p.ok());
    CHECK(*p->displayName == "Ops");
    CHECK(*p->externalId == "x");
    CHECK_FALSE(p->onlyMemberChanges());
    CHECK(plan(R"({"op": "remove", "path": "externalId"})")->externalId == std::string());
  }
  SECTION("refusals") {
    CHECK(plan(R"({"op": "remove", "path": "displayName"})").error().kind == ErrorKind::Mutability);
    CHECK(plan(R"({"op": "replace", "path": "displayName", "value": ""})").error().kind ==
          ErrorKind::InvalidValue);
    CHECK(plan(R"({"op": "add", "path": "members", "value": [{"display": "x"}]})").error().kind ==
          ErrorKind::InvalidValue);
    CHECK(plan(R"({"op": "replace", "path": "owner", "value": "x"})").error().kind ==
          ErrorKind::InvalidPath);
    CHECK(plan(R"({"op": "replace", "path": "members.value", "value": "x"})").error().kind ==
          ErrorKind::InvalidPath);
    CHECK(plan(R"({"op": "add", "path": "members[value eq \"a\"]", "value": "x"})").error().kind ==
          ErrorKind::InvalidPath);
  }
}

TEST_CASE("every error kind maps to one HTTP status and an RFC 7644 body", "[gateway][errors]") {
  CHECK(gateway::httpStatusOf(ErrorKind::Uniqueness) == 409);
  CHECK(gateway::httpStatusOf(ErrorKind::MethodNotAllowed) == 405);
  CHECK(gateway::httpStatusOf(ErrorKind::TooManyRequests) == 429);
  CHECK(gateway::httpStatusOf(ErrorKind::PreconditionFailed) == 412);
  CHECK(gateway::httpStatusOf(ErrorKind::InvalidCursor) == 400);
  auto reply = gateway::errorReply({ErrorKind::InvalidFilter, "bad"});
  CHECK(reply.status == 400);
  CHECK(reply.contentType == "application/scim+json");
  auto body = parse(reply.body);
  CHECK(body->getValue<std::string>("status") == "400");
  CHECK(body->getValue<std::string>("scimType") == "invalidFilter");
  CHECK(body->getValue<std::string>("detail") == "bad");
  CHECK(gateway::errorReply({ErrorKind::Unavailable, ""}).header("Retry-After") == "5");
  CHECK(gateway::errorReply({ErrorKind::TooManyRequests, ""}).header("Retry-After") == "5");
  CHECK(gateway::errorReply({ErrorKind::Unauthorized, ""})
            .header("WWW-Authenticate")
            .find("Bearer") == 0);
  CHECK_FALSE(parse(gateway::errorReply({ErrorKind::NotFound, "x"}).body)->has("scimType"));
}

TEST_CASE("audit records cover writes and refusals, never successful reads", "[gateway][audit]") {
  gateway::AuditRecord record;
  record.principal = "okta";
  CHECK_FALSE(gateway::completeAudit(record, "GET", "/scim/v2/Users", 200));
  CHECK_FALSE(gateway::completeAudit(record, "POST", "/healthz", 200));
  auto denied = gateway::completeAudit(record, "GET", "/scim/v2/Users", 403);
  REQUIRE(denied);
  CHECK(denied->outcome == "denied");
  CHECK(denied->operation == "GET /scim/v2/Users");
  auto created = gateway::completeAudit(record, "POST", "/scim/v2/Users", 201);
  REQUIRE(created);
  CHECK(created->outcome == "success");
  CHECK(created->status == 201);
  CHECK(gateway::completeAudit(record, "PATCH", "/x", 400)->outcome == "failed");
  record.outcome = "denied";  // a handler's refusal stays a refusal whatever the status
  CHECK(gateway::completeAudit(record, "GET", "/scim/v2/Users/x", 404)->outcome == "denied");

  CHECK(gateway::attributeNamesOf(*parse(R"({"schemas": [], "userName": "a", "password": "p"})")) ==
        std::vector<std::string>{"password", "userName"});
  auto operations = scim::parsePatchRequest(*parse(
      R"({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
          {"op": "replace", "path": "name.givenName", "value": "A"},
          {"op": "replace", "value": {"active": false}}]})"));
  REQUIRE(operations.ok());
  CHECK(gateway::attributePathsOf(*operations) == std::vector<std::string>{"name", "active"});
}
