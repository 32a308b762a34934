// Hostile input through the whole gateway (issue #13, items 6, 7, 9, 10 and 12): control
// characters, over-long names, bytes that are not UTF-8, duplicate keys and filters the directory
// cannot order. Real HTTP in front of the fixture's slapd.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "ldap/escape.h"
#include "support/gateway.h"
#include "support/slapd.h"

namespace {

using namespace scimgate;
using testing::fixtureSlapd;
using testing::Gateway;
using testing::idOf;
using testing::isLocked;
using testing::ldapSearch;
using testing::patchBody;
using testing::Reply;
using testing::uniqueSuffix;
using testing::userDn;
using testing::userNameAttribute;
using testing::userNameFilter;

constexpr char kUserSchemaList[] = R"("schemas":["urn:ietf:params:scim:schemas:core:2.0:User"])";
constexpr char kGroupSchemaList[] = R"("schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"])";

std::string peopleDn() { return "ou=people," + fixtureSlapd().suffix; }

// RFC 3629: well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool isUtf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned int low = 0x80;
    unsigned int high = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return false;
    }
    i += length;
  }
  return true;
}

// The reply is a SCIM error with this status and scimType, whose body is valid UTF-8 JSON.
Poco::JSON::Object::Ptr checkScimError(const Reply& reply, int status,
                                       const std::string& scimType) {
  CAPTURE(reply.body);
  CHECK(reply.status == status);
  CHECK(reply.contentType.rfind("application/scim+json", 0) == 0);
  REQUIRE(isUtf8(reply.body));
  auto json = reply.json();
  CHECK(json->getArray("schemas")->getElement<std::string>(0) ==
        "urn:ietf:params:scim:api:messages:2.0:Error");
  CHECK(json->getValue<std::string>("status") == std::to_string(status));
  CHECK(json->optValue<std::string>("scimType", "") == scimType);
  CHECK_FALSE(json->optValue<std::string>("detail", "").empty());
  return json;
}

std::string detailOf(const Reply& reply) {
  return reply.json()->optValue<std::string>("detail", "");
}

std::string userBody(const std::string& userNameJson, const std::string& extra = "") {
  return std::string("{") + kUserSchemaList + R"(,"userName":)" + userNameJson + extra + "}";
}

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

// Creates a user and returns its id (the test fails when the create does).
std::string createUser(Gateway& gw, const std::string& userName, const std::string& extra = "") {
  auto reply = gw.request("POST", "/scim/v2/Users", userBody(quoted(userName), extra));
  CAPTURE(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

std::string createGroup(Gateway& gw, const std::string& displayName) {
  auto reply =
      gw.request("POST", "/scim/v2/Groups",
                 std::string("{") + kGroupSchemaList + R"(,"displayName":")" + displayName + "\"}");
  CAPTURE(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

// The userNames of a list response, in order.
std::vector<std::string> userNamesOf(const Reply& reply) {
  std::vector<std::string> names;
  auto resources = reply.json()->getArray("Resources");
  for (std::size_t i = 0; resources && i < resources->size(); ++i) {
    names.push_back(
        resources->getObject(static_cast<unsigned int>(i))->getValue<std::string>("userName"));
  }
  return names;
}

// Percent-encodes a query parameter value.
std::string encoded(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

// ---- item 6: control characters ----------------------------------------------------------------

TEST_CASE("a userName with NUL is refused as invalidValue and nothing is stored truncated",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string name = "nul-" + uniqueSuffix();
  auto reply = gw.request("POST", "/scim/v2/Users", userBody(quoted(name + "\\u0000b")));
  auto json = checkScimError(reply, 400, "invalidValue");
  CHECK(detailOf(reply).find("userName") != std::string::npos);
  CHECK(ldapSearch(fixtureSlapd(), peopleDn(),
                   "(" + userNameAttribute() + "=" + ldap::escapeFilterValue(name) + "*)")
            .empty());
}

TEST_CASE("control characters in any written user value are refused as invalidValue",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string name = "ctl-" + uniqueSuffix();
  SECTION("a tab in userName") {
    checkScimError(gw.request("POST", "/scim/v2/Users", userBody(quoted(name + "\\tx"))), 400,
                   "invalidValue");
  }
  SECTION("DEL in displayName") {
    auto reply = gw.request("POST", "/scim/v2/Users",
                            userBody(quoted(name), R"(,"displayName":"a\u007fb")"));
    checkScimError(reply, 400, "invalidValue");
    CHECK(detailOf(reply).find("displayName") != std::string::npos);
  }
  SECTION("a control character in a complex sub-attribute") {
    auto reply = gw.request("POST", "/scim/v2/Users",
                            userBody(quoted(name), R"(,"name":{"givenName":"Gr\u0001ace"})"));
    checkScimError(reply, 400, "invalidValue");
    CHECK(detailOf(reply).find("name.givenName") != std::string::npos);
  }
  SECTION("a newline in an email value") {
    auto reply = gw.request(
        "POST", "/scim/v2/Users",
        userBody(quoted(name), R"(,"emails":[{"value":"a@example.com\nBcc: x@example.com"}])"));
    checkScimError(reply, 400, "invalidValue");
    CHECK(detailOf(reply).find("emails[0].value") != std::string::npos);
  }
  SECTION("NUL in a multi-line address") {
    checkScimError(
        gw.request("POST", "/scim/v2/Users",
                   userBody(quoted(name), R"(,"addresses":[{"formatted":"Main St\u0000 1"}])")),
        400, "invalidValue");
  }
  SECTION("a control character in externalId") {
    checkScimError(
        gw.request("POST", "/scim/v2/Users", userBody(quoted(name), R"(,"externalId":"x\u001by")")),
        400, "invalidValue");
  }
  CHECK(ldapSearch(fixtureSlapd(), peopleDn(),
                   "(" + userNameAttribute() + "=" + ldap::escapeFilterValue(name) + "*)")
            .empty());
}

TEST_CASE("addresses keep their newlines and tabs", "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string name = "addr-" + uniqueSuffix();
  const std::string id = createUser(
      gw, name,
      R"(,"addresses":[{"formatted":"Main St 1\r\n12345 Town","streetAddress":"Main St\t1\nFloor 2"}])");
  auto got = gw.request("GET", "/scim/v2/Users/" + id);
  REQUIRE(got.status == 200);
  auto address = got.json()->getArray("addresses")->getObject(0);
  CHECK(address->getValue<std::string>("formatted") == "Main St 1\r\n12345 Town");
  CHECK(address->getValue<std::string>("streetAddress") == "Main St\t1\nFloor 2");
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("control characters in PATCH and PUT values are refused as invalidValue",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string name = "ctlp-" + uniqueSuffix();
  const std::string id = createUser(gw, name);
  SECTION("PATCH replace with a path") {
    checkScimError(
        gw.request("PATCH", "/scim/v2/Users/" + id,
                   patchBody(R"({"op":"replace","path":"displayName","value":"a\u0000"})")),
        400, "invalidValue");
  }
  SECTION("PATCH add of a complex value") {
    checkScimError(
        gw.request(
            "PATCH", "/scim/v2/Users/" + id,
            patchBody(R"({"op":"add","path":"emails","value":[{"value":"x\u0002@example.com"}]})")),
        400, "invalidValue");
  }
  SECTION("PATCH without a path") {
    checkScimError(gw.request("PATCH", "/scim/v2/Users/" + id,
                              patchBody(R"({"op":"replace","value":{"title":"\u0007"}})")),
                   400, "invalidValue");
  }
  SECTION("PUT") {
    checkScimError(gw.request("PUT", "/scim/v2/Users/" + id,
                              userBody(quoted(name), R"(,"nickName":"a\u0003b")")),
                   400, "invalidValue");
  }
  auto got = gw.request("GET", "/scim/v2/Users/" + id);
  REQUIRE(got.status == 200);
  CHECK_FALSE(got.json()->has("displayName"));
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("control characters in group names and member values are refused as invalidValue",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string name = "ctlg-" + uniqueSuffix();
  SECTION("POST displayName") {
    checkScimError(gw.request("POST", "/scim/v2/Groups",
                              std::string("{") + kGroupSchemaList + R"(,"displayName":")" + name +
                                  R"(\u0000x"})"),
                   400, "invalidValue");
  }
  SECTION("POST member value") {
    checkScimError(gw.request("POST", "/scim/v2/Groups",
                              std::string("{") + kGroupSchemaList + R"(,"displayName":")" + name +
                                  R"(","members":[{"value":"a\u0000b"}]})"),
                   400, "invalidValue");
  }
  SECTION("PATCH") {
    const std::string id = createGroup(gw, name);
    checkScimError(gw.request("PATCH", "/scim/v2/Groups/" + id,
                              patchBody(R"({"op":"replace","path":"displayName","value":"a\nb"})")),
                   400, "invalidValue");
    checkScimError(
        gw.request("PATCH", "/scim/v2/Groups/" + id,
                   patchBody(R"({"op":"add","path":"members","value":[{"value":"\u0001"}]})")),
        400, "invalidValue");
    CHECK(gw.request("DELETE", "/scim/v2/Groups/" + id).status == 204);
  }
}

// ---- item 7: lengths the directory cannot take -------------------------------------------------

TEST_CASE("a userName longer than the directory accepts is 400 invalidValue naming the limit",
          "[gateway][hostile][slapd]") {
  auto cfg = Gateway::defaultConfig();
  cfg.scim.userNameImmutable = false;  // so that a rename reaches the directory
  Gateway gw(cfg);
  const std::string name = "long-" + uniqueSuffix() + "-";
  SECTION("POST") {
    auto reply =
        gw.request("POST", "/scim/v2/Users", userBody(quoted(name + std::string(300, 'x'))));
    checkScimError(reply, 400, "invalidValue");
    CHECK(detailOf(reply).find("userName") != std::string::npos);
    CHECK(detailOf(reply).find("bytes") != std::string::npos);
  }
  SECTION("a rename by PATCH") {
    const std::string id = createUser(gw, name);
    auto reply = gw.request("PATCH", "/scim/v2/Users/" + id,
                            patchBody(R"({"op":"replace","path":"userName","value":")" + name +
                                      std::string(300, 'y') + "\"}"));
    checkScimError(reply, 400, "invalidValue");
    CHECK(detailOf(reply).find("userName") != std::string::npos);
    CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  }
  SECTION("a group displayName") {
    auto reply = gw.request("POST", "/scim/v2/Groups",
                            std::string("{") + kGroupSchemaList + R"(,"displayName":")" + name +
                                std::string(300, 'g') + "\"}");
    checkScimError(reply, 400, "invalidValue");
    CHECK(detailOf(reply).find("displayName") != std::string::npos);
    const std::string id = createGroup(gw, name);
    checkScimError(gw.request("PATCH", "/scim/v2/Groups/" + id,
                              patchBody(R"({"op":"replace","path":"displayName","value":")" + name +
                                        std::string(300, 'h') + "\"}")),
                   400, "invalidValue");
    CHECK(gw.request("DELETE", "/scim/v2/Groups/" + id).status == 204);
  }
}

// Not on AD, where a userName is the account's cn: at most 64 characters (ldap/escape_test).
TEST_CASE("a userName of the documented maximum length is stored whole",
          "[gateway][hostile][slapd][not-ad]") {
  Gateway gw;
  SECTION("ASCII") {
    std::string name = "max-" + uniqueSuffix() + "-";
    name += std::string(ldap::kMaxRdnValueBytes - name.size(), 'm');
    const std::string id = createUser(gw, name);
    auto got = gw.request("GET", "/scim/v2/Users/" + id);
    CHECK(got.json()->getValue<std::string>("userName") == name);
    CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  }
  SECTION("characters the directory escapes count three bytes") {
    std::string name = "esc-" + uniqueSuffix() + "-";
    std::size_t counted = name.size();
    for (; counted + 3 <= ldap::kMaxRdnValueBytes; counted += 3) name += ',';
    const std::string id = createUser(gw, name);
    CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
    checkScimError(gw.request("POST", "/scim/v2/Users", userBody(quoted(name + ",,"))), 400,
                   "invalidValue");
  }
  SECTION("non-ASCII letters whose lower case is longer") {
    // U+023A (2 bytes) lower-cases to U+2C65 (3 bytes) in the directory's normalisation.
    std::string name = "uni-" + uniqueSuffix() + "-";
    while (name.size() + 2 <= ldap::kMaxRdnValueBytes) name += "\xC8\xBA";
    const std::string id = createUser(gw, name);
    CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  }
}

// ---- item 9: bytes that are not UTF-8, and what is echoed ------------------------------------

TEST_CASE("a body that is not UTF-8 is 400 invalidSyntax showing the byte escaped",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  SECTION("a stray byte outside strings") {
    auto reply = gw.request("POST", "/scim/v2/Users", "\xFF{}");
    checkScimError(reply, 400, "invalidSyntax");
    CHECK(detailOf(reply).find("UTF-8") != std::string::npos);
    CHECK(detailOf(reply).find("\\xFF") != std::string::npos);
  }
  SECTION("a broken sequence inside a string value") {
    auto reply = gw.request("POST", "/scim/v2/Users", userBody("\"a\xC3(b\""));
    checkScimError(reply, 400, "invalidSyntax");
    CHECK(detailOf(reply).find("\\xC3") != std::string::npos);
  }
  SECTION("a JSON syntax error next to a non-ASCII character") {
    auto reply = gw.request("POST", "/scim/v2/Users", "{\"userName\": \xC3\xA9}");
    checkScimError(reply, 400, "invalidSyntax");
  }
}

TEST_CASE("a body starting with a UTF-8 byte order mark is read", "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string name = "bom-" + uniqueSuffix();
  auto reply = gw.request("POST", "/scim/v2/Users", "\xEF\xBB\xBF" + userBody(quoted(name)));
  CAPTURE(reply.body);
  REQUIRE(reply.status == 201);
  CHECK(
      gw.request("DELETE", "/scim/v2/Users/" + reply.json()->getValue<std::string>("id")).status ==
      204);
}

TEST_CASE("query parameters that are not UTF-8 are answered with valid UTF-8 JSON",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  SECTION("filter") {
    auto reply = gw.request("GET", "/scim/v2/Users?filter=" + encoded("userName eq \xFF"));
    checkScimError(reply, 400, "invalidFilter");
    CHECK(detailOf(reply).find("\\xFF") != std::string::npos);
    checkScimError(gw.request("GET", "/scim/v2/Users?filter=" + encoded("userName eq \"a\xC3\"")),
                   400, "invalidFilter");
    checkScimError(gw.request("GET", "/scim/v2/Groups?filter=" + encoded("\xEF\xBB\xBF")), 400,
                   "invalidFilter");
  }
  SECTION("sortBy") {
    auto reply = gw.request("GET", "/scim/v2/Users?sortBy=" + encoded("na\xFFme"));
    CAPTURE(reply.body);
    CHECK(reply.status == 400);
    CHECK(isUtf8(reply.body));
  }
  SECTION("attributes") {
    auto reply = gw.request("GET", "/scim/v2/Users?attributes=" + encoded("user\xFFName"));
    CAPTURE(reply.body);
    CHECK(isUtf8(reply.body));
    if (reply.status >= 400) CHECK(reply.status == 400);
  }
}

// ---- item 10: duplicate keys, schemas of the wrong type ---------------------------------------

TEST_CASE("duplicate JSON keys, in any case and at any depth, are 400 invalidSyntax",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string name = "dup-" + uniqueSuffix();
  SECTION("the same key twice") {
    auto reply = gw.request("POST", "/scim/v2/Users",
                            userBody(quoted(name), R"(,"userName":")" + name + "-2\""));
    checkScimError(reply, 400, "invalidSyntax");
    CHECK(detailOf(reply).find("userName") != std::string::npos);
  }
  SECTION("case variants") {
    checkScimError(gw.request("POST", "/scim/v2/Users",
                              userBody(quoted(name), R"(,"USERNAME":")" + name + "-2\"")),
                   400, "invalidSyntax");
  }
  SECTION("inside a complex attribute") {
    checkScimError(
        gw.request("POST", "/scim/v2/Users",
                   userBody(quoted(name), R"(,"name":{"givenName":"a","GivenName":"b"})")),
        400, "invalidSyntax");
  }
  SECTION("inside a PATCH operation's value") {
    const std::string id = createUser(gw, name);
    checkScimError(gw.request("PATCH", "/scim/v2/Users/" + id,
                              patchBody(R"({"op":"replace","value":{"title":"a","title":"b"}})")),
                   400, "invalidSyntax");
    CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  }
  SECTION("in a group") {
    checkScimError(gw.request("POST", "/scim/v2/Groups",
                              std::string("{") + kGroupSchemaList + R"(,"displayName":")" + name +
                                  R"(","displayname":"other"})"),
                   400, "invalidSyntax");
  }
  CHECK(ldapSearch(fixtureSlapd(), peopleDn(),
                   "(" + userNameAttribute() + "=" + ldap::escapeFilterValue(name) + "*)")
            .empty());
}

TEST_CASE("the same key in sibling objects is not a duplicate", "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string name = "sib-" + uniqueSuffix();
  const std::string id = createUser(
      gw, name,
      R"(,"emails":[{"value":"a@example.com","type":"work"},{"value":"b@example.com","type":"home"}])");
  CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("schemas that is not an array of strings is 400 invalidValue",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string name = "sch-" + uniqueSuffix();
  SECTION("user POST") {
    auto reply = gw.request(
        "POST", "/scim/v2/Users",
        R"({"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","userName":")" + name + "\"}");
    checkScimError(reply, 400, "invalidValue");
    CHECK(detailOf(reply).find("schemas") != std::string::npos);
  }
  SECTION("user PUT") {
    const std::string id = createUser(gw, name);
    checkScimError(
        gw.request("PUT", "/scim/v2/Users/" + id, R"({"schemas":[1],"userName":")" + name + "\"}"),
        400, "invalidValue");
    CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
  }
  SECTION("group POST") {
    checkScimError(
        gw.request("POST", "/scim/v2/Groups",
                   R"({"schemas":"urn:ietf:params:scim:schemas:core:2.0:Group","displayName":")" +
                       name + "\"}"),
        400, "invalidValue");
  }
}

// ---- item 12: ordering on attributes without an ORDERING rule; unknown sub-attributes ---------

TEST_CASE("gt, ge, lt and le on userName, emails and displayName answer the matching users",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string prefix = "ord-" + uniqueSuffix() + "-";
  std::vector<std::string> ids;
  for (const char* letter : {"a", "m", "z"}) {
    const std::string name = prefix + letter;
    ids.push_back(createUser(gw, name,
                             R"(,"displayName":"D )" + std::string(letter) +
                                 R"(","emails":[{"value":")" + name + "@example.com\"}]"));
  }
  auto names = [&](const std::string& filter) {
    auto reply = gw.request(
        "GET", "/scim/v2/Users?filter=" + encoded(filter + " and userName sw \"" + prefix + "\""));
    CAPTURE(filter, reply.body);
    REQUIRE(reply.status == 200);
    auto got = userNamesOf(reply);
    CHECK(reply.json()->getValue<int>("totalResults") == static_cast<int>(got.size()));
    return std::set<std::string>(got.begin(), got.end());
  };
  const std::string m = prefix + "m";
  CHECK(names("userName gt \"" + m + "\"") == std::set<std::string>{prefix + "z"});
  CHECK(names("userName ge \"" + m + "\"") == std::set<std::string>{m, prefix + "z"});
  CHECK(names("userName lt \"" + m + "\"") == std::set<std::string>{prefix + "a"});
  CHECK(names("userName le \"" + m + "\"") == std::set<std::string>{prefix + "a", m});
  // userName compares without case (RFC 7643 4.1.1: caseExact false).
  CHECK(names("userName gt \"" + prefix + "M\"") == std::set<std::string>{prefix + "z"});
  CHECK(names("emails.value lt \"" + m + "@\"") == std::set<std::string>{prefix + "a"});
  CHECK(names("emails[value ge \"" + m + "@\"]") == std::set<std::string>{m, prefix + "z"});
  CHECK(names("displayName gt \"D m\"") == std::set<std::string>{prefix + "z"});
  CHECK(names("not (userName gt \"" + m + "\")") == std::set<std::string>{prefix + "a", m});
  for (const auto& id : ids) CHECK(gw.request("DELETE", "/scim/v2/Users/" + id).status == 204);
}

TEST_CASE("gt on a group's displayName answers the matching groups or says it cannot",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  const std::string prefix = "gord-" + uniqueSuffix() + "-";
  std::vector<std::string> ids;
  for (const char* letter : {"a", "z"}) ids.push_back(createGroup(gw, prefix + letter));
  auto reply = gw.request(
      "GET", "/scim/v2/Groups?filter=" + encoded("displayName gt \"" + prefix +
                                                 "m\" and displayName sw \"" + prefix + "\""));
  CAPTURE(reply.body);
  if (reply.status == 200) {
    CHECK(reply.json()->getValue<int>("totalResults") == 1);
  } else {
    checkScimError(reply, 400, "invalidFilter");
    CHECK(detailOf(reply).find("displayName") != std::string::npos);
  }
  for (const auto& id : ids) CHECK(gw.request("DELETE", "/scim/v2/Groups/" + id).status == 204);
}

TEST_CASE("an unknown sub-attribute in a filter is 400 invalidFilter naming it",
          "[gateway][hostile][slapd]") {
  Gateway gw;
  for (const char* filter :
       {"emails[bogus eq \"x\"]", "emails[type eq \"work\" and bogus pr]",
        "addresses[nosuch co \"x\"]", "emails.bogus eq \"x\"", "name.bogus eq \"x\""}) {
    auto reply = gw.request("GET", "/scim/v2/Users?filter=" + encoded(filter));
    CAPTURE(filter);
    checkScimError(reply, 400, "invalidFilter");
    const std::string detail = detailOf(reply);
    CHECK(
        (detail.find("bogus") != std::string::npos || detail.find("nosuch") != std::string::npos));
  }
}
