#include "scim/detail/patch_target.h"

#include "scim/detail/canonical.h"
#include "scim/detail/patch_values.h"

namespace scimgate::scim::detail {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

namespace {

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

}  // namespace

bool isServerCommonAttribute(std::string_view name) {
  return equalsIgnoreCase(name, "id") || equalsIgnoreCase(name, "meta") ||
         equalsIgnoreCase(name, "schemas");
}

Result<Target> resolveTarget(const ResourceTypeDef& type, const PatchPath& path,
                             const std::string& text) {
  Target target;
  target.text = text;
  target.schema = type.core;
  if (!path.attr.schema.empty()) {
    target.schema = type.schemaFor(path.attr.schema);
    if (target.schema == nullptr) {
      // `urn:...:enterprise:2.0:User` parses as schema `urn:...:2.0`, attribute `User`.
      const Schema* whole = type.schemaFor(path.attr.schema + ":" + path.attr.attribute);
      if (whole != nullptr && path.attr.subAttribute.empty() && !path.valueFilter) {
        target.schema = whole;
        return target;
      }
      return pathError("unknown schema in path " + quoted(text));
    }
  }
  const AttributeDef* def = target.schema->find(path.attr.attribute);
  if (def == nullptr && target.schema == type.core) {
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
  if (target.schema == type.core && def->name == "password") {
    // The password is not part of the canonical resource; takePassword() handles it.
    return mutabilityError("attribute 'password' cannot be changed in this request");
  }
  target.def = def;

  const std::string& subName = path.valueFilter ? path.subAttribute : path.attr.subAttribute;
  if (!subName.empty()) {
    if (def->type != AttrType::Complex) {
      return pathError("attribute '" + def->name + "' has no sub-attributes (path " + quoted(text) +
                       ")");
    }
    target.sub = def->findSub(subName);
    if (target.sub == nullptr) return pathError("unknown sub-attribute in path " + quoted(text));
    if (target.sub->mutability == Mutability::ReadOnly) {
      return mutabilityError("attribute '" + def->name + "." + target.sub->name + "' is readOnly");
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

bool matchesElement(const Target& target, const Var& element) {
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

}  // namespace scimgate::scim::detail
