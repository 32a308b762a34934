#include "scim/projection.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "scim/detail/canonical.h"

namespace scimgate::scim {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// ---------------------------------------------------------------------------------------------
// The common attributes (RFC 7643 3.1), which no schema lists but every resource carries.

AttributeDef commonAttr(std::string name, AttrType type, Returned returned) {
  AttributeDef def;
  def.name = std::move(name);
  def.type = type;
  def.returned = returned;
  def.mutability = Mutability::ReadOnly;
  return def;
}

Schema buildCommonSchema() {
  Schema s;  // id stays "": resolved paths name common attributes without a schema
  s.name = "Common";
  s.attributes.push_back(commonAttr("id", AttrType::String, Returned::Always));
  AttributeDef externalId = commonAttr("externalId", AttrType::String, Returned::Default);
  externalId.mutability = Mutability::ReadWrite;
  externalId.caseExact = true;
  s.attributes.push_back(externalId);
  // RFC 7643 3.1 gives meta no `returned`; as default it can be excluded or named piecewise.
  AttributeDef meta = commonAttr("meta", AttrType::Complex, Returned::Default);
  meta.subAttributes = {commonAttr("resourceType", AttrType::String, Returned::Default),
                        commonAttr("created", AttrType::DateTime, Returned::Default),
                        commonAttr("lastModified", AttrType::DateTime, Returned::Default),
                        commonAttr("location", AttrType::Reference, Returned::Default),
                        commonAttr("version", AttrType::String, Returned::Default)};
  s.attributes.push_back(meta);
  AttributeDef schemas = commonAttr("schemas", AttrType::Reference, Returned::Always);
  schemas.multiValued = true;
  s.attributes.push_back(schemas);
  return s;
}

const Schema& commonSchema() {
  static const Schema schema = buildCommonSchema();
  return schema;
}

constexpr std::string_view kSchemasKey = "schemas";

// ---------------------------------------------------------------------------------------------
// Parsing.

struct Item {
  std::string_view text;
  std::size_t offset;  // of `text` within the parameter
};

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Splits at commas outside brackets and quoted strings, so the value filter of the Entra quirk
// (`emails[value eq "a,b"]`) stays one item. Items are trimmed; empty ones are skipped.
std::vector<Item> splitItems(std::string_view list) {
  std::vector<Item> items;
  const auto push = [&](std::size_t begin, std::size_t end) {
    while (begin < end && isBlank(list[begin])) ++begin;
    while (end > begin && isBlank(list[end - 1])) --end;
    if (end > begin) items.push_back({list.substr(begin, end - begin), begin});
  };
  std::size_t start = 0;
  int depth = 0;
  bool inString = false;
  bool escaped = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']' && depth > 0) {
      --depth;
    } else if (c == ',' && depth == 0) {
      push(start, i);
      start = i + 1;
    }
  }
  push(start, list.size());
  return items;
}

// The position ending a path-parser detail ("unexpected '!' at 3"), and where " at " starts.
std::optional<std::pair<std::size_t, std::size_t>> trailingPosition(const std::string& detail) {
  const std::size_t marker = detail.rfind(" at ");
  if (marker == std::string::npos || marker + 4 >= detail.size()) return std::nullopt;
  std::size_t position = 0;
  for (std::size_t i = marker + 4; i < detail.size(); ++i) {
    if (detail[i] < '0' || detail[i] > '9') return std::nullopt;
    position = position * 10 + static_cast<std::size_t>(detail[i] - '0');
  }
  return std::make_pair(marker, position);
}

// The path parser reports positions within the item; the caller needs them within the whole
// parameter.
Error relocate(const Error& inner, std::string_view parameter, std::size_t offset) {
  const std::string prefix = "invalid " + std::string(parameter) + ": ";
  const auto found = trailingPosition(inner.detail);
  if (!found) {
    return makeError(ErrorKind::InvalidValue,
                     prefix + inner.detail + " in the item at " + std::to_string(offset));
  }
  const auto [marker, position] = *found;
  return makeError(ErrorKind::InvalidValue, prefix + inner.detail.substr(0, marker) + " at " +
                                                std::to_string(offset + position));
}

// One item to a resolved path; nullopt when it names nothing `type` knows (ignored by design).
Result<std::optional<AttrPath>> resolveItem(const Item& item, std::string_view parameter,
                                            const ResourceTypeDef& type) {
  // A bare URN names the whole schema. The path parser would split it at its last ':'
  // ("...:2.0" + "User"), so it is recognised first.
  if (const Schema* whole = type.schemaFor(item.text); whole != nullptr) {
    return std::optional<AttrPath>(AttrPath{whole->id, "", ""});
  }
  Result<PatchPath> parsed = parsePatchPath(item.text);
  if (!parsed) return relocate(parsed.error(), parameter, item.offset);
  const AttrPath& path = parsed->attr;
  // Entra quirk: `emails[type eq "work"]` names `emails`; a projection cannot select values,
  // so the filter is dropped and every value is returned. `emails[...].value` names emails.value.
  const std::string& subName = parsed->valueFilter ? parsed->subAttribute : path.subAttribute;

  const Schema* schema = nullptr;
  const AttributeDef* def = nullptr;
  if (path.schema.empty()) {
    def = commonSchema().find(path.attribute);
    schema = def != nullptr ? &commonSchema() : type.core;
  } else {
    schema = type.schemaFor(path.schema);
    if (schema == nullptr) return std::optional<AttrPath>();
    // Lenient: `urn:...:core:2.0:User:meta.created` for a common attribute.
    if (schema == type.core) {
      if (const AttributeDef* common = commonSchema().find(path.attribute); common != nullptr) {
        schema = &commonSchema();
        def = common;
      }
    }
  }
  if (schema == nullptr) return std::optional<AttrPath>();
  if (def == nullptr) def = schema->find(path.attribute);
  if (def == nullptr) return std::optional<AttrPath>();
  if (subName.empty()) return std::optional<AttrPath>(AttrPath{schema->id, def->name, ""});
  const AttributeDef* sub = def->findSub(subName);
  if (sub == nullptr) return std::optional<AttrPath>();
  return std::optional<AttrPath>(AttrPath{schema->id, def->name, sub->name});
}

Result<std::vector<AttrPath>> parseList(std::string_view list, std::string_view parameter,
                                        const ResourceTypeDef& type) {
  std::vector<AttrPath> paths;
  for (const Item& item : splitItems(list)) {
    Result<std::optional<AttrPath>> resolved = resolveItem(item, parameter, type);
    if (!resolved) return resolved.error();
    if (resolved->has_value()) paths.push_back(std::move(**resolved));
  }
  return paths;
}

// ---------------------------------------------------------------------------------------------
// Deciding what stays.

// Where an attribute lives: the common attributes, the core schema or one extension.
struct Scope {
  const Schema* schema;
  bool common;
  bool core;
  std::string_view coreId;
};

bool schemaMatches(const AttrPath& path, const Scope& scope) {
  if (path.schema.empty()) return scope.common || scope.core;
  if (scope.common) return equalsIgnoreCase(path.schema, scope.coreId);
  return equalsIgnoreCase(path.schema, scope.schema->id);
}

bool namesWholeSchema(const AttrPath& path, const Scope& scope) {
  return path.attribute.empty() && !path.schema.empty() && !scope.common &&
         equalsIgnoreCase(path.schema, scope.schema->id);
}

// What one list says about one attribute.
struct Selection {
  bool whole = false;             // the attribute or its whole schema is named
  std::vector<std::string> subs;  // sub-attributes named
};

Selection select(const std::vector<AttrPath>& paths, const Scope& scope, const AttributeDef& def) {
  Selection selection;
  for (const AttrPath& path : paths) {
    if (namesWholeSchema(path, scope)) {
      selection.whole = true;
    } else if (!path.attribute.empty() && schemaMatches(path, scope) &&
               equalsIgnoreCase(path.attribute, def.name)) {
      if (path.subAttribute.empty()) {
        selection.whole = true;
      } else {
        selection.subs.push_back(path.subAttribute);
      }
    }
  }
  return selection;
}

bool containsName(const std::vector<std::string>& names, std::string_view name) {
  for (const auto& n : names) {
    if (equalsIgnoreCase(n, name)) return true;
  }
  return false;
}

// How the sub-attributes of a kept complex attribute are chosen.
struct Decision {
  enum class Subs {
    All,     // every sub-attribute but `never` ones (the attribute was named as a whole)
    Only,    // the named ones plus `always` ones
    Except,  // the default set minus the named ones
  };
  bool keep = false;
  Subs subs = Subs::Except;
  std::vector<std::string> names;
};

// RFC 7643 7 `returned` combined with RFC 7644 3.9 attributes / excludedAttributes.
Decision decide(const AttributeDef& def, const Scope& scope, const Projection& projection) {
  Decision decision;
  if (def.returned == Returned::Never) return decision;
  if (!projection.attributes.empty()) {
    Selection named = select(projection.attributes, scope, def);
    if (named.whole) {
      decision.keep = true;
      decision.subs = Decision::Subs::All;
      return decision;
    }
    if (!named.subs.empty()) {
      decision.keep = true;
      decision.subs = Decision::Subs::Only;
      decision.names = std::move(named.subs);
      return decision;
    }
    decision.keep = def.returned == Returned::Always;
    return decision;
  }
  Selection excluded = select(projection.excluded, scope, def);
  decision.subs = Decision::Subs::Except;
  decision.names = std::move(excluded.subs);
  if (def.returned == Returned::Always) {
    decision.keep = true;  // excluding an `always` attribute has no effect (RFC 7643 7)
    return decision;
  }
  if (def.returned == Returned::Request) return decision;
  decision.keep = !excluded.whole;
  return decision;
}

bool keepsSub(const Decision& decision, const AttributeDef* sub, std::string_view key) {
  if (sub != nullptr && sub->returned == Returned::Never) return false;
  if (sub != nullptr && sub->returned == Returned::Always) return true;
  switch (decision.subs) {
    case Decision::Subs::All:
      return true;
    case Decision::Subs::Only:
      return containsName(decision.names, key);
    case Decision::Subs::Except:
      if (sub != nullptr && sub->returned == Returned::Request) return false;
      return !containsName(decision.names, key);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Copying.

Var deepCopy(const Var& value);

Object::Ptr copyObject(const Object& object) {
  Object::Ptr out = new Object;
  for (const auto& [key, value] : object) out->set(key, deepCopy(value));
  return out;
}

Array::Ptr copyArray(const Array& array) {
  Array::Ptr out = new Array;
  for (unsigned i = 0; i < array.size(); ++i) out->add(deepCopy(array.get(i)));
  return out;
}

// The result shares nothing with the input, so callers may modify it freely.
Var deepCopy(const Var& value) {
  const std::type_info& type = value.type();
  if (type == typeid(Object::Ptr)) {
    const auto& object = value.extract<Object::Ptr>();
    return object.isNull() ? value : Var(copyObject(*object));
  }
  if (type == typeid(Array::Ptr)) {
    const auto& array = value.extract<Array::Ptr>();
    return array.isNull() ? value : Var(copyArray(*array));
  }
  if (type == typeid(Object)) return Var(copyObject(value.extract<Object>()));
  if (type == typeid(Array)) return Var(copyArray(value.extract<Array>()));
  return value;
}

using detail::asArray;
using detail::asObject;

// One value of a complex attribute with its sub-attributes chosen; null when nothing is left of
// a value that had something.
Object::Ptr projectComplexValue(const Object& value, const AttributeDef& def,
                                const Decision& decision) {
  Object::Ptr out = new Object;
  for (const auto& [key, sub] : value) {
    if (keepsSub(decision, def.findSub(key), key)) out->set(key, deepCopy(sub));
  }
  if (out->size() == 0 && value.size() != 0) return nullptr;
  return out;
}

// Sets `projected` to the attribute's value after the decision; false when nothing is left of it.
// (No std::optional<Var>: Var's conversion template makes that ambiguous.)
bool projectValue(const Var& value, const AttributeDef& def, const Decision& decision,
                  Var& projected) {
  if (def.type != AttrType::Complex) {
    projected = deepCopy(value);
    return true;
  }
  if (const Object* object = asObject(value); object != nullptr) {
    Object::Ptr out = projectComplexValue(*object, def, decision);
    if (out.isNull()) return false;
    projected = out;
    return true;
  }
  const Array* array = asArray(value);
  if (array == nullptr) {  // malformed; not ours to judge
    projected = deepCopy(value);
    return true;
  }
  Array::Ptr out = new Array;
  for (unsigned i = 0; i < array->size(); ++i) {
    const Var element = array->get(i);
    const Object* object = asObject(element);
    if (object == nullptr) {
      if (decision.subs != Decision::Subs::Only) out->add(deepCopy(element));
      continue;
    }
    Object::Ptr kept = projectComplexValue(*object, def, decision);
    if (!kept.isNull()) out->add(kept);
  }
  if (out->size() == 0 && array->size() != 0) return false;
  projected = out;
  return true;
}

// Copies one attribute into `out` as the projection decides. A key no schema defines (`def`
// null) stays only in the default set: it cannot be named.
void projectAttribute(const std::string& key, const Var& value, const AttributeDef* def,
                      const Scope& scope, const Projection& projection, Object& out) {
  if (def == nullptr) {
    if (projection.attributes.empty()) out.set(key, deepCopy(value));
    return;
  }
  const Decision decision = decide(*def, scope, projection);
  if (!decision.keep) return;
  if (Var projected; projectValue(value, *def, decision, projected)) out.set(key, projected);
}

}  // namespace

bool Projection::empty() const { return attributes.empty() && excluded.empty(); }

Result<Projection> parseProjection(std::string_view attributes, std::string_view excludedAttributes,
                                   const ResourceTypeDef& type) {
  Result<std::vector<AttrPath>> included = parseList(attributes, "attributes", type);
  if (!included) return included.error();
  Result<std::vector<AttrPath>> excluded =
      parseList(excludedAttributes, "excludedAttributes", type);
  if (!excluded) return excluded.error();
  Projection projection;
  projection.attributes = std::move(included).value();
  // RFC 7644 3.9 offers the two as alternatives; given both, `attributes` wins.
  if (projection.attributes.empty()) projection.excluded = std::move(excluded).value();
  return projection;
}

Poco::JSON::Object::Ptr project(const Poco::JSON::Object& resource, const Projection& projection,
                                const ResourceTypeDef& type) {
  const std::string_view coreId = type.core != nullptr ? std::string_view(type.core->id) : "";
  const Scope commonScope{&commonSchema(), true, false, coreId};
  const Scope coreScope{type.core, false, true, coreId};
  std::vector<Scope> extensionScopes;
  for (const Schema* ext : type.extensions) extensionScopes.push_back({ext, false, false, coreId});

  Object::Ptr out = new Object;
  for (const auto& [key, value] : resource) {
    if (equalsIgnoreCase(key, kSchemasKey)) continue;  // rebuilt below
    if (const AttributeDef* def = commonSchema().find(key); def != nullptr) {
      projectAttribute(key, value, def, commonScope, projection, *out);
      continue;
    }
    if (const AttributeDef* def = type.core != nullptr ? type.core->find(key) : nullptr;
        def != nullptr) {
      projectAttribute(key, value, def, coreScope, projection, *out);
      continue;
    }
    const Scope* extension = nullptr;
    for (const Scope& scope : extensionScopes) {
      if (equalsIgnoreCase(scope.schema->id, key)) extension = &scope;
    }
    const Object* extensionObject = asObject(value);
    if (extension == nullptr || extensionObject == nullptr) {
      projectAttribute(key, value, nullptr, coreScope, projection, *out);
      continue;
    }
    Object::Ptr projected = new Object;
    for (const auto& [name, attribute] : *extensionObject) {
      projectAttribute(name, attribute, extension->schema->find(name), *extension, projection,
                       *projected);
    }
    // An extension emptied by the projection disappears, with its URN from `schemas`.
    if (projected->size() != 0 || extensionObject->size() == 0) out->set(key, projected);
  }

  // RFC 7643 3: `schemas` lists the schemas the representation uses: core, plus each extension
  // whose object survived the projection.
  Array::Ptr schemas = new Array;
  if (type.core != nullptr) schemas->add(type.core->id);
  for (const Schema* ext : type.extensions) {
    for (const auto& [key, value] : *out) {
      if (equalsIgnoreCase(key, ext->id)) {
        schemas->add(ext->id);
        break;
      }
    }
  }
  out->set(std::string(kSchemasKey), schemas);
  return out;
}

std::vector<std::string> neededAttributes(const Projection& projection,
                                          const ResourceTypeDef& type) {
  const std::string_view coreId = type.core != nullptr ? std::string_view(type.core->id) : "";
  std::vector<std::string> needed;
  const Scope commonScope{&commonSchema(), true, false, coreId};
  for (const AttributeDef& def : commonSchema().attributes) {
    if (equalsIgnoreCase(def.name, kSchemasKey)) continue;  // derived from the others
    if (decide(def, commonScope, projection).keep) needed.push_back(def.name);
  }
  if (type.core != nullptr) {
    const Scope coreScope{type.core, false, true, coreId};
    for (const AttributeDef& def : type.core->attributes) {
      if (decide(def, coreScope, projection).keep) needed.push_back(def.name);
    }
  }
  for (const Schema* ext : type.extensions) {
    const Scope scope{ext, false, false, coreId};
    for (const AttributeDef& def : ext->attributes) {
      if (decide(def, scope, projection).keep) needed.push_back(ext->id + ":" + def.name);
    }
  }
  return needed;
}

}  // namespace scimgate::scim
