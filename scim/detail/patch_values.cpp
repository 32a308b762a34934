#include "scim/detail/patch_values.h"

#include <Poco/Exception.h>

#include <utility>
#include <vector>

#include "scim/detail/canonical.h"
#include "scim/schema.h"

namespace scimgate::scim::detail {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// Client text quoted in a detail is cut to this length (hostile input stays out of logs).
constexpr std::size_t kMaxQuoted = 64;

std::string quoted(std::string_view text) {
  if (text.size() <= kMaxQuoted) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMaxQuoted)) + "...'";
}

Error syntaxError(std::string detail) {
  return makeError(ErrorKind::InvalidSyntax, std::move(detail));
}
Error pathError(std::string detail) { return makeError(ErrorKind::InvalidPath, std::move(detail)); }
Error mutabilityError(std::string detail) {
  return makeError(ErrorKind::Mutability, std::move(detail));
}

// RFC 7644 3.5.2: member names of a PatchOp ("Operations", "op", "path", "value") are matched
// case-insensitively, like attribute names; clients send "operations" and "Op".
const Var* findMember(const Object& object, std::string_view name) {
  for (const auto& [key, value] : object) {
    if (equalsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

Object::Ptr objectOf(const Var& value) {
  if (value.type() == typeid(Object::Ptr)) return value.extract<Object::Ptr>();
  if (value.type() == typeid(Object)) return new Object(value.extract<Object>());
  return nullptr;
}

Array::Ptr arrayOf(const Var& value) {
  if (value.type() == typeid(Array::Ptr)) return value.extract<Array::Ptr>();
  if (value.type() == typeid(Array)) return new Array(value.extract<Array>());
  return nullptr;
}

// Poco copies of Object and Array share nested objects; the patch must never reach `current`.
Var deepCopy(const Var& value) {
  if (Object::Ptr object = objectOf(value)) {
    Object::Ptr out = new Object;
    for (const auto& [key, member] : *object) out->set(key, deepCopy(member));
    return out;
  }
  if (Array::Ptr array = arrayOf(value)) {
    Array::Ptr out = new Array;
    for (const Var& element : *array) out->add(deepCopy(element));
    return out;
  }
  return value;
}

// Equality of canonical values (bounded depth: attribute, element, sub-attribute).
bool deepEqual(const Var& a, const Var& b) {
  const Object::Ptr objectA = objectOf(a);
  const Object::Ptr objectB = objectOf(b);
  if (objectA || objectB) {
    if (!objectA || !objectB || objectA->size() != objectB->size()) return false;
    for (const auto& [key, member] : *objectA) {
      if (!objectB->has(key) || !deepEqual(member, objectB->get(key))) return false;
    }
    return true;
  }
  const Array::Ptr arrayA = arrayOf(a);
  const Array::Ptr arrayB = arrayOf(b);
  if (arrayA || arrayB) {
    if (!arrayA || !arrayB || arrayA->size() != arrayB->size()) return false;
    for (unsigned int i = 0; i < arrayA->size(); ++i) {
      if (!deepEqual(arrayA->get(i), arrayB->get(i))) return false;
    }
    return true;
  }
  if (a.isEmpty() || b.isEmpty()) return a.isEmpty() && b.isEmpty();
  try {
    if (a.isBoolean() || b.isBoolean()) {
      return a.isBoolean() && b.isBoolean() && a.convert<bool>() == b.convert<bool>();
    }
    if (a.isString() || b.isString()) {
      return a.isString() && b.isString() && a.convert<std::string>() == b.convert<std::string>();
    }
    if (a.isNumeric() && b.isNumeric()) return a.convert<double>() == b.convert<double>();
  } catch (const Poco::Exception&) {
    return false;
  }
  return false;
}

bool isPrimary(const Object& element) {
  if (!element.has("primary")) return false;
  const Var flag = element.get("primary");
  return flag.isBoolean() && flag.convert<bool>();
}

std::vector<Var> elementsOf(const Object& container, const std::string& name) {
  std::vector<Var> out;
  if (!container.has(name)) return out;
  const Var value = container.get(name);
  if (Array::Ptr array = arrayOf(value)) {
    for (const Var& element : *array) out.push_back(element);
  } else if (!isNull(value)) {
    out.push_back(value);
  }
  return out;
}

void setElements(Object& container, const std::string& name, const std::vector<Var>& elements) {
  Array::Ptr array = new Array;
  for (const Var& element : elements) array->add(element);
  container.set(name, array);
}

// The object at container[name], created when absent (or not an object).
Object::Ptr objectAt(Object& container, const std::string& name) {
  if (container.has(name)) {
    if (Object::Ptr existing = objectOf(container.get(name))) {
      container.set(name, existing);  // a by-value Object becomes shared, so writes land
      return existing;
    }
  }
  Object::Ptr created = new Object;
  container.set(name, created);
  return created;
}

namespace {

void settlePrimary(const std::vector<Var>& elements, const Object* newestPrimary) {
  std::vector<Object::Ptr> primaries;
  for (const Var& element : elements) {
    if (Object::Ptr object = objectOf(element); object && isPrimary(*object)) {
      primaries.push_back(object);
    }
  }
  if (primaries.size() < 2) return;
  const Object* keep = primaries.back().get();
  for (Object::Ptr primary : primaries) {
    if (primary.get() == newestPrimary) keep = newestPrimary;
  }
  for (Object::Ptr primary : primaries) {
    if (primary.get() != keep) primary->remove("primary");
  }
}

void tidyObject(Object& object, const Object* newestPrimary) {
  std::vector<std::string> emptied;
  std::vector<std::pair<std::string, std::vector<Var>>> rebuilt;
  for (const auto& [key, value] : object) {
    if (Array::Ptr array = arrayOf(value)) {
      std::vector<Var> kept;
      for (const Var& element : *array) {
        if (Object::Ptr member = objectOf(element); member && member->size() == 0) continue;
        if (isNull(element)) continue;
        kept.push_back(element);
      }
      settlePrimary(kept, newestPrimary);
      if (kept.empty()) {
        emptied.push_back(key);
      } else if (kept.size() != array->size()) {
        rebuilt.emplace_back(key, std::move(kept));
      }
    } else if (Object::Ptr member = objectOf(value); member && member->size() == 0) {
      emptied.push_back(key);
    } else if (isNull(value)) {
      emptied.push_back(key);
    }
  }
  for (const std::string& key : emptied) object.remove(key);
  for (const auto& [key, elements] : rebuilt) setElements(object, key, elements);
}

}  // namespace

// RFC 7643 2.4: a new primary value clears the old.
void tidyResource(Object& root, const ResourceTypeDef& type, const Object* newestPrimary) {
  for (const Schema* extension : type.extensions) {
    if (!root.has(extension->id)) continue;
    if (Object::Ptr object = objectOf(root.get(extension->id))) tidyObject(*object, newestPrimary);
  }
  tidyObject(root, newestPrimary);
}

}  // namespace scimgate::scim::detail
