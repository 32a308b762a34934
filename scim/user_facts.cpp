#include "scim/user_facts.h"

#include <Poco/JSON/Array.h>

#include <cctype>

#include "scim/schema.h"

namespace scimgate::scim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string lowerCase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

Array::Ptr arrayOf(const Object& object, const std::string& name) {
  if (!object.has(name) || object.get(name).type() != typeid(Array::Ptr)) return nullptr;
  return object.getArray(name);
}

// The `value` of each object of a multi-valued complex attribute.
std::set<std::string> valuesOf(const Array& list, bool lower) {
  std::set<std::string> values;
  for (unsigned i = 0; i < list.size(); ++i) {
    if (list.get(i).type() != typeid(Object::Ptr)) continue;
    const std::string value = list.getObject(i)->optValue<std::string>("value", "");
    values.insert(lower ? lowerCase(value) : value);
  }
  return values;
}

UserStatus statusOf(const std::string& text) {
  if (text == "inactive") return UserStatus::Inactive;
  if (text == "pending") return UserStatus::Pending;
  return UserStatus::Active;
}

std::string primaryEmailOf(const Object& attributes) {
  auto emails = arrayOf(attributes, "emails");
  if (!emails) return {};
  std::string first;
  for (unsigned i = 0; i < emails->size(); ++i) {
    if (emails->get(i).type() != typeid(Object::Ptr)) continue;
    auto email = emails->getObject(i);
    const std::string value = email->optValue<std::string>("value", "");
    if (email->optValue<bool>("primary", false)) return value;
    if (first.empty()) first = value;
  }
  return first;
}

std::string stringOf(const Object& object, const std::string& name) {
  return object.has(name) && object.get(name).isString() ? object.getValue<std::string>(name) : "";
}

}  // namespace

UserFacts userFactsOf(const Object& attributes) {
  UserFacts facts;
  facts.userName = stringOf(attributes, "userName");
  facts.displayName = stringOf(attributes, "displayName");
  if (attributes.has("name") && attributes.get("name").type() == typeid(Object::Ptr)) {
    auto name = attributes.getObject("name");
    facts.givenName = stringOf(*name, "givenName");
    facts.familyName = stringOf(*name, "familyName");
  }
  if (attributes.has("roles")) {
    auto roles = arrayOf(attributes, "roles");
    facts.roles = roles ? valuesOf(*roles, false) : std::set<std::string>{};
  }
  if (attributes.has("active") && attributes.get("active").type() == typeid(bool)) {
    facts.active = attributes.getValue<bool>("active");
  }
  facts.primaryEmail = primaryEmailOf(attributes);
  const std::string ext(kScimgateUserSchema);
  if (attributes.has(ext) && attributes.get(ext).type() == typeid(Object::Ptr)) {
    auto extension = attributes.getObject(ext);
    facts.status = statusOf(stringOf(*extension, "status"));
    if (auto accounts = arrayOf(*extension, "accounts")) facts.accounts = valuesOf(*accounts, true);
  }
  return facts;
}

}  // namespace scimgate::scim
