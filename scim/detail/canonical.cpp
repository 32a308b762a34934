#include "scim/detail/canonical.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cctype>

#include "scim/text.h"

namespace scimgate::scim::detail {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

Error invalidValue(const std::string& path, const std::string& what) {
  return makeError(ErrorKind::InvalidValue, "attribute '" + path + "' " + what);
}

std::string lowerAscii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Poco::JSON::Object* asObject(const Poco::Dynamic::Var& value) {
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    return value.extract<Poco::JSON::Object::Ptr>().get();
  }
  if (value.type() == typeid(Poco::JSON::Object)) return &value.extract<Poco::JSON::Object>();
  return nullptr;
}

const Poco::JSON::Array* asArray(const Poco::Dynamic::Var& value) {
  if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    return value.extract<Poco::JSON::Array::Ptr>().get();
  }
  if (value.type() == typeid(Poco::JSON::Array)) return &value.extract<Poco::JSON::Array>();
  return nullptr;
}

bool isNull(const Var& value) { return value.isEmpty(); }

Result<void> checkSchemasList(const Object& body) {
  for (const auto& [key, value] : body) {
    if (!equalsIgnoreCase(key, "schemas") || isNull(value)) continue;
    const Array* list = asArray(value);
    if (list == nullptr) return invalidValue("schemas", "must be an array of schema URIs");
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!list->get(static_cast<unsigned int>(i)).isString()) {
        return invalidValue("schemas[" + std::to_string(i) + "]", "must be a schema URI string");
      }
    }
  }
  return {};
}

Result<Var> coerceScalar(const AttributeDef& def, const Var& value, const std::string& path) {
  switch (def.type) {
    case AttrType::Boolean: {
      if (value.type() == typeid(bool)) return value;
      if (value.isString()) {
        // Entra ID sends "True"/"False" (DESIGN 5: boolean strings are a known quirk).
        const std::string text = lowerAscii(value.extract<std::string>());
        if (text == "true") return Var(true);
        if (text == "false") return Var(false);
      }
      return invalidValue(path, "must be a boolean (true or false)");
    }
    case AttrType::Integer:
      if (value.isInteger() && !value.isBoolean()) return value;
      return invalidValue(path, "must be an integer");
    case AttrType::Decimal:
      if (value.isNumeric() && !value.isBoolean()) return value;
      return invalidValue(path, "must be a number");
    case AttrType::String:
    case AttrType::Reference:
    case AttrType::DateTime:
    case AttrType::Binary: {
      if (!value.isString()) return invalidValue(path, "must be a string");
      // Every string the User schemas take passes here (POST, PUT, PATCH): checked once.
      const auto kind = def.multiLine ? TextKind::MultiLine : TextKind::SingleLine;
      if (auto checked = checkText(path, value.extract<std::string>(), kind); !checked) {
        return checked.error();
      }
      return value;
    }
    case AttrType::Complex:
      break;
  }
  return invalidValue(path, "must be an object");
}

Result<Var> canonicalComplex(const AttributeDef& def, const Var& value, const std::string& path) {
  if (value.type() != typeid(Object::Ptr)) return invalidValue(path, "must be an object");
  const auto source = value.extract<Object::Ptr>();
  if (source.isNull()) return invalidValue(path, "must be an object");
  Object::Ptr out = new Object;
  for (const auto& [key, subValue] : *source) {
    const AttributeDef* sub = def.findSub(key);
    if (sub == nullptr || sub->mutability == Mutability::ReadOnly) continue;  // RFC 7644 3.3
    if (isNull(subValue)) continue;
    auto converted = canonicalValue(*sub, subValue, path + "." + sub->name);
    if (!converted) return converted.error();
    out->set(sub->name, *converted);
  }
  return Var(out);
}

Result<Var> canonicalValue(const AttributeDef& def, const Var& value, const std::string& path) {
  if (def.multiValued) {
    Array::Ptr items;
    if (value.type() == typeid(Array::Ptr) && !value.extract<Array::Ptr>().isNull()) {
      items = value.extract<Array::Ptr>();
    } else {
      // A single value where an array belongs: accept it as a one-element array.
      items = new Array;
      items->add(value);
    }
    Array::Ptr out = new Array;
    int primaries = 0;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const Var item = items->get(static_cast<unsigned int>(i));
      if (isNull(item)) continue;
      const std::string itemPath = path + "[" + std::to_string(i) + "]";
      auto converted = def.type == AttrType::Complex ? canonicalComplex(def, item, itemPath)
                                                     : coerceScalar(def, item, itemPath);
      if (!converted) return converted.error();
      if (def.type == AttrType::Complex) {
        const auto object = converted->extract<Object::Ptr>();
        if (object->size() == 0) continue;
        if (object->has("primary") && object->get("primary").convert<bool>()) ++primaries;
      }
      out->add(*converted);
    }
    // RFC 7643 2.4: the primary attribute value "true" MUST appear no more than once.
    if (primaries > 1) return invalidValue(path, "has more than one value marked primary");
    return Var(out);
  }
  if (def.type == AttrType::Complex) return canonicalComplex(def, value, path);
  return coerceScalar(def, value, path);
}

}  // namespace scimgate::scim::detail
