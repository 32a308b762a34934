#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "projection_helpers.h"
#include "scim/projection.h"
#include "scim/schema.h"
#include "test_helpers.h"

namespace scim = scimgate::scim;

using scimgate::testing::canonicalJson;
using scimgate::testing::parseObject;

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// ---------------------------------------------------------------------------------------------
// `returned` values the User schemas do not use (request, always and never sub-attributes).

scim::AttributeDef widgetAttr(std::string name, scim::Returned returned) {
  scim::AttributeDef def;
  def.name = std::move(name);
  def.returned = returned;
  return def;
}

const std::string kWidget = "urn:example:params:scim:schemas:core:2.0:Widget";
const std::string kWidgetExtension = "urn:example:params:scim:schemas:extension:2.0:Widget";

const scim::ResourceTypeDef& widgetType() {
  static const scim::Schema core = [] {
    scim::Schema s;
    s.id = kWidget;
    s.name = "Widget";
    s.attributes = {
        widgetAttr("label", scim::Returned::Default), widgetAttr("secret", scim::Returned::Never),
        widgetAttr("audit", scim::Returned::Request), widgetAttr("serial", scim::Returned::Always)};
    scim::AttributeDef detail = widgetAttr("detail", scim::Returned::Default);
    detail.type = scim::AttrType::Complex;
    detail.subAttributes = {
        widgetAttr("value", scim::Returned::Default), widgetAttr("hidden", scim::Returned::Never),
        widgetAttr("note", scim::Returned::Request), widgetAttr("key", scim::Returned::Always)};
    s.attributes.push_back(detail);
    return s;
  }();
  static const scim::Schema extension = [] {
    scim::Schema s;
    s.id = kWidgetExtension;
    s.name = "WidgetExtension";
    s.attributes = {widgetAttr("cost", scim::Returned::Request)};
    return s;
  }();
  static const scim::ResourceTypeDef type = [] {
    scim::ResourceTypeDef t;
    t.id = "Widget";
    t.endpoint = "/Widgets";
    t.core = &core;
    t.extensions = {&extension};
    return t;
  }();
  return type;
}

const std::string kWidgetJson = R"({
  "schemas": ["urn:example:params:scim:schemas:core:2.0:Widget",
              "urn:example:params:scim:schemas:extension:2.0:Widget"],
  "id": "w1", "label": "Left", "secret": "s3cr3t", "audit": "a-trail", "serial": "SN-1",
  "detail": {"value": "v", "hidden": "h", "note": "n", "key": "k"},
  "urn:example:params:scim:schemas:extension:2.0:Widget": {"cost": 12}
})";

struct WidgetCase {
  std::string what;
  std::string attributes;
  std::string excluded;
  std::string expected;  // the whole output, without `schemas` unless it has extensions
};

const std::vector<WidgetCase> kWidgetCases = {
    {"the default set leaves out never and request attributes and sub-attributes", "", "",
     R"({"id": "w1", "label": "Left", "serial": "SN-1", "detail": {"value": "v", "key": "k"}})"},
    {"naming a default attribute keeps the always ones", "label", "",
     R"({"id": "w1", "label": "Left", "serial": "SN-1"})"},
    {"a request attribute is returned when named", "audit", "",
     R"({"id": "w1", "audit": "a-trail", "serial": "SN-1"})"},
    {"a never attribute is not returned when named", "secret", "",
     R"({"id": "w1", "serial": "SN-1"})"},
    {"naming a complex attribute returns its request sub-attributes but not never ones", "detail",
     "", R"({"id": "w1", "serial": "SN-1", "detail": {"value": "v", "note": "n", "key": "k"}})"},
    {"naming a request sub-attribute keeps it and the always ones", "detail.note", "",
     R"({"id": "w1", "serial": "SN-1", "detail": {"note": "n", "key": "k"}})"},
    {"naming a never sub-attribute keeps only the always ones", "detail.hidden", "",
     R"({"id": "w1", "serial": "SN-1", "detail": {"key": "k"}})"},
    {"excluding an always attribute has no effect", "", "serial",
     R"({"id": "w1", "label": "Left", "serial": "SN-1", "detail": {"value": "v", "key": "k"}})"},
    {"excluding an always sub-attribute has no effect", "", "detail.key",
     R"({"id": "w1", "label": "Left", "serial": "SN-1", "detail": {"value": "v", "key": "k"}})"},
    {"excluding a default sub-attribute keeps the always one", "", "detail.value",
     R"({"id": "w1", "label": "Left", "serial": "SN-1", "detail": {"key": "k"}})"},
    {"a request extension attribute is returned when named", kWidgetExtension + ":cost", "",
     R"({"schemas": ["urn:example:params:scim:schemas:core:2.0:Widget",
                     "urn:example:params:scim:schemas:extension:2.0:Widget"],
         "id": "w1", "serial": "SN-1",
         "urn:example:params:scim:schemas:extension:2.0:Widget": {"cost": 12}})"},
    {"naming a whole extension returns its request attributes", kWidgetExtension, "",
     R"({"schemas": ["urn:example:params:scim:schemas:core:2.0:Widget",
                     "urn:example:params:scim:schemas:extension:2.0:Widget"],
         "id": "w1", "serial": "SN-1",
         "urn:example:params:scim:schemas:extension:2.0:Widget": {"cost": 12}})"},
};

TEST_CASE("projection follows every `returned` value of the schema", "[scim][projection]") {
  for (const auto& c : kWidgetCases) {
    SECTION(c.what) {
      auto projection = scim::parseProjection(c.attributes, c.excluded, widgetType());
      REQUIRE(projection.ok());
      const Object::Ptr out = scim::project(*parseObject(kWidgetJson), *projection, widgetType());
      Object::Ptr expected = parseObject(c.expected);
      if (!expected->has("schemas")) {
        Array::Ptr coreOnly = new Array;
        coreOnly->add(kWidget);
        expected->set("schemas", coreOnly);
      }
      CHECK(canonicalJson(out) == canonicalJson(expected));
    }
  }
}

TEST_CASE("neededAttributes follows every `returned` value of the schema", "[scim][projection]") {
  const auto neededFor = [](const std::string& attributes) {
    auto projection = scim::parseProjection(attributes, "", widgetType());
    REQUIRE(projection.ok());
    return scim::neededAttributes(*projection, widgetType());
  };
  SECTION("the default set has no never or request attributes") {
    CHECK(neededFor("") ==
          std::vector<std::string>{"id", "externalId", "meta", "label", "serial", "detail"});
  }
  SECTION("a named request attribute is needed") {
    CHECK(neededFor("audit") == std::vector<std::string>{"id", "audit", "serial"});
  }
  SECTION("a named request extension attribute is needed") {
    CHECK(neededFor(kWidgetExtension) ==
          std::vector<std::string>{"id", "serial", kWidgetExtension + ":cost"});
  }
}

}  // namespace
