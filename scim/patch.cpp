#include "scim/patch.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <string_view>
#include <utility>

#include "scim/detail/canonical.h"
#include "scim/detail/patch_target.h"
#include "scim/detail/patch_values.h"

// Applying PATCH operations (RFC 7644 3.5.2); reading them is scim/patch_request.cpp.
namespace scimgate::scim {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

using detail::arrayOf;
using detail::canonicalComplex;
using detail::canonicalValue;
using detail::coerceScalar;
using detail::deepCopy;
using detail::deepEqual;
using detail::elementsOf;
using detail::findMember;
using detail::invalidValue;
using detail::isNull;
using detail::isPrimary;
using detail::isServerCommonAttribute;
using detail::matchesElement;
using detail::mutabilityError;
using detail::objectAt;
using detail::objectOf;
using detail::pathError;
using detail::quoted;
using detail::resolveTarget;
using detail::seedFromEquality;
using detail::setElements;
using detail::syntaxError;
using detail::Target;
using detail::tidyResource;

bool isPresent(const Var& value) {
  if (isNull(value)) return false;
  if (value.isString()) return !value.convert<std::string>().empty();
  return true;
}

class Patcher {
 public:
  Patcher(const ResourceTypeDef& type, Object::Ptr root) : type_(type), root_(std::move(root)) {}

  Result<void> apply(const PatchOperation& operation) {
    newestPrimary_ = nullptr;
    Result<void> done = operation.path ? applyPath(operation.op, *operation.path,
                                                   operation.pathText, operation.value)
                                       : applyResource(operation.op, operation.value);
    if (!done) return done;
    tidyResource(*root_, type_, newestPrimary_);
    return {};
  }

 private:
  // RFC 7644 3.5.2.1/3.5.2.3 without a path: each member of the value is an attribute to add or
  // replace. Members may be plain names in any case, dotted (`name.givenName`), URN-qualified
  // (`urn:...:enterprise:2.0:User:employeeNumber`), a whole extension, or even a value path.
  Result<void> applyResource(PatchOpKind kind, const Var& value) {
    const Object::Ptr members = objectOf(value);
    if (!members) return syntaxError("without a path, 'value' must be an object of attributes");
    for (const auto& [key, member] : *members) {
      // Clients send back what they read: id, meta and schemas are not theirs to change.
      if (isServerCommonAttribute(key)) continue;
      if (const Schema* schema = type_.schemaFor(key)) {
        if (auto done = applySchema(kind, *schema, member, key); !done) return done;
        continue;
      }
      Result<PatchPath> path = parsePatchPath(key);
      if (!path) return path.error();
      if (auto done = applyPath(kind, *path, key, member); !done) return done;
    }
    return {};
  }

  // A whole schema as the target: `{"urn:...:enterprise:2.0:User": {"employeeNumber": "1"}}`.
  Result<void> applySchema(PatchOpKind kind, const Schema& schema, const Var& value,
                           const std::string& text) {
    if (kind == PatchOpKind::Remove || (kind == PatchOpKind::Replace && isNull(value))) {
      if (&schema == type_.core) return mutabilityError("the core schema cannot be removed");
      root_->remove(schema.id);
      return {};
    }
    if (isNull(value)) return {};
    const Object::Ptr members = objectOf(value);
    if (!members) return invalidValue(text, "must be an object");
    for (const auto& [key, member] : *members) {
      if (&schema == type_.core && isServerCommonAttribute(key)) continue;
      const std::string qualified = schema.id + ":" + key;
      Result<PatchPath> path = parsePatchPath(qualified);
      if (!path) return path.error();
      if (auto done = applyPath(kind, *path, qualified, member); !done) return done;
    }
    return {};
  }

  Result<void> applyPath(PatchOpKind kind, const PatchPath& path, const std::string& text,
                         const Var& value) {
    Result<Target> target = resolveTarget(type_, path, text);
    if (!target) return target.error();
    if (target->def == nullptr) return applySchema(kind, *target->schema, value, text);
    switch (kind) {
      case PatchOpKind::Add:
        return add(*target, value);
      case PatchOpKind::Replace:
        return replace(*target, value);
      case PatchOpKind::Remove:
        return remove(*target, value);
    }
    return syntaxError("unknown operation");
  }

  Object::Ptr container(const Schema& schema, bool create) {
    if (&schema == type_.core) return root_;
    if (root_->has(schema.id)) {
      if (Object::Ptr existing = objectOf(root_->get(schema.id))) {
        root_->set(schema.id, existing);
        return existing;
      }
    }
    if (!create) return nullptr;
    Object::Ptr created = new Object;
    root_->set(schema.id, created);  // tidyResource() drops it again if nothing is written
    return created;
  }

  // Sets (or with null, unassigns) one sub-attribute of a complex value.
  Result<void> setSub(Object& object, const AttributeDef& sub, const Var& value,
                      const std::string& text) {
    if (isNull(value)) {
      object.remove(sub.name);
      return {};
    }
    auto converted = canonicalValue(sub, value, text);
    if (!converted) return converted.error();
    object.set(sub.name, *converted);
    if (sub.name == "primary" && converted->isBoolean() && converted->convert<bool>()) {
      newestPrimary_ = &object;
    }
    return {};
  }

  // RFC 7644 3.5.2.1 / 3.5.2.3: sub-attributes in the value replace or add; sub-attributes not
  // named are left unchanged; a null sub-attribute is unassigned.
  Result<void> merge(Object& object, const AttributeDef& def, const Var& value,
                     const std::string& text) {
    Var source = value;
    if (!objectOf(value) && !arrayOf(value) && !isNull(value) && def.findSub("value") != nullptr) {
      // Entra ID sets the manager with the bare id: "value": "26118915-6090-4610-87a4-...".
      Object::Ptr wrapped = new Object;
      wrapped->set("value", value);
      source = wrapped;
    }
    const Object::Ptr members = objectOf(source);
    if (!members) return invalidValue(text, "must be an object");
    for (const auto& [key, member] : *members) {
      const AttributeDef* sub = def.findSub(key);
      if (sub == nullptr || sub->mutability == Mutability::ReadOnly) continue;  // RFC 7644 3.3
      if (auto done = setSub(object, *sub, member, text + "." + sub->name); !done) return done;
    }
    return {};
  }

  Result<void> add(const Target& target, const Var& value) {
    if (isNull(value)) return {};  // only from a path-less value: nothing to add
    const AttributeDef& def = *target.def;
    if (target.filter != nullptr || (def.multiValued && target.sub != nullptr)) {
      return setOnMatches(target, value, false);
    }
    Object::Ptr holder = container(*target.schema, true);
    if (target.sub != nullptr) {
      return setSub(*objectAt(*holder, def.name), *target.sub, value, target.text);
    }
    if (def.multiValued) return append(*holder, def, value, target.text);
    if (def.type == AttrType::Complex) {
      return merge(*objectAt(*holder, def.name), def, value, target.text);
    }
    auto converted = coerceScalar(def, value, target.text);
    if (!converted) return converted.error();
    holder->set(def.name, *converted);
    return {};
  }

  // RFC 7644 3.5.2.1: values are added to a multi-valued attribute; a value already present is not
  // added twice ("no changes SHOULD be made").
  Result<void> append(Object& holder, const AttributeDef& def, const Var& value,
                      const std::string& text) {
    auto items = canonicalValue(def, value, text);
    if (!items) return items.error();
    std::vector<Var> elements = elementsOf(holder, def.name);
    for (const Var& item : *arrayOf(*items)) {
      bool duplicate = false;
      for (const Var& element : elements) duplicate = duplicate || deepEqual(element, item);
      if (duplicate) continue;
      elements.push_back(item);
      if (Object::Ptr object = objectOf(item); object && isPrimary(*object)) {
        newestPrimary_ = object.get();
      }
    }
    setElements(holder, def.name, elements);
    return {};
  }

  Result<void> replace(const Target& target, const Var& value) {
    const AttributeDef& def = *target.def;
    if (target.filter != nullptr || (def.multiValued && target.sub != nullptr)) {
      return setOnMatches(target, value, true);
    }
    // RFC 7643 2.5: null and unassigned are the same state, so replacing with null removes.
    if (isNull(value)) return remove(target, Var());
    Object::Ptr holder = container(*target.schema, true);
    if (target.sub != nullptr) {
      return setSub(*objectAt(*holder, def.name), *target.sub, value, target.text);
    }
    if (def.multiValued) {
      // RFC 7644 3.5.2.3: without a filter "the attribute and all values are replaced".
      auto items = canonicalValue(def, value, target.text);
      if (!items) return items.error();
      holder->set(def.name, *items);
      return {};
    }
    if (def.type == AttrType::Complex) {
      // RFC 7644 3.5.2.3: sub-attributes not specified in the value are left unchanged.
      return merge(*objectAt(*holder, def.name), def, value, target.text);
    }
    auto converted = coerceScalar(def, value, target.text);
    if (!converted) return converted.error();
    holder->set(def.name, *converted);
    return {};
  }

  // add/replace on the values selected by a filter (or on every value for `emails.type`).
  Result<void> setOnMatches(const Target& target, const Var& value, bool replacing) {
    const AttributeDef& def = *target.def;
    if (def.type != AttrType::Complex && !replacing) {
      return pathError("values of '" + def.name + "' are added without a filter (path " +
                       quoted(target.text) + ")");
    }
    Object::Ptr holder = container(*target.schema, true);
    std::vector<Var> elements = elementsOf(*holder, def.name);
    std::vector<Var> kept;
    bool matched = false;
    for (Var& element : elements) {
      if (!matchesElement(target, element)) {
        kept.push_back(element);
        continue;
      }
      matched = true;
      if (def.type != AttrType::Complex) {
        if (isNull(value)) continue;  // replaced with null: unassigned
        auto converted = coerceScalar(def, value, target.text);
        if (!converted) return converted.error();
        kept.push_back(*converted);
        continue;
      }
      Object::Ptr object = objectOf(element);
      if (!object) return invalidValue(target.text, "holds a value that is not an object");
      if (target.sub != nullptr) {
        if (auto done = setSub(*object, *target.sub, value, target.text); !done) return done;
        kept.push_back(object);
      } else if (replacing) {
        // RFC 7644 3.5.2.3: "all matching record values SHALL be replaced".
        if (isNull(value)) continue;
        auto converted = canonicalComplex(def, value, target.text);
        if (!converted) return converted.error();
        Object::Ptr fresh = objectOf(*converted);
        if (isPrimary(*fresh)) newestPrimary_ = fresh.get();
        kept.push_back(fresh);
      } else {
        if (auto done = merge(*object, def, value, target.text); !done) return done;
        kept.push_back(object);
      }
    }
    if (!matched) {
      if (!replacing && target.filter != nullptr) {
        Object::Ptr seed = new Object;
        if (seedFromEquality(*target.filter, def, *seed)) {
          auto done = target.sub != nullptr ? setSub(*seed, *target.sub, value, target.text)
                                            : merge(*seed, def, value, target.text);
          if (!done) return done;
          if (isPrimary(*seed)) newestPrimary_ = seed.get();
          kept.push_back(seed);
          setElements(*holder, def.name, kept);
          return {};
        }
      }
      // RFC 7644 3.12 noTarget: "the specified path did not yield an attribute or attribute value
      // that could be operated on".
      return makeError(ErrorKind::NoTarget,
                       "no value of '" + def.name + "' matches path " + quoted(target.text));
    }
    setElements(*holder, def.name, kept);
    return {};
  }

  Result<void> remove(const Target& target, const Var& value) {
    const AttributeDef& def = *target.def;
    Object::Ptr holder = container(*target.schema, false);
    if (target.filter != nullptr) {
      std::vector<Var> kept;
      bool matched = false;
      for (const Var& element : holder ? elementsOf(*holder, def.name) : std::vector<Var>{}) {
        if (!matchesElement(target, element)) {
          kept.push_back(element);
          continue;
        }
        matched = true;
        // RFC 7644 3.5.2.2: with a sub-attribute, only that sub-attribute of the matching values is
        // removed; otherwise the matching values are.
        if (target.sub != nullptr) {
          if (Object::Ptr object = objectOf(element)) object->remove(target.sub->name);
          kept.push_back(element);
        }
      }
      // RFC 7644 3.12: noTarget "occurs when the specified path value contains a filter that yields
      // no match". 3.5.2.2 has no exception for remove, so neither do we.
      if (!matched) {
        return makeError(ErrorKind::NoTarget,
                         "no value of '" + def.name + "' matches path " + quoted(target.text));
      }
      setElements(*holder, def.name, kept);
      return {};
    }
    if (!holder || !holder->has(def.name)) return {};  // already unassigned
    if (target.sub != nullptr) {
      for (const Var& element : elementsOf(*holder, def.name)) {
        if (Object::Ptr object = objectOf(element)) object->remove(target.sub->name);
      }
      return {};
    }
    if (!isNull(value) && def.multiValued) return removeListed(*holder, target, value);
    holder->remove(def.name);
    return {};
  }

  // Azure/Entra style: {"op": "remove", "path": "members", "value": [{"value": "id"}]} removes the
  // listed values only. Values not present are ignored: the end state is what was asked.
  Result<void> removeListed(Object& holder, const Target& target, const Var& value) {
    const AttributeDef& def = *target.def;
    const AttributeDef* valueSub = def.type == AttrType::Complex ? def.findSub("value") : &def;
    if (valueSub == nullptr) {
      return invalidValue(target.text, "values cannot be selected by 'value' for removal");
    }
    std::vector<Var> listed;
    if (Array::Ptr array = arrayOf(value)) {
      for (const Var& item : *array) listed.push_back(item);
    } else {
      listed.push_back(value);
    }
    std::vector<std::string> doomed;
    for (const Var& item : listed) {
      Var selector = item;
      if (Object::Ptr object = objectOf(item)) {
        const Var* inner = findMember(*object, "value");
        selector = inner != nullptr ? *inner : Var();
      }
      if (!selector.isString()) {
        return invalidValue(target.text, "removal values must be strings or {\"value\": ...}");
      }
      doomed.push_back(selector.convert<std::string>());
    }
    const auto isDoomed = [&](const Var& element) {
      Var candidate = element;
      if (Object::Ptr object = objectOf(element)) {
        candidate = object->has(valueSub->name) ? object->get(valueSub->name) : Var();
      }
      if (!candidate.isString()) return false;
      const std::string text = candidate.convert<std::string>();
      for (const std::string& wanted : doomed) {
        if (valueSub->caseExact ? text == wanted : equalsIgnoreCase(text, wanted)) return true;
      }
      return false;
    };
    std::vector<Var> kept;
    for (const Var& element : elementsOf(holder, def.name)) {
      if (!isDoomed(element)) kept.push_back(element);
    }
    setElements(holder, def.name, kept);
    return {};
  }

  const ResourceTypeDef& type_;
  Object::Ptr root_;
  Object* newestPrimary_ = nullptr;  // the element most recently made primary by this operation
};

Object::Ptr containerOf(const Object& root, const Schema& schema, const ResourceTypeDef& type) {
  if (&schema == type.core) return new Object(root);
  if (!root.has(schema.id)) return nullptr;
  return objectOf(root.get(schema.id));
}

// RFC 7644 3.5.2: "If an attribute is removed or becomes unassigned and is defined as a required
// attribute or a read-only attribute, the server SHALL return ... mutability". Checked once, on the
// end state, so that a request may remove and re-add a required attribute.
Result<void> checkRequired(const Object& before, const Object& after, const ResourceTypeDef& type) {
  std::vector<const Schema*> schemas{type.core};
  schemas.insert(schemas.end(), type.extensions.begin(), type.extensions.end());
  for (const Schema* schema : schemas) {
    const Object::Ptr old = containerOf(before, *schema, type);
    if (!old) continue;
    const Object::Ptr now = containerOf(after, *schema, type);
    for (const AttributeDef& def : schema->attributes) {
      if (!def.required || !old->has(def.name) || !isPresent(old->get(def.name))) continue;
      if (!now || !now->has(def.name) || !isPresent(now->get(def.name))) {
        return mutabilityError("attribute '" + def.name + "' is required and cannot be removed");
      }
    }
  }
  return {};
}

}  // namespace

Result<Poco::JSON::Object::Ptr> applyPatch(const Poco::JSON::Object& current,
                                           const std::vector<PatchOperation>& operations,
                                           const ResourceTypeDef& type) {
  try {
    const Object::Ptr root = objectOf(deepCopy(Var(Object::Ptr(new Object(current)))));
    Patcher patcher(type, root);
    for (const PatchOperation& operation : operations) {
      if (Result<void> done = patcher.apply(operation); !done) return done.error();
    }
    if (Result<void> required = checkRequired(current, *root, type); !required) {
      return required.error();
    }
    return root;
  } catch (const Poco::Exception&) {
    // A conversion Poco refused: the request carried a value we could not handle.
    return makeError(ErrorKind::InvalidValue, "a value in the PATCH request could not be applied");
  }
}

}  // namespace scimgate::scim
