#include "scim/patch.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>

#include <string_view>
#include <utility>

#include "scim/detail/canonical.h"
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
using detail::mutabilityError;
using detail::objectAt;
using detail::objectOf;
using detail::pathError;
using detail::quoted;
using detail::setElements;
using detail::syntaxError;

bool isPresent(const Var& value) {
  if (isNull(value)) return false;
  if (value.isString()) return !value.convert<std::string>().empty();
  return true;
}

// `externalId` is a common attribute (RFC 7643 3.1) kept at the top level, outside any schema.
const AttributeDef& externalIdDef() {
  static const AttributeDef def = [] {
    AttributeDef d;
    d.name = "externalId";
    d.caseExact = true;
    d.description = "An identifier for the resource as defined by the provisioning client.";
    return d;
  }();
  return def;
}

// Attributes every resource has (RFC 7643 3.1) that a client can never write.
bool isServerCommonAttribute(std::string_view name) {
  return equalsIgnoreCase(name, "id") || equalsIgnoreCase(name, "meta") ||
         equalsIgnoreCase(name, "schemas");
}

/// What a path designates, resolved against the schemas.
struct Target {
  const Schema* schema = nullptr;     // the schema holding the attribute (core for externalId)
  const AttributeDef* def = nullptr;  // null: the path names the whole extension `schema`
  const AttributeDef* sub = nullptr;  // `name.givenName`, `emails[...].value`
  const Filter* filter = nullptr;     // `emails[type eq "work"]`
  std::string text;                   // the path as written, for details
};

CaseExactLookup caseExactFor(const AttributeDef& def) {
  return [&def](const AttrPath& path) {
    if (def.type != AttrType::Complex) return def.caseExact;
    const AttributeDef* sub = def.findSub(path.attribute);
    return sub != nullptr && sub->caseExact;
  };
}

// Filters inside a value path may only name sub-attributes of the attribute (`value` for a
// multi-valued simple one): a typo is an error rather than a filter that never matches.
Result<void> validateFilter(const Filter& filter, const AttributeDef& def,
                            const std::string& text) {
  switch (filter.kind) {
    case Filter::Kind::Compare: {
      const bool known = def.type == AttrType::Complex
                             ? def.findSub(filter.path.attribute) != nullptr
                             : equalsIgnoreCase(filter.path.attribute, "value");
      if (!filter.path.schema.empty() || !filter.path.subAttribute.empty() || !known) {
        return pathError("the filter in " + quoted(text) + " names " +
                         quoted(filter.path.dotted()) + ", which is not a sub-attribute of '" +
                         def.name + "'");
      }
      return {};
    }
    case Filter::Kind::And:
    case Filter::Kind::Or:
      if (!filter.left || !filter.right) return pathError("incomplete filter in " + quoted(text));
      if (auto left = validateFilter(*filter.left, def, text); !left) return left;
      return validateFilter(*filter.right, def, text);
    case Filter::Kind::Not:
      if (!filter.left) return pathError("incomplete filter in " + quoted(text));
      return validateFilter(*filter.left, def, text);
    case Filter::Kind::ValuePath:
      break;
  }
  return pathError("nested value filter in " + quoted(text));
}

// An `add` through `emails[type eq "work"].value` when no value matches creates one: Entra ID adds
// typed values this way. Only a conjunction of `eq` on sub-attributes describes a value precisely
// enough; it seeds the new element.
bool seedFromEquality(const Filter& filter, const AttributeDef& def, Object& seed) {
  if (filter.kind == Filter::Kind::And) {
    return filter.left && filter.right && seedFromEquality(*filter.left, def, seed) &&
           seedFromEquality(*filter.right, def, seed);
  }
  if (filter.kind != Filter::Kind::Compare || filter.op != CompareOp::Eq) return false;
  const AttributeDef* sub = def.findSub(filter.path.attribute);
  if (sub == nullptr || sub->mutability == Mutability::ReadOnly || sub->multiValued) return false;
  Var literal;
  if (filter.value.type == Literal::Type::String) {
    literal = filter.value.text;
  } else if (filter.value.type == Literal::Type::Boolean) {
    literal = filter.value.boolean;
  } else {
    return false;
  }
  auto coerced = coerceScalar(*sub, literal, sub->name);
  if (!coerced) return false;
  if (seed.has(sub->name)) return deepEqual(seed.get(sub->name), *coerced);
  seed.set(sub->name, *coerced);
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
    tidy();
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
    Result<Target> target = resolve(path, text);
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

  Result<Target> resolve(const PatchPath& path, const std::string& text) const {
    Target target;
    target.text = text;
    target.schema = type_.core;
    if (!path.attr.schema.empty()) {
      target.schema = type_.schemaFor(path.attr.schema);
      if (target.schema == nullptr) {
        // `urn:...:enterprise:2.0:User` parses as schema `urn:...:2.0`, attribute `User`.
        const Schema* whole = type_.schemaFor(path.attr.schema + ":" + path.attr.attribute);
        if (whole != nullptr && path.attr.subAttribute.empty() && !path.valueFilter) {
          target.schema = whole;
          return target;
        }
        return pathError("unknown schema in path " + quoted(text));
      }
    }
    const AttributeDef* def = target.schema->find(path.attr.attribute);
    if (def == nullptr && target.schema == type_.core) {
      if (equalsIgnoreCase(path.attr.attribute, "externalId")) def = &externalIdDef();
      if (isServerCommonAttribute(path.attr.attribute)) {
        return mutabilityError("attribute " + quoted(path.attr.attribute) + " is readOnly");
      }
    }
    if (def == nullptr) return pathError("unknown attribute in path " + quoted(text));
    // RFC 7644 3.5.2: a client MUST NOT modify a readOnly attribute.
    if (def->mutability == Mutability::ReadOnly) {
      return mutabilityError("attribute '" + def->name + "' is readOnly");
    }
    if (target.schema == type_.core && def->name == "password") {
      // The password is not part of the canonical resource; takePassword() handles it.
      return mutabilityError("attribute 'password' cannot be changed in this request");
    }
    target.def = def;

    const std::string& subName = path.valueFilter ? path.subAttribute : path.attr.subAttribute;
    if (!subName.empty()) {
      if (def->type != AttrType::Complex) {
        return pathError("attribute '" + def->name + "' has no sub-attributes (path " +
                         quoted(text) + ")");
      }
      target.sub = def->findSub(subName);
      if (target.sub == nullptr) return pathError("unknown sub-attribute in path " + quoted(text));
      if (target.sub->mutability == Mutability::ReadOnly) {
        return mutabilityError("attribute '" + def->name + "." + target.sub->name +
                               "' is readOnly");
      }
    }
    if (path.valueFilter) {
      if (!def->multiValued) {
        return pathError("attribute '" + def->name +
                         "' is single-valued and cannot take a value filter");
      }
      if (auto valid = validateFilter(*path.valueFilter, *def, text); !valid) return valid.error();
      target.filter = path.valueFilter.get();
    }
    return target;
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
    root_->set(schema.id,
               created);  // tidy() drops it again if nothing is written
    return created;
  }

  bool matchesElement(const Target& target, const Var& element) const {
    if (target.filter == nullptr) return true;
    const CaseExactLookup caseExact = caseExactFor(*target.def);
    if (target.def->type == AttrType::Complex) {
      const Object::Ptr object = objectOf(element);
      return object && matches(*target.filter, *object, caseExact);
    }
    // A simple multi-valued attribute: `skills[value eq "java"]` compares the value itself.
    Object wrapper;
    wrapper.set("value", element);
    return matches(*target.filter, wrapper, caseExact);
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

  // After each operation: absence == empty (RFC 7643 2.5), and one primary at most (RFC 7643 2.4: a
  // new primary value clears the old).
  void tidy() {
    for (const Schema* extension : type_.extensions) {
      if (!root_->has(extension->id)) continue;
      if (Object::Ptr object = objectOf(root_->get(extension->id))) tidyObject(*object);
    }
    tidyObject(*root_);
  }

  void tidyObject(Object& object) {
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
        settlePrimary(kept);
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

  void settlePrimary(const std::vector<Var>& elements) const {
    std::vector<Object::Ptr> primaries;
    for (const Var& element : elements) {
      if (Object::Ptr object = objectOf(element); object && isPrimary(*object)) {
        primaries.push_back(object);
      }
    }
    if (primaries.size() < 2) return;
    Object* keep = primaries.back().get();
    for (Object::Ptr primary : primaries) {
      if (primary.get() == newestPrimary_) keep = newestPrimary_;
    }
    for (Object::Ptr primary : primaries) {
      if (primary.get() != keep) primary->remove("primary");
    }
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
