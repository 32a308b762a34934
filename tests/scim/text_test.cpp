// Hostile text in SCIM values and filters (issue #13, items 6, 9, 10 and 12): control characters,
// bytes that are not UTF-8, `schemas` of the wrong type.
#include "scim/text.h"

#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <string>

#include "scim/filter.h"
#include "scim/group.h"
#include "scim/user.h"

namespace scim = scimgate::scim;
using scim::ErrorKind;
using scim::TextKind;

namespace {

Poco::JSON::Object::Ptr parseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

std::string userBody(const std::string& extra) {
  return R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada")" + extra +
         "}";
}

}  // namespace

TEST_CASE("checkText refuses control characters and names the attribute", "[scim][text]") {
  CHECK(scim::checkText("userName", "ada.lovelace@example.com").ok());
  CHECK(scim::checkText("displayName", "Zoë \xE2\x80\x94 名前").ok());
  for (const std::string& bad : {std::string("a\0b", 3), std::string("a\tb"), std::string("a\nb"),
                                 std::string("a\rb"), std::string("a\x1b"), std::string("a\x7f")}) {
    auto checked = scim::checkText("userName", bad);
    REQUIRE_FALSE(checked.ok());
    CHECK(checked.error().kind == ErrorKind::InvalidValue);
    CHECK(checked.error().detail.find("'userName'") != std::string::npos);
    CHECK(checked.error().detail.find("U+00") != std::string::npos);
  }
  SECTION("multi-line text takes tab, line feed and carriage return, and nothing else") {
    CHECK(scim::checkText("addresses[0].formatted", "a\tb\r\nc", TextKind::MultiLine).ok());
    CHECK_FALSE(
        scim::checkText("addresses[0].formatted", std::string("a\0b", 3), TextKind::MultiLine)
            .ok());
    CHECK_FALSE(scim::checkText("addresses[0].formatted", "a\x0b", TextKind::MultiLine).ok());
  }
  SECTION("text that is not UTF-8") {
    auto checked = scim::checkText("title", "a\xC3(");
    REQUIRE_FALSE(checked.ok());
    CHECK(checked.error().detail.find("\\xC3") != std::string::npos);
  }
}

TEST_CASE("escapeInvalidUtf8 writes stray bytes in hex and keeps valid text", "[scim][text]") {
  CHECK(scim::escapeInvalidUtf8("plain é 名") == "plain é 名");
  CHECK(scim::escapeInvalidUtf8("\xEF{") == "\\xEF{");
  CHECK(scim::escapeInvalidUtf8("a\xED\xA0\x80") == "a\\xED\\xA0\\x80");  // a UTF-16 surrogate
  CHECK(scim::escapeInvalidUtf8("\xC0\xAF") == "\\xC0\\xAF");             // overlong '/'
  CHECK(scim::invalidUtf8At("ok\xFF") == std::optional<std::size_t>(2));
  CHECK_FALSE(scim::invalidUtf8At("\xF0\x9F\x98\x80").has_value());
}

TEST_CASE("User input with control characters is InvalidValue naming the path", "[scim][text]") {
  auto refused = [](const std::string& extra, const std::string& path) {
    auto parsed = scim::parseUserInput(*parseObject(userBody(extra)));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == ErrorKind::InvalidValue);
    CHECK(parsed.error().detail.find("'" + path + "'") != std::string::npos);
  };
  refused(R"(,"nickName":"a\u0000b")", "nickName");
  refused(R"(,"name":{"familyName":"x\u0008"})", "name.familyName");
  refused(R"(,"emails":[{"value":"a@b.c"},{"value":"d@e.f\r\n"}])", "emails[1].value");
  refused(R"(,"externalId":"e\u0000")", "externalId");
  refused(
      R"(,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"\u0001"})",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
  CHECK(
      scim::parseUserInput(*parseObject(userBody(R"(,"addresses":[{"formatted":"a\nb"}])"))).ok());
}

TEST_CASE("schemas must be an array of strings", "[scim][text]") {
  auto user = scim::parseUserInput(
      *parseObject(R"({"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","userName":"a"})"));
  REQUIRE_FALSE(user.ok());
  CHECK(user.error().kind == ErrorKind::InvalidValue);
  CHECK(user.error().detail.find("schemas") != std::string::npos);
  CHECK_FALSE(scim::parseUserInput(*parseObject(R"({"schemas":[true],"userName":"a"})")).ok());
  CHECK(scim::parseUserInput(*parseObject(R"({"userName":"a"})")).ok());
  auto group = scim::parseGroupInput(*parseObject(R"({"Schemas":{"a":1},"displayName":"g"})"));
  REQUIRE_FALSE(group.ok());
  CHECK(group.error().kind == ErrorKind::InvalidValue);
}

TEST_CASE("Group input with control characters is InvalidValue", "[scim][text]") {
  for (const char* body :
       {R"({"displayName":"a\u0000b"})", R"({"displayName":"g","externalId":"\u001f"})",
        R"({"displayName":"g","members":["x\u0000"]})",
        R"({"displayName":"g","members":[{"value":"x\ny"}]})"}) {
    auto parsed = scim::parseGroupInput(*parseObject(body));
    CAPTURE(body);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == ErrorKind::InvalidValue);
  }
}

TEST_CASE("filters and PATCH paths that are not UTF-8 are refused with the byte escaped",
          "[scim][text][filter]") {
  auto filter = scim::parseFilter("userName eq \"a\xFF\"");
  REQUIRE_FALSE(filter.ok());
  CHECK(filter.error().kind == ErrorKind::InvalidFilter);
  CHECK(filter.error().detail.find("\\xFF") != std::string::npos);
  CHECK(scim::invalidUtf8At(filter.error().detail) == std::nullopt);
  auto path = scim::parsePatchPath("name.\xC3");
  REQUIRE_FALSE(path.ok());
  CHECK(path.error().kind == ErrorKind::InvalidPath);
  CHECK(scim::invalidUtf8At(path.error().detail) == std::nullopt);
}
