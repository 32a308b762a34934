#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "projection_helpers.h"
#include "scim/projection.h"
#include "scim/schema.h"
#include "test_helpers.h"

namespace scim = scimgate::scim;

using scimgate::testing::kCore;
using scimgate::testing::kEnterprise;
using scimgate::testing::kScimgate;
using scimgate::testing::parsed;
using scimgate::testing::positionIn;

namespace {

// ---------------------------------------------------------------------------------------------
// Parsing.

struct ResolveCase {
  std::string item;
  scim::AttrPath expected;
};

const std::vector<ResolveCase> kResolveCases = {
    {"userName", {kCore, "userName", ""}},
    {"USERNAME", {kCore, "userName", ""}},
    {"Name.GivenName", {kCore, "name", "givenName"}},
    {"emails.VALUE", {kCore, "emails", "value"}},
    {kCore + ":userName", {kCore, "userName", ""}},
    {"ID", {"", "id", ""}},
    {"externalid", {"", "externalId", ""}},
    {"meta.CREATED", {"", "meta", "created"}},
    {"meta.resourcetype", {"", "meta", "resourceType"}},
    {kCore + ":meta", {"", "meta", ""}},
    {"Schemas", {"", "schemas", ""}},
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", {kEnterprise, "", ""}},
    {kScimgate, {kScimgate, "", ""}},
    {kEnterprise + ":EMPLOYEENUMBER", {kEnterprise, "employeeNumber", ""}},
    {kEnterprise + ":manager.value", {kEnterprise, "manager", "value"}},
    {kScimgate + ":mfa.totp", {kScimgate, "mfa", "totp"}},
    {"groups.$ref", {kCore, "groups", "$ref"}},
    {R"(emails[type eq "work"])", {kCore, "emails", ""}},
    {R"(emails[type eq "work" and primary eq true].Value)", {kCore, "emails", "value"}},
    {"password", {kCore, "password", ""}},
};

TEST_CASE("parseProjection resolves names to the schema's spelling", "[scim][projection]") {
  for (const auto& c : kResolveCases) {
    SECTION(c.item) {
      const scim::Projection projection = parsed(c.item);
      REQUIRE(projection.attributes.size() == 1);
      const scim::AttrPath& path = projection.attributes.front();
      CHECK(path.schema == c.expected.schema);
      CHECK(path.attribute == c.expected.attribute);
      CHECK(path.subAttribute == c.expected.subAttribute);
      CHECK(projection.excluded.empty());
    }
  }
}

TEST_CASE("parseProjection fills excluded only when attributes names nothing",
          "[scim][projection]") {
  SECTION("excludedAttributes alone") {
    const scim::Projection projection = parsed("", "emails, meta");
    CHECK(projection.attributes.empty());
    CHECK(projection.excluded.size() == 2);
    CHECK_FALSE(projection.empty());
  }
  SECTION("both given: attributes wins") {
    const scim::Projection projection = parsed("userName", "emails");
    CHECK(projection.attributes.size() == 1);
    CHECK(projection.excluded.empty());
  }
  SECTION("neither given") { CHECK(parsed("", "").empty()); }
  SECTION("only unknown names") { CHECK(parsed("foo, bar", "baz").empty()); }
}

struct BadCase {
  std::string what;
  std::string attributes;
  std::string excluded;
  std::string parameter;  // named in the detail
  std::size_t position;
};

const std::vector<BadCase> kBadCases = {
    {"a character outside ATTRNAME", "userName, na!me", "", "attributes", 12},
    {"a space inside a name", "user Name", "", "attributes", 5},
    {"a name starting with a digit", "2fa", "", "attributes", 0},
    {"two dots", "name.givenName.x", "", "attributes", 14},
    {"an unclosed value filter", R"(emails[type eq "work")", "", "attributes", 21},
    {"a broken value filter", "emails[type zz 1]", "", "attributes", 12},
    {"a trailing colon", kEnterprise + ":", "", "attributes", 59},
    {"a bad excluded list", "", "meta,@", "excludedAttributes", 5},
    {"a bad excluded list even when attributes wins", "userName", "a;b", "excludedAttributes", 1},
};

TEST_CASE("parseProjection rejects items that are not attribute paths", "[scim][projection]") {
  for (const auto& c : kBadCases) {
    SECTION(c.what) {
      auto projection = scim::parseProjection(c.attributes, c.excluded, scim::userResourceType());
      REQUIRE_FALSE(projection.ok());
      const scim::Error& error = projection.error();
      INFO(error.detail);
      CHECK(error.kind == scim::ErrorKind::InvalidValue);
      CHECK(error.detail.rfind("invalid " + c.parameter + ": ", 0) == 0);
      CHECK(positionIn(error.detail) == c.position);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// neededAttributes

std::vector<std::string> needed(const std::string& attributes, const std::string& excluded = "") {
  return scim::neededAttributes(parsed(attributes, excluded), scim::userResourceType());
}

std::vector<std::string> everyDefaultAttribute() {
  std::vector<std::string> all = {"id", "externalId", "meta"};
  for (const auto& def : scim::userSchema().attributes) {
    if (def.returned != scim::Returned::Never) all.push_back(def.name);
  }
  for (const auto* ext : scim::userResourceType().extensions) {
    for (const auto& def : ext->attributes) all.push_back(ext->id + ":" + def.name);
  }
  return all;
}

std::vector<std::string> withoutNames(std::vector<std::string> names,
                                      const std::vector<std::string>& removed) {
  names.erase(std::remove_if(names.begin(), names.end(),
                             [&](const std::string& n) {
                               return std::find(removed.begin(), removed.end(), n) != removed.end();
                             }),
              names.end());
  return names;
}

TEST_CASE("neededAttributes lists what the projection can return", "[scim][projection]") {
  SECTION("an empty projection needs every default and always attribute") {
    const auto all = needed("");
    CHECK(all == everyDefaultAttribute());
    CHECK(std::find(all.begin(), all.end(), "userName") != all.end());
    CHECK(std::find(all.begin(), all.end(), kEnterprise + ":employeeNumber") != all.end());
    CHECK(std::find(all.begin(), all.end(), "password") == all.end());
    CHECK(std::find(all.begin(), all.end(), "schemas") == all.end());
  }
  SECTION("attributes=userName needs id and userName") {
    CHECK(needed("userName") == std::vector<std::string>{"id", "userName"});
  }
  SECTION("a sub-attribute needs its attribute") {
    CHECK(needed("name.givenName") == std::vector<std::string>{"id", "name"});
  }
  SECTION("a meta sub-attribute needs meta") {
    CHECK(needed("meta.created") == std::vector<std::string>{"id", "meta"});
  }
  SECTION("an extension attribute") {
    CHECK(needed(kEnterprise + ":manager.value") ==
          std::vector<std::string>{"id", kEnterprise + ":manager"});
  }
  SECTION("a whole extension needs each of its attributes") {
    std::vector<std::string> expected = {"id"};
    for (const auto& def : scim::enterpriseUserSchema().attributes) {
      expected.push_back(kEnterprise + ":" + def.name);
    }
    CHECK(needed(kEnterprise) == expected);
  }
  SECTION("the Entra quirk needs the attribute") {
    CHECK(needed(R"(emails[type eq "work"])") == std::vector<std::string>{"id", "emails"});
  }
  SECTION("password is never needed") {
    CHECK(needed("password") == std::vector<std::string>{"id"});
  }
  SECTION("excluded attributes are not needed") {
    CHECK(needed("", "emails,meta," + kScimgate) ==
          withoutNames(everyDefaultAttribute(),
                       {"emails", "meta", kScimgate + ":status", kScimgate + ":skills",
                        kScimgate + ":emailPreferences", kScimgate + ":accounts",
                        kScimgate + ":queues", kScimgate + ":mfa"}));
  }
  SECTION("excluding id still needs id") { CHECK(needed("", "id") == everyDefaultAttribute()); }
  SECTION("excluding a sub-attribute still needs its attribute") {
    CHECK(needed("", "name.givenName") == everyDefaultAttribute());
  }
  SECTION("attributes wins over excludedAttributes") {
    CHECK(needed("userName", "userName") == std::vector<std::string>{"id", "userName"});
  }
}

}  // namespace
