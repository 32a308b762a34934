#include "scim/user_facts.h"

#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

namespace scim = scimgate::scim;

namespace {

Poco::JSON::Object::Ptr parse(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

}  // namespace

TEST_CASE("a user's facts are read once from its attributes", "[scim][facts]") {
  auto facts = scim::userFactsOf(*parse(R"({
    "userName": "ada", "displayName": "Ada L", "active": false,
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "emails": [{"value": "first@example.com"}, {"value": "ada@example.com", "primary": true}],
    "roles": [{"value": "Manager"}, {"value": "Agent"}, "junk"],
    "urn:scimgate:params:scim:schemas:extension:2.0:User": {
      "status": "inactive", "accounts": [{"value": "AbC-1"}, {"value": "def-2"}]}})"));
  CHECK(facts.userName == "ada");
  CHECK(facts.displayName == "Ada L");
  CHECK(facts.givenName == "Ada");
  CHECK(facts.familyName == "Lovelace");
  CHECK(facts.primaryEmail == "ada@example.com");
  REQUIRE(facts.roles);
  CHECK(*facts.roles == std::set<std::string>{"Manager", "Agent"});
  REQUIRE(facts.accounts);
  CHECK(*facts.accounts == std::set<std::string>{"abc-1", "def-2"});  // ids compare without case
  CHECK(facts.active == false);
  CHECK(facts.status == scim::UserStatus::Inactive);
  CHECK(facts.isInactive());
}

TEST_CASE("missing facts read as absent, not as empty", "[scim][facts]") {
  SECTION("nothing stated") {
    auto facts = scim::userFactsOf(*parse(R"({"userName": "bob"})"));
    CHECK_FALSE(facts.roles);     // a write without roles leaves them alone
    CHECK_FALSE(facts.accounts);  // likewise accounts
    CHECK_FALSE(facts.active);
    CHECK(facts.status == scim::UserStatus::Active);
    CHECK(facts.primaryEmail.empty());
  }
  SECTION("stated but empty, or of the wrong type") {
    auto facts = scim::userFactsOf(*parse(R"({"userName": "bob", "roles": [], "active": "yes",
      "emails": [{"value": "b@example.com"}],
      "urn:scimgate:params:scim:schemas:extension:2.0:User": {"status": "pending", "accounts": []}})"));
    REQUIRE(facts.roles);
    CHECK(facts.roles->empty());
    REQUIRE(facts.accounts);
    CHECK(facts.accounts->empty());
    CHECK_FALSE(facts.active);
    CHECK(facts.status == scim::UserStatus::Pending);
    CHECK(facts.primaryEmail == "b@example.com");  // the first when none is primary
  }
}
