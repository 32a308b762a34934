#include <catch2/catch.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "filter_helpers.h"
#include "scim/filter.h"
#include "test_helpers.h"

namespace scim = scimgate::scim;

using scimgate::testing::InvalidCase;
using scimgate::testing::positionIn;

namespace {

// ---------------------------------------------------------------------------------------------
// PATCH paths.

struct PatchCase {
  std::string path;
  std::string schema;
  std::string attribute;
  std::string attrSub;
  std::string valueFilter;  // canonical, "" when absent
  std::string subAttribute;
};

const std::vector<PatchCase> kValidPatchPaths = {
    {"userName", "", "userName", "", "", ""},
    {"USERNAME", "", "USERNAME", "", "", ""},
    {"name.familyName", "", "name", "familyName", "", ""},
    {"members", "", "members", "", "", ""},
    {"members.$ref", "", "members", "$ref", "", ""},
    {"  userName  ", "", "userName", "", "", ""},
    {R"(emails[type eq "work"])", "", "emails", "", R"((type eq "work"))", ""},
    {R"(emails[type eq "work"].value)", "", "emails", "", R"((type eq "work"))", "value"},
    {R"(emails[type eq "work"].$ref)", "", "emails", "", R"((type eq "work"))", "$ref"},
    {R"(emails[TYPE EQ "work"].Value)", "", "emails", "", R"((TYPE eq "work"))", "Value"},
    {R"(members[value eq "2819c223-7f76-453a-919d-413861904646"])", "", "members", "",
     R"((value eq "2819c223-7f76-453a-919d-413861904646"))", ""},
    {R"(members[value eq "2819c223-7f76-453a-919d-413861904646"].display)", "", "members", "",
     R"((value eq "2819c223-7f76-453a-919d-413861904646"))", "display"},
    {R"(addresses[type eq "work" and primary eq true].streetAddress)", "", "addresses", "",
     R"(((type eq "work") and (primary eq true)))", "streetAddress"},
    {R"(emails[type eq "work" or (type eq "home" and value ew "@example.com")].display)", "",
     "emails", "", R"(((type eq "work") or ((type eq "home") and (value ew "@example.com"))))",
     "display"},
    {R"(emails[not (primary pr)])", "", "emails", "", R"((not (primary pr)))", ""},
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "", "", ""},
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "value", "", ""},
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "employeeNumber", "", "", ""},
    {"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
     "urn:ietf:params:scim:schemas:core:2.0:User", "name", "givenName", "", ""},
    {R"(urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value)",
     "urn:ietf:params:scim:schemas:core:2.0:User", "emails", "", R"((type eq "work"))", "value"},
    // The bare extension URN splits like any other path; callers reject it.
    {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0", "User", "", "", ""},
};

TEST_CASE("parsePatchPath splits RFC 7644 3.5.2 paths", "[scim][filter][patch]") {
  const PatchCase c = GENERATE(from_range(kValidPatchPaths));
  CAPTURE(c.path);
  auto parsed = scim::parsePatchPath(c.path);
  INFO("error: " << (parsed.ok() ? std::string("none") : parsed.error().detail));
  REQUIRE(parsed.ok());
  CHECK(parsed->attr.schema == c.schema);
  CHECK(parsed->attr.attribute == c.attribute);
  CHECK(parsed->attr.subAttribute == c.attrSub);
  if (c.valueFilter.empty()) {
    CHECK_FALSE(parsed->valueFilter);
  } else {
    REQUIRE(parsed->valueFilter);
    CHECK(scim::toString(*parsed->valueFilter) == c.valueFilter);
  }
  CHECK(parsed->subAttribute == c.subAttribute);
}

const std::vector<InvalidCase> kInvalidPatchPaths = {
    {"", 0},
    {"  ", 0},
    {"1abc", 0},
    {"_abc", 0},
    {"$", 0},
    {"name.", 5},
    {"name.given.x", 10},
    {"user name", 5},
    {"userName eq \"a\"", 9},
    {"title pr", 6},
    {"(userName)", 0},
    {"\"userName\"", 0},
    {"emails]", 6},
    {"emails[", 7},
    {"emails[]", 7},
    {R"(emails[type eq "work")", 21},
    {R"(emails[type eq "work"]value)", 22},
    {R"(emails[type eq "work"] .value)", 23},
    {R"(emails[type eq "work"]. value)", 23},
    {R"(emails[type eq "work"].)", 23},
    {R"(emails[type eq "work"].value.x)", 28},
    {R"(emails[type eq "work"].1x)", 23},
    {R"(emails[type eq "work"][x eq 1])", 22},
    {R"(emails[type eq "work"]])", 22},
    {R"(emails[type[value eq "a"]])", 11},
    {R"(emails[type eq])", 14},
    {R"(emails[type eq "\x"])", 16},
    {R"(name.familyName[x eq 1])", 15},
    {"urn:ietf:params:scim:schemas:core:2.0:User:", 43},
    {":userName", 0},
    {std::string("user\0name", 9), 4},
    {"emails[type eq \"work\"]\xff", 22},
};

TEST_CASE("parsePatchPath rejects malformed paths as InvalidPath with a position",
          "[scim][filter][patch]") {
  const InvalidCase c = GENERATE(from_range(kInvalidPatchPaths));
  CAPTURE(c.filter);
  auto parsed = scim::parsePatchPath(c.filter);
  REQUIRE_FALSE(parsed.ok());
  CAPTURE(parsed.error().detail);
  CHECK(parsed.error().kind == scim::ErrorKind::InvalidPath);
  const std::optional<std::size_t> position = positionIn(parsed.error().detail);
  REQUIRE(position.has_value());
  CHECK(*position == c.position);
}

}  // namespace
