#include "scim/group.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "scim/schema.h"

namespace scim = scimgate::scim;

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const std::string kCore(scim::kGroupSchema);
const std::string kExtension(scim::kScimgateGroupSchema);
const std::string kBase = "http://h/scim/v2";

Object::Ptr parseObject(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Object::Ptr>();
}

scim::Result<scim::GroupInput> parse(const std::string& json) {
  return scim::parseGroupInput(*parseObject(json));
}

/// Parses a body that must be accepted.
scim::GroupInput accepted(const std::string& json) {
  auto input = parse(json);
  INFO(json);
  if (!input.ok()) FAIL("rejected: " << input.error().detail);
  return *input;
}

/// Member values as "value|display|type" strings, for compact comparisons.
std::vector<std::string> describe(const std::vector<scim::GroupMember>& members) {
  std::vector<std::string> out;
  for (const auto& m : members) out.push_back(m.value + "|" + m.display + "|" + m.type);
  return out;
}

std::string stringify(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

std::vector<std::string> stringsOf(const Array::Ptr& array) {
  std::vector<std::string> out;
  for (unsigned int i = 0; i < array->size(); ++i) out.push_back(array->getElement<std::string>(i));
  return out;
}

Object::Ptr attributeNamed(const Array::Ptr& attributes, const std::string& name) {
  for (unsigned int i = 0; i < attributes->size(); ++i) {
    auto attribute = attributes->getObject(i);
    if (attribute && attribute->getValue<std::string>("name") == name) return attribute;
  }
  return nullptr;
}

scim::GroupView sampleGroup() {
  scim::GroupView group;
  group.id = "g-1";
  group.displayName = "Tour Guides";
  group.externalId = "ext-1";
  group.kind = scim::GroupKind::Queue;
  group.members = std::vector<scim::GroupMember>{{"u-1", "Babs", "User"}, {"g-2", "", "Group"}};
  group.meta = {"2026-01-02T03:04:05Z", "2026-02-03T04:05:06Z", "W/\"abc\""};
  return group;
}

}  // namespace

TEST_CASE("group kinds have lower-case names and parse case-insensitively", "[scim][group]") {
  struct Case {
    scim::GroupKind kind;
    std::string name;
  };
  const std::vector<Case> cases = {{scim::GroupKind::Group, "group"},
                                   {scim::GroupKind::Role, "role"},
                                   {scim::GroupKind::Queue, "queue"},
                                   {scim::GroupKind::Account, "account"}};
  for (const auto& c : cases) {
    CHECK(scim::toString(c.kind) == c.name);
    CHECK(scim::groupKindFrom(c.name) == c.kind);
    std::string upper = c.name;
    for (auto& ch : upper) ch = static_cast<char>(ch - 'a' + 'A');
    CHECK(scim::groupKindFrom(upper) == c.kind);
  }
  CHECK_FALSE(scim::groupKindFrom("team").has_value());
  CHECK_FALSE(scim::groupKindFrom("").has_value());
}

TEST_CASE("group parser accepts the Entra ID create body", "[scim][group]") {
  auto input =
      accepted(R"({"externalId":"x","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
                            "displayName":"Group1DisplayName","members":[]})");
  CHECK(input.displayName == "Group1DisplayName");
  CHECK(input.externalId == std::optional<std::string>("x"));
  CHECK(input.kind == scim::GroupKind::Group);
  CHECK_FALSE(input.kindGiven);
  REQUIRE(input.members.has_value());
  CHECK(input.members->empty());
}

TEST_CASE("group parser reads members in their accepted shapes", "[scim][group]") {
  struct Case {
    std::string body;
    std::vector<std::string> members;
  };
  const std::vector<Case> cases = {
      {R"({"displayName": "G", "members": [{"value": "id", "display": "VP"}]})", {"id|VP|"}},
      {R"({"displayName": "G", "members": [{"value": "id", "displayName": "VP"}]})", {"id||"}},
      {R"({"displayName": "G", "members": ["u1", "u2"]})", {"u1||", "u2||"}},
      {R"({"displayName": "G", "members": ["u1", {"value": "g1", "type": "group"}]})",
       {"u1||", "g1||Group"}},
      {R"({"displayName": "G", "Members": [{"Value": "u1", "TYPE": "User", "$ref": "x"}]})",
       {"u1||User"}},
      {R"({"displayName": "G", "members": {"value": "only"}})", {"only||"}},
      {R"({"displayName": "G", "members": "only"})", {"only||"}},
      {R"({"displayName": "G", "members": [null, {"value": "u1", "display": null}]})", {"u1||"}},
      {R"({"displayName": "G", "members": null})", {}},
      {R"({"displayName": "G", "members": ["u1", {"value": "u1", "display": "again"}, "U1",
          "u2", "u2"]})",
       {"u1||", "u2||"}},
  };
  for (const auto& c : cases) {
    SECTION(c.body) {
      auto input = accepted(c.body);
      REQUIRE(input.members.has_value());
      CHECK(describe(*input.members) == c.members);
    }
  }
}

TEST_CASE("group parser leaves members unset when the body has none", "[scim][group]") {
  auto input = accepted(R"({"displayName": "G"})");
  CHECK_FALSE(input.members.has_value());
  CHECK_FALSE(input.externalId.has_value());
}

TEST_CASE("group parser matches names case-insensitively and ignores server-set attributes",
          "[scim][group]") {
  auto input = accepted(R"({"DISPLAYNAME": "Ops", "ExternalID": "e", "id": "ignored",
      "meta": {"resourceType": "Group"}, "schemas": ["urn:x"], "unknown": 1})");
  CHECK(input.displayName == "Ops");
  CHECK(input.externalId == std::optional<std::string>("e"));
  CHECK_FALSE(input.members.has_value());
}

TEST_CASE("group parser reads the kind from the scimgate extension", "[scim][group]") {
  struct Case {
    std::string body;
    scim::GroupKind kind;
    bool given;
  };
  const std::vector<Case> cases = {
      {R"({"displayName": "G", ")" + kExtension + R"(": {"kind": "queue"}})",
       scim::GroupKind::Queue, true},
      {R"({"displayName": "G", "URN:SCIMGATE:params:scim:schemas:extension:2.0:group":
          {"Kind": "Role"}})",
       scim::GroupKind::Role, true},
      {R"({"displayName": "G", ")" + kExtension + R"(:kind": "account"})", scim::GroupKind::Account,
       true},
      {R"({"displayName": "G", ")" + kExtension + R"(": {}})", scim::GroupKind::Group, false},
      {R"({"displayName": "G", ")" + kExtension + R"(": {"kind": null}})", scim::GroupKind::Group,
       false},
      {R"({"displayName": "G", "kind": "role"})", scim::GroupKind::Group, false},
  };
  for (const auto& c : cases) {
    SECTION(c.body) {
      auto input = accepted(c.body);
      CHECK(input.kind == c.kind);
      CHECK(input.kindGiven == c.given);
    }
  }
}

TEST_CASE("group parser rejects bad bodies with invalidValue naming the attribute",
          "[scim][group]") {
  struct Case {
    std::string body;
    std::string detailPart;
  };
  const std::vector<Case> cases = {
      {R"({"externalId": "x", "members": []})", "'displayName' is required"},
      {R"({"displayName": ""})", "'displayName' is required"},
      {R"({"displayName": null})", "'displayName' is required"},
      {R"({"displayName": 7})", "'displayName' must be a string"},
      {R"({"displayName": ["G"]})", "'displayName' must be a string"},
      {R"({"displayName": "G", "externalId": 5})", "'externalId' must be a string"},
      {R"({"displayName": "G", "members": 5})", "'members' must be an array"},
      {R"({"displayName": "G", "members": [5]})", "'members[0]' must be an object"},
      {R"({"displayName": "G", "members": ["u1", {"display": "no value"}]})",
       "'members[1].value' is required"},
      {R"({"displayName": "G", "members": [{"value": ""}]})", "'members[0].value' is required"},
      {R"({"displayName": "G", "members": [""]})", "'members[0]' must not be an empty id"},
      {R"({"displayName": "G", "members": [{"value": 42}]})",
       "'members[0].value' must be a string"},
      {R"({"displayName": "G", "members": [{"value": "u", "display": 1}]})",
       "'members[0].display' must be a string"},
      {R"({"displayName": "G", "members": [{"value": "u", "type": "Device"}]})",
       "'members[0].type' must be one of User, Group"},
      {R"({"displayName": "G", ")" + kExtension + R"(": {"kind": "team"}})",
       "must be one of group, role, queue, account"},
      {R"({"displayName": "G", ")" + kExtension + R"(": {"kind": 1}})", ":kind' must be a string"},
      {R"({"displayName": "G", ")" + kExtension + R"(": "queue"})", "must be an object"},
      {R"({"displayName": "G", ")" + kExtension + R"(:kind": "team"})",
       "must be one of group, role, queue, account"},
  };
  for (const auto& c : cases) {
    SECTION(c.body) {
      auto input = parse(c.body);
      REQUIRE_FALSE(input.ok());
      CHECK(input.error().kind == scim::ErrorKind::InvalidValue);
      CHECK_THAT(input.error().detail, Catch::Matchers::Contains(c.detailPart));
    }
  }
}

TEST_CASE("group representation carries schemas, extension, refs and meta", "[scim][group]") {
  auto json = scim::groupToJson(sampleGroup(), kBase);
  CHECK(stringsOf(json->getArray("schemas")) == std::vector<std::string>{kCore, kExtension});
  CHECK(json->getValue<std::string>("id") == "g-1");
  CHECK(json->getValue<std::string>("externalId") == "ext-1");
  CHECK(json->getValue<std::string>("displayName") == "Tour Guides");
  CHECK(json->getObject(kExtension)->getValue<std::string>("kind") == "queue");

  auto members = json->getArray("members");
  REQUIRE(members->size() == 2);
  CHECK(stringify(*members->getObject(0)) ==
        R"({"$ref":"http://h/scim/v2/Users/u-1","display":"Babs","type":"User","value":"u-1"})");
  CHECK(stringify(*members->getObject(1)) ==
        R"({"$ref":"http://h/scim/v2/Groups/g-2","type":"Group","value":"g-2"})");

  auto meta = json->getObject("meta");
  CHECK(meta->getValue<std::string>("resourceType") == "Group");
  CHECK(meta->getValue<std::string>("created") == "2026-01-02T03:04:05Z");
  CHECK(meta->getValue<std::string>("lastModified") == "2026-02-03T04:05:06Z");
  CHECK(meta->getValue<std::string>("version") == "W/\"abc\"");
  CHECK(meta->getValue<std::string>("location") == "http://h/scim/v2/Groups/g-1");
}

TEST_CASE("group representation omits members that were not read or are empty", "[scim][group]") {
  auto group = sampleGroup();
  SECTION("not read") { group.members.reset(); }
  SECTION("empty") { group.members = std::vector<scim::GroupMember>{}; }
  auto json = scim::groupToJson(group, kBase);
  CHECK_FALSE(json->has("members"));
  CHECK(json->has("displayName"));
}

TEST_CASE("group representation leaves out what is unknown", "[scim][group]") {
  scim::GroupView group;
  group.id = "g-9";
  group.displayName = "Plain";
  group.members = std::vector<scim::GroupMember>{{"x-1", "", ""}};
  auto json = scim::groupToJson(group, kBase + "/");
  CHECK_FALSE(json->has("externalId"));
  CHECK(stringify(*json->getArray("members")->getObject(0)) == R"({"value":"x-1"})");
  CHECK(json->getObject(kExtension)->getValue<std::string>("kind") == "group");
  auto meta = json->getObject("meta");
  CHECK(stringify(*meta) == R"({"location":"http://h/scim/v2/Groups/g-9","resourceType":"Group"})");
}

TEST_CASE("a parsed group body round-trips through the representation", "[scim][group]") {
  auto input = accepted(R"({"displayName": "Round", "externalId": "r",
      "members": [{"value": "u1", "display": "One", "type": "User"}],
      ")" + kExtension + R"(": {"kind": "account"}})");
  scim::GroupView view;
  view.id = "g-r";
  view.displayName = input.displayName;
  view.externalId = input.externalId;
  view.kind = input.kind;
  view.members = input.members;
  auto again = scim::parseGroupInput(*scim::groupToJson(view, kBase));
  REQUIRE(again.ok());
  CHECK(again->displayName == "Round");
  CHECK(again->externalId == input.externalId);
  CHECK(again->kind == scim::GroupKind::Account);
  CHECK(again->kindGiven);
  REQUIRE(again->members.has_value());
  CHECK(describe(*again->members) == std::vector<std::string>{"u1|One|User"});
}

TEST_CASE("group schema requires a server-unique displayName", "[scim][group]") {
  const auto& schema = scim::groupSchema();
  CHECK(schema.id == kCore);
  const auto* displayName = schema.find("DISPLAYNAME");
  REQUIRE(displayName != nullptr);
  CHECK(displayName->required);
  CHECK(displayName->uniqueness == scim::Uniqueness::Server);
  CHECK(displayName->type == scim::AttrType::String);
}

TEST_CASE("group schema defines members as multi-valued complex with immutable sub-attributes",
          "[scim][group]") {
  const auto* members = scim::groupSchema().find("members");
  REQUIRE(members != nullptr);
  CHECK(members->type == scim::AttrType::Complex);
  CHECK(members->multiValued);
  CHECK(members->mutability == scim::Mutability::ReadWrite);
  for (const char* name : {"value", "$ref", "display", "type"}) {
    const auto* sub = members->findSub(name);
    INFO(name);
    REQUIRE(sub != nullptr);
    CHECK(sub->mutability == scim::Mutability::Immutable);
  }
  CHECK(members->findSub("$ref")->type == scim::AttrType::Reference);
  CHECK(members->findSub("$ref")->referenceTypes == std::vector<std::string>{"User", "Group"});
  CHECK(members->findSub("type")->canonicalValues == std::vector<std::string>{"User", "Group"});
}

TEST_CASE("scimgate group extension defines an immutable kind", "[scim][group]") {
  const auto& schema = scim::scimgateGroupSchema();
  CHECK(schema.id == kExtension);
  const auto* kind = schema.find("Kind");
  REQUIRE(kind != nullptr);
  CHECK(kind->type == scim::AttrType::String);
  CHECK(kind->mutability == scim::Mutability::Immutable);
  CHECK(kind->canonicalValues == std::vector<std::string>{"group", "role", "queue", "account"});
  CHECK(kind->description == "Which container the group lives in; set on create");
}

TEST_CASE("group schemas serialise for /Schemas", "[scim][group]") {
  auto json = scim::schemaToJson(scim::groupSchema(), kBase + "/Schemas/" + kCore);
  CHECK(json->getValue<std::string>("id") == kCore);
  CHECK(json->getValue<std::string>("name") == "Group");
  auto displayName = attributeNamed(json->getArray("attributes"), "displayName");
  REQUIRE(displayName);
  CHECK(displayName->getValue<bool>("required"));
  CHECK(displayName->getValue<std::string>("uniqueness") == "server");
  auto members = attributeNamed(json->getArray("attributes"), "members");
  REQUIRE(members);
  CHECK(members->getValue<bool>("multiValued"));
  auto ref = attributeNamed(members->getArray("subAttributes"), "$ref");
  REQUIRE(ref);
  CHECK(stringsOf(ref->getArray("referenceTypes")) == std::vector<std::string>{"User", "Group"});

  auto extension =
      scim::schemaToJson(scim::scimgateGroupSchema(), kBase + "/Schemas/" + kExtension);
  auto kind = attributeNamed(extension->getArray("attributes"), "kind");
  REQUIRE(kind);
  CHECK(kind->getValue<std::string>("mutability") == "immutable");
  CHECK(stringsOf(kind->getArray("canonicalValues")) ==
        std::vector<std::string>{"group", "role", "queue", "account"});
}

TEST_CASE("group resource type lists its endpoint and extension", "[scim][group]") {
  const auto& type = scim::groupResourceType();
  CHECK(type.schemaFor(kExtension) == &scim::scimgateGroupSchema());
  CHECK(type.schemaFor(kCore) == &scim::groupSchema());
  auto json = scim::resourceTypeToJson(type, kBase + "/ResourceTypes/Group");
  CHECK(json->getValue<std::string>("id") == "Group");
  CHECK(json->getValue<std::string>("name") == "Group");
  CHECK(json->getValue<std::string>("endpoint") == "/Groups");
  CHECK(json->getValue<std::string>("schema") == kCore);
  auto extensions = json->getArray("schemaExtensions");
  REQUIRE(extensions->size() == 1);
  CHECK(extensions->getObject(0)->getValue<std::string>("schema") == kExtension);
  CHECK_FALSE(extensions->getObject(0)->getValue<bool>("required"));
}

TEST_CASE("memberDiff: what to add and remove, ids compared without case", "[scim][group]") {
  using scimgate::scim::GroupMember;
  using scimgate::scim::memberDiff;
  const std::vector<GroupMember> current{{"aaaa", "", ""}, {"BBBB", "", ""}, {"cccc", "", ""}};
  const std::vector<GroupMember> wanted{
      {"AAAA", "", ""}, {"bbbb", "", ""}, {"dddd", "", ""}, {"DDDD", "", ""}};
  const auto [add, remove] = memberDiff(current, wanted);
  CHECK(add == std::vector<std::string>{"dddd"});
  CHECK(remove == std::vector<std::string>{"cccc"});
  CHECK(memberDiff({}, {}).first.empty());
  CHECK(memberDiff(current, {}).second == std::vector<std::string>{"aaaa", "bbbb", "cccc"});
}
