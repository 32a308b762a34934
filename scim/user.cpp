#include "scim/user.h"

#include <Poco/JSON/Array.h>

#include <string_view>

#include "scim/detail/canonical.h"
#include "scim/text.h"

namespace scimgate::scim {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

using detail::canonicalValue;
using detail::isNull;

Error invalid(const std::string& path, const std::string& what) {
  return detail::invalidValue(path, what);
}

// Copies the attributes of one schema from `source` into `target`, canonicalised.
Result<void> copySchemaAttributes(const Schema& schema, const Object& source, Object& target,
                                  const std::string& prefix) {
  for (const auto& [key, value] : source) {
    const AttributeDef* def = schema.find(key);
    if (def == nullptr || def->mutability == Mutability::ReadOnly) continue;
    if (def->name == "password") continue;  // handled separately, never stored as an attribute
    if (isNull(value)) continue;
    auto converted = canonicalValue(*def, value, prefix + def->name);
    if (!converted) return converted.error();
    if (converted->type() == typeid(Array::Ptr) && converted->extract<Array::Ptr>()->size() == 0) {
      continue;
    }
    target.set(def->name, *converted);
  }
  return {};
}

}  // namespace

Result<UserInput> parseUserInput(const Object& body) {
  const ResourceTypeDef& type = userResourceType();
  UserInput input;
  input.attributes = new Object;
  if (auto schemas = detail::checkSchemasList(body); !schemas) return schemas.error();

  if (auto copied = copySchemaAttributes(*type.core, body, *input.attributes, ""); !copied) {
    return copied.error();
  }
  for (const auto& [key, value] : body) {
    if (equalsIgnoreCase(key, "externalId")) {
      if (isNull(value)) continue;
      if (!value.isString()) return invalid("externalId", "must be a string");
      if (auto checked = checkText("externalId", value.extract<std::string>()); !checked) {
        return checked.error();
      }
      input.attributes->set("externalId", value);
      continue;
    }
    if (equalsIgnoreCase(key, "password")) {
      if (isNull(value)) continue;
      if (!value.isString()) return invalid("password", "must be a string");
      input.password = value.extract<std::string>();
      continue;
    }
    const Schema* extension = type.schemaFor(key);
    if (extension == nullptr || extension == type.core) continue;
    if (value.type() != typeid(Object::Ptr)) return invalid(extension->id, "must be an object");
    Object::Ptr target = new Object;
    if (auto copied = copySchemaAttributes(*extension, *value.extract<Object::Ptr>(), *target,
                                           extension->id + ":");
        !copied) {
      return copied.error();
    }
    if (target->size() > 0) input.attributes->set(extension->id, target);
  }

  if (!input.attributes->has("userName") ||
      input.attributes->getValue<std::string>("userName").empty()) {
    return invalid("userName", "is required and must not be empty");
  }
  return input;
}

Poco::JSON::Object::Ptr userToJson(const User& user, const std::string& location) {
  Object::Ptr out = new Object;
  Array::Ptr schemas = new Array;
  schemas->add(std::string(kUserSchema));
  for (const auto* ext : userResourceType().extensions) {
    if (user.attributes->has(ext->id)) schemas->add(ext->id);
  }
  out->set("schemas", schemas);
  out->set("id", user.id);
  for (const auto& [key, value] : *user.attributes) out->set(key, value);
  Object::Ptr meta = new Object;
  meta->set("resourceType", "User");
  if (!user.meta.created.empty()) meta->set("created", user.meta.created);
  if (!user.meta.lastModified.empty()) meta->set("lastModified", user.meta.lastModified);
  if (!user.meta.version.empty()) meta->set("version", user.meta.version);
  meta->set("location", location);
  out->set("meta", meta);
  return out;
}

}  // namespace scimgate::scim
