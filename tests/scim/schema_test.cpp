#include "scim/schema.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

namespace scim = scimgate::scim;

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

/// The attribute called `name` in a /Schemas "attributes" (or "subAttributes") array.
Object::Ptr attributeNamed(const Array::Ptr& attributes, const std::string& name) {
  for (unsigned int i = 0; i < attributes->size(); ++i) {
    auto attribute = attributes->getObject(i);
    if (attribute && attribute->getValue<std::string>("name") == name) return attribute;
  }
  return nullptr;
}

std::vector<std::string> stringsOf(const Array::Ptr& array) {
  std::vector<std::string> out;
  for (unsigned int i = 0; i < array->size(); ++i) out.push_back(array->getElement<std::string>(i));
  return out;
}

/// RFC 7643 7: every attribute definition carries these, and sub-attributes recursively.
void checkAttributeFields(const Object::Ptr& attribute, const std::string& path) {
  CAPTURE(path);
  for (const char* field :
       {"name", "type", "multiValued", "description", "required", "mutability", "returned"}) {
    CAPTURE(field);
    CHECK(attribute->has(field));
  }
  const auto type = attribute->getValue<std::string>("type");
  const std::set<std::string> types = {"string",   "boolean", "decimal",   "integer",
                                       "dateTime", "binary",  "reference", "complex"};
  CHECK(types.count(type) == 1);
  const std::set<std::string> mutabilities = {"readOnly", "readWrite", "immutable", "writeOnly"};
  CHECK(mutabilities.count(attribute->getValue<std::string>("mutability")) == 1);
  const std::set<std::string> returned = {"always", "never", "default", "request"};
  CHECK(returned.count(attribute->getValue<std::string>("returned")) == 1);
  if (type == "string" || type == "reference" || type == "binary") {
    CHECK(attribute->has("caseExact"));
    CHECK(attribute->has("uniqueness"));
  }
  if (type == "complex") {
    REQUIRE(attribute->has("subAttributes"));
    auto subs = attribute->getArray("subAttributes");
    CHECK(subs->size() > 0);
    for (unsigned int i = 0; i < subs->size(); ++i) {
      auto sub = subs->getObject(i);
      checkAttributeFields(sub, path + "." + sub->getValue<std::string>("name"));
      CHECK_FALSE(sub->has("subAttributes"));  // RFC 7643 2.3.8: no nested complex attributes
    }
  } else {
    CHECK_FALSE(attribute->has("subAttributes"));
  }
}

}  // namespace

TEST_CASE("userName is required and unique within the server", "[scim][schema]") {
  const scim::AttributeDef* userName = scim::userSchema().find("userName");
  REQUIRE(userName != nullptr);
  CHECK(userName->required);
  CHECK(userName->uniqueness == scim::Uniqueness::Server);
  CHECK(userName->type == scim::AttrType::String);
  CHECK_FALSE(userName->multiValued);
  CHECK(userName->mutability == scim::Mutability::ReadWrite);
}

TEST_CASE("schema lookups ignore case", "[scim][schema]") {
  CHECK(scim::userSchema().find("USERNAME") == scim::userSchema().find("userName"));
  CHECK(scim::userSchema().find("nope") == nullptr);
  const scim::AttributeDef* emails = scim::userSchema().find("Emails");
  REQUIRE(emails != nullptr);
  REQUIRE(emails->findSub("PRIMARY") != nullptr);
  CHECK(emails->findSub("PRIMARY")->name == "primary");
  CHECK(emails->findSub("nope") == nullptr);

  const auto& type = scim::userResourceType();
  CHECK(type.schemaFor("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER") == type.core);
  CHECK(type.schemaFor(scim::kEnterpriseUserSchema) == &scim::enterpriseUserSchema());
  CHECK(type.schemaFor(scim::kScimgateUserSchema) == &scim::scimgateUserSchema());
  CHECK(type.schemaFor("urn:example:nope") == nullptr);
}

TEST_CASE("equalsIgnoreCase compares ASCII case-insensitively", "[scim][schema]") {
  CHECK(scim::equalsIgnoreCase("userName", "USERNAME"));
  CHECK(scim::equalsIgnoreCase("", ""));
  CHECK_FALSE(scim::equalsIgnoreCase("userName", "userNam"));
  CHECK_FALSE(scim::equalsIgnoreCase("a", "b"));
}

TEST_CASE("the User schema document lists every attribute with its RFC 7643 fields",
          "[scim][schema]") {
  const auto json = scim::schemaToJson(scim::userSchema(), "https://scim.example.com/v2/Schemas/x");
  CHECK(stringsOf(json->getArray("schemas")) ==
        std::vector<std::string>{"urn:ietf:params:scim:schemas:core:2.0:Schema"});
  CHECK(json->getValue<std::string>("id") == std::string(scim::kUserSchema));
  CHECK(json->getValue<std::string>("name") == "User");
  CHECK(json->has("description"));
  CHECK(json->getObject("meta")->getValue<std::string>("resourceType") == "Schema");
  CHECK(json->getObject("meta")->getValue<std::string>("location") ==
        "https://scim.example.com/v2/Schemas/x");

  const auto attributes = json->getArray("attributes");
  REQUIRE(attributes->size() == scim::userSchema().attributes.size());
  for (unsigned int i = 0; i < attributes->size(); ++i) {
    auto attribute = attributes->getObject(i);
    checkAttributeFields(attribute, attribute->getValue<std::string>("name"));
  }
  for (const char* name : {"userName", "name", "displayName", "active", "password", "emails",
                           "phoneNumbers", "addresses", "groups", "timezone"}) {
    CAPTURE(name);
    CHECK(attributeNamed(attributes, name));
  }
}

TEST_CASE("the User schema document describes userName, emails and password exactly",
          "[scim][schema]") {
  const auto attributes = scim::schemaToJson(scim::userSchema(), "loc")->getArray("attributes");

  const auto userName = attributeNamed(attributes, "userName");
  REQUIRE(userName);
  CHECK(userName->getValue<std::string>("type") == "string");
  CHECK(userName->getValue<bool>("multiValued") == false);
  CHECK(userName->getValue<bool>("required") == true);
  CHECK(userName->getValue<bool>("caseExact") == false);
  CHECK(userName->getValue<std::string>("mutability") == "readWrite");
  CHECK(userName->getValue<std::string>("returned") == "default");
  CHECK(userName->getValue<std::string>("uniqueness") == "server");

  const auto emails = attributeNamed(attributes, "emails");
  REQUIRE(emails);
  CHECK(emails->getValue<std::string>("type") == "complex");
  CHECK(emails->getValue<bool>("multiValued") == true);
  CHECK(emails->getValue<bool>("required") == false);
  const auto subs = emails->getArray("subAttributes");
  for (const char* sub : {"value", "display", "type", "primary"}) {
    CAPTURE(sub);
    CHECK(attributeNamed(subs, sub));
  }
  const auto type = attributeNamed(subs, "type");
  REQUIRE(type);
  CHECK(stringsOf(type->getArray("canonicalValues")) ==
        std::vector<std::string>{"work", "home", "other"});
  const auto primary = attributeNamed(subs, "primary");
  REQUIRE(primary);
  CHECK(primary->getValue<std::string>("type") == "boolean");

  const auto password = attributeNamed(attributes, "password");
  REQUIRE(password);
  CHECK(password->getValue<std::string>("returned") == "never");
  CHECK(password->getValue<std::string>("mutability") == "writeOnly");

  const auto groups = attributeNamed(attributes, "groups");
  REQUIRE(groups);
  CHECK(groups->getValue<std::string>("mutability") == "readOnly");
  const auto ref = attributeNamed(groups->getArray("subAttributes"), "$ref");
  REQUIRE(ref);
  CHECK(ref->getValue<std::string>("type") == "reference");
  CHECK(stringsOf(ref->getArray("referenceTypes")) == std::vector<std::string>{"Group"});
}

TEST_CASE("the extension schema documents are complete too", "[scim][schema]") {
  for (const scim::Schema* schema : {&scim::enterpriseUserSchema(), &scim::scimgateUserSchema()}) {
    CAPTURE(schema->id);
    const auto json = scim::schemaToJson(*schema, "loc");
    CHECK(json->getValue<std::string>("id") == schema->id);
    const auto attributes = json->getArray("attributes");
    REQUIRE(attributes->size() == schema->attributes.size());
    for (unsigned int i = 0; i < attributes->size(); ++i) {
      auto attribute = attributes->getObject(i);
      checkAttributeFields(attribute, attribute->getValue<std::string>("name"));
    }
  }
  const auto enterprise = scim::schemaToJson(scim::enterpriseUserSchema(), "loc");
  const auto manager = attributeNamed(enterprise->getArray("attributes"), "manager");
  REQUIRE(manager);
  const auto displayName = attributeNamed(manager->getArray("subAttributes"), "displayName");
  REQUIRE(displayName);
  CHECK(displayName->getValue<std::string>("mutability") == "readOnly");

  const auto scimgate = scim::schemaToJson(scim::scimgateUserSchema(), "loc");
  const auto status = attributeNamed(scimgate->getArray("attributes"), "status");
  REQUIRE(status);
  CHECK(status->getValue<std::string>("mutability") == "readOnly");
  const auto skills = attributeNamed(scimgate->getArray("attributes"), "skills");
  REQUIRE(skills);
  CHECK(skills->getValue<bool>("multiValued") == true);
}

TEST_CASE("the User resource type lists both extensions as optional", "[scim][schema]") {
  const auto json =
      scim::resourceTypeToJson(scim::userResourceType(), "https://x/v2/ResourceTypes/User");
  CHECK(stringsOf(json->getArray("schemas")) ==
        std::vector<std::string>{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"});
  CHECK(json->getValue<std::string>("id") == "User");
  CHECK(json->getValue<std::string>("name") == "User");
  CHECK(json->getValue<std::string>("endpoint") == "/Users");
  CHECK(json->getValue<std::string>("schema") == std::string(scim::kUserSchema));
  CHECK(json->getObject("meta")->getValue<std::string>("resourceType") == "ResourceType");
  CHECK(json->getObject("meta")->getValue<std::string>("location") ==
        "https://x/v2/ResourceTypes/User");

  const auto extensions = json->getArray("schemaExtensions");
  REQUIRE(extensions->size() == 2);
  std::set<std::string> urns;
  for (unsigned int i = 0; i < extensions->size(); ++i) {
    auto extension = extensions->getObject(i);
    urns.insert(extension->getValue<std::string>("schema"));
    CHECK(extension->getValue<bool>("required") == false);
  }
  CHECK(urns == std::set<std::string>{std::string(scim::kEnterpriseUserSchema),
                                      std::string(scim::kScimgateUserSchema)});
}

TEST_CASE("the service provider config reflects the features", "[scim][schema]") {
  scim::ServiceProviderFeatures features;
  features.patch = true;
  features.maxResults = 321;
  features.etag = true;
  features.documentationUri = "https://docs.example.com/scimgate";
  const auto json =
      scim::serviceProviderConfigToJson(features, "https://x/v2/ServiceProviderConfig");

  CHECK(stringsOf(json->getArray("schemas")) ==
        std::vector<std::string>{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"});
  CHECK(json->getValue<std::string>("documentationUri") == "https://docs.example.com/scimgate");
  CHECK(json->getObject("patch")->getValue<bool>("supported") == true);
  CHECK(json->getObject("bulk")->getValue<bool>("supported") == false);
  CHECK(json->getObject("bulk")->has("maxOperations"));
  CHECK(json->getObject("bulk")->has("maxPayloadSize"));
  CHECK(json->getObject("filter")->getValue<bool>("supported") == true);
  CHECK(json->getObject("filter")->getValue<int>("maxResults") == 321);
  CHECK(json->getObject("changePassword")->getValue<bool>("supported") == true);
  CHECK(json->getObject("sort")->getValue<bool>("supported") == false);
  CHECK(json->getObject("etag")->getValue<bool>("supported") == true);
  CHECK(json->getObject("meta")->getValue<std::string>("resourceType") == "ServiceProviderConfig");
  CHECK(json->getObject("meta")->getValue<std::string>("location") ==
        "https://x/v2/ServiceProviderConfig");

  const auto schemes = json->getArray("authenticationSchemes");
  REQUIRE(schemes->size() == 1);
  const auto bearer = schemes->getObject(0);
  CHECK(bearer->getValue<std::string>("type") == "oauthbearertoken");
  for (const char* field : {"name", "description"}) {
    CAPTURE(field);
    CHECK_FALSE(bearer->getValue<std::string>(field).empty());
  }

  SECTION("features switched off read as unsupported") {
    scim::ServiceProviderFeatures off;
    off.patch = false;
    off.etag = false;
    off.filter = false;
    const auto offJson = scim::serviceProviderConfigToJson(off, "loc");
    CHECK(offJson->getObject("patch")->getValue<bool>("supported") == false);
    CHECK(offJson->getObject("etag")->getValue<bool>("supported") == false);
    CHECK(offJson->getObject("filter")->getValue<bool>("supported") == false);
    CHECK_FALSE(offJson->has("documentationUri"));
  }
}
