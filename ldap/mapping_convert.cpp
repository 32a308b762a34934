#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "ldap/mapping.h"

// A canonical SCIM User as LDAP attributes and back (UserMapping::toLdap and toScim).
namespace scimgate::ldap {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using Entry = UserMapping::Entry;

constexpr char kSynthesizedKey[] = "$synthesized";

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Object::Ptr deepCopy(const Object& source) {
  std::ostringstream out;
  source.stringify(out);
  Poco::JSON::Parser parser;
  return parser.parse(out.str()).extract<Object::Ptr>();
}

Object::Ptr objectAt(Object& parent, const std::string& key, bool create) {
  if (parent.has(key) && parent.get(key).type() == typeid(Object::Ptr)) {
    return parent.getObject(key);
  }
  if (!create) return nullptr;
  Object::Ptr child = new Object;
  parent.set(key, child);
  return child;
}

Array::Ptr arrayAt(Object& parent, const std::string& key, bool create) {
  if (parent.has(key) && parent.get(key).type() == typeid(Array::Ptr)) return parent.getArray(key);
  if (!create) return nullptr;
  Array::Ptr child = new Array;
  parent.set(key, child);
  return child;
}

std::string scalarToLdap(const Var& value) {
  if (value.type() == typeid(bool)) return value.extract<bool>() ? "TRUE" : "FALSE";
  return value.convert<std::string>();
}

Var scalarFromLdap(const scim::AttributeDef* def, const std::string& value) {
  if (def != nullptr && def->type == scim::AttrType::Boolean) return Var(lower(value) == "true");
  return Var(value);
}

bool isPrimary(const Object& element) {
  return element.has("primary") && element.get("primary").type() == typeid(bool) &&
         element.get("primary").extract<bool>();
}

bool hasType(const Object& element, const std::string& type) {
  return element.has("type") && element.get("type").isString() &&
         scim::equalsIgnoreCase(element.get("type").extract<std::string>(), type);
}

// The element of a multi-valued attribute an entry selects (for writing: it must carry `sub`).
Object::Ptr selectElement(const Array& array, const Entry& entry, bool needsSub) {
  Object::Ptr first;
  for (std::size_t i = 0; i < array.size(); ++i) {
    Var item = array.get(static_cast<unsigned int>(i));
    if (item.type() != typeid(Object::Ptr)) continue;
    auto element = item.extract<Object::Ptr>();
    if (needsSub != element->has(entry.subAttribute)) continue;
    if (entry.selector == Entry::Selector::Type) {
      if (hasType(*element, entry.typeValue)) return element;
      continue;
    }
    if (isPrimary(*element)) return element;
    if (!first) first = element;
  }
  return first;
}

// Every element's `sub` (strings), the primary element's first, without repeats: the values an
// [all] entry writes to its LDAP attribute.
std::vector<std::string> allValues(const Array& array, const std::string& sub) {
  std::vector<std::string> values;
  auto take = [&](const Object& element) {
    if (!element.has(sub) || element.get(sub).isEmpty()) return;
    std::string value = scalarToLdap(element.get(sub));
    const bool seen = std::any_of(values.begin(), values.end(), [&](const std::string& v) {
      return scim::equalsIgnoreCase(v, value);
    });
    if (!value.empty() && !seen) values.push_back(std::move(value));
  };
  for (bool primary : {true, false}) {
    for (std::size_t i = 0; i < array.size(); ++i) {
      Var item = array.get(static_cast<unsigned int>(i));
      if (item.type() != typeid(Object::Ptr)) continue;
      auto element = item.extract<Object::Ptr>();
      if (isPrimary(*element) == primary) take(*element);
    }
  }
  return values;
}

// The elements of an [all] attribute as the directory has them: the stored elements (type,
// primary, display...) whose value the LDAP attribute still holds, then a bare element for each
// LDAP value no stored element carries (written by something other than the gateway).
Array::Ptr reconcile(const Array::Ptr& stored, const std::string& sub,
                     const std::vector<std::string>& ldapValues) {
  Array::Ptr out = new Array;
  std::vector<bool> used(ldapValues.size(), false);
  auto indexOf = [&](const std::string& value) -> std::size_t {
    for (std::size_t i = 0; i < ldapValues.size(); ++i) {
      if (!used[i] && scim::equalsIgnoreCase(ldapValues[i], value)) return i;
    }
    return ldapValues.size();
  };
  if (stored) {
    for (std::size_t i = 0; i < stored->size(); ++i) {
      Var item = stored->get(static_cast<unsigned int>(i));
      if (item.type() != typeid(Object::Ptr)) continue;
      auto element = item.extract<Object::Ptr>();
      if (!element->has(sub) || element->get(sub).isEmpty()) continue;
      const std::size_t at = indexOf(scalarToLdap(element->get(sub)));
      if (at == ldapValues.size()) continue;  // removed in the directory
      used[at] = true;
      element->set(sub, Var(ldapValues[at]));
      out->add(element);
    }
  }
  for (std::size_t i = 0; i < ldapValues.size(); ++i) {
    if (used[i]) continue;
    Object::Ptr element = new Object;
    element->set(sub, Var(ldapValues[i]));
    if (out->size() == 0 && i == 0) element->set("primary", true);
    out->add(element);
  }
  return out;
}

void removeEmpty(Object& object) {
  std::vector<std::string> empty;
  for (auto& [key, value] : object) {
    if (value.type() == typeid(Object::Ptr)) {
      auto child = value.extract<Object::Ptr>();
      removeEmpty(*child);
      if (child->size() == 0) empty.push_back(key);
    } else if (value.type() == typeid(Array::Ptr)) {
      auto array = value.extract<Array::Ptr>();
      Array::Ptr kept = new Array;
      for (std::size_t i = 0; i < array->size(); ++i) {
        Var item = array->get(static_cast<unsigned int>(i));
        if (item.type() == typeid(Object::Ptr)) {
          auto element = item.extract<Object::Ptr>();
          removeEmpty(*element);
          if (element->size() == 0) continue;
        }
        kept->add(item);
      }
      if (kept->size() == 0) {
        empty.push_back(key);
      } else {
        object.set(key, kept);
      }
    }
  }
  for (const auto& key : empty) object.remove(key);
}

}  // namespace

Attributes UserMapping::toLdap(const Object& attributes) const {
  Attributes out;
  Object::Ptr rest = deepCopy(attributes);
  rest->remove("active");  // kept by the directory as status, not as data
  // Memberships and computed data come from the directory, never from the stored remainder.
  rest->remove("groups");
  rest->remove("roles");
  if (auto ext = objectAt(*rest, std::string(scim::kScimgateUserSchema), false)) {
    for (const char* name : {"status", "queues", "accounts", "mfa"}) ext->remove(name);
  }
  for (const auto& entry : entries_) {
    Object::Ptr container = entry.schema.empty() ? rest : objectAt(*rest, entry.schema, false);
    if (!container || !container->has(entry.attribute)) continue;
    Var value = container->get(entry.attribute);
    std::vector<std::string> values;
    if (entry.selector == Entry::Selector::All) {
      if (value.type() != typeid(Array::Ptr)) continue;
      values = allValues(*value.extract<Array::Ptr>(), entry.subAttribute);
    } else if (entry.selector != Entry::Selector::None) {
      if (value.type() != typeid(Array::Ptr)) continue;
      auto element = selectElement(*value.extract<Array::Ptr>(), entry, true);
      if (!element) continue;
      values.push_back(scalarToLdap(element->get(entry.subAttribute)));
      element->remove(entry.subAttribute);
    } else if (!entry.subAttribute.empty()) {
      if (value.type() != typeid(Object::Ptr)) continue;
      auto object = value.extract<Object::Ptr>();
      if (!object->has(entry.subAttribute)) continue;
      values.push_back(scalarToLdap(object->get(entry.subAttribute)));
      object->remove(entry.subAttribute);
    } else if (value.type() == typeid(Array::Ptr)) {
      auto array = value.extract<Array::Ptr>();
      for (std::size_t i = 0; i < array->size(); ++i) {
        values.push_back(scalarToLdap(array->get(static_cast<unsigned int>(i))));
      }
      container->remove(entry.attribute);
    } else {
      values.push_back(scalarToLdap(value));
      container->remove(entry.attribute);
    }
    // LDAP has no empty values (RFC 4512 2.5.2 for most syntaxes): an empty string is absence.
    values.erase(std::remove(values.begin(), values.end(), std::string()), values.end());
    if (!values.empty()) out[entry.ldap] = std::move(values);
  }

  // inetOrgPerson requires cn and sn (RFC 4519): derive them when the user has none, and
  // remember a derived sn so that it is not read back as the user's familyName.
  const std::string userName = attributes.optValue<std::string>("userName", "");
  if (!out.count("cn")) {
    std::string cn = attributes.optValue<std::string>("displayName", "");
    if (cn.empty() && attributes.has("name") &&
        attributes.get("name").type() == typeid(Object::Ptr)) {
      auto name = attributes.getObject("name");
      cn = name->optValue<std::string>("formatted", "");
      if (cn.empty()) {
        const std::string given = name->optValue<std::string>("givenName", "");
        const std::string family = name->optValue<std::string>("familyName", "");
        cn = given.empty() || family.empty() ? given + family : given + " " + family;
      }
    }
    out["cn"] = {cn.empty() ? userName : cn};
  }
  if (!out.count("sn")) {
    out["sn"] = {userName};
    Array::Ptr synthesized = new Array;
    synthesized->add("sn");
    rest->set(kSynthesizedKey, synthesized);
  }

  removeEmpty(*rest);
  rest->remove("userName");
  if (rest->size() > 0) {
    std::ostringstream json;
    rest->stringify(json);
    out[kResourceAttribute] = {json.str()};
  }
  return out;
}

Object::Ptr UserMapping::toScim(const Attributes& entry) const {
  Object::Ptr out = new Object;
  if (auto it = entry.find(kResourceAttribute); it != entry.end() && !it->second.empty()) {
    try {
      Poco::JSON::Parser parser;
      Var parsed = parser.parse(it->second.front());
      if (parsed.type() == typeid(Object::Ptr)) out = parsed.extract<Object::Ptr>();
    } catch (const Poco::Exception&) {
      // A hand-edited or foreign value: the mapped attributes still make a valid user.
    }
  }
  std::set<std::string, AttrNameLess> synthesized;
  if (auto list = arrayAt(*out, kSynthesizedKey, false)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      synthesized.insert(list->get(static_cast<unsigned int>(i)).convert<std::string>());
    }
    out->remove(kSynthesizedKey);
  }

  for (const auto& e : entries_) {
    auto it = entry.find(e.ldap);
    if (e.selector == Entry::Selector::All) {
      // The directory is the truth for these values: the stored elements only add their details.
      const std::vector<std::string> none;
      const auto& values = it == entry.end() ? none : it->second;
      Object::Ptr container = e.schema.empty() ? out : objectAt(*out, e.schema, !values.empty());
      if (!container || (values.empty() && !container->has(e.attribute))) continue;
      auto array = reconcile(arrayAt(*container, e.attribute, false), e.subAttribute, values);
      if (array->size() == 0) {
        container->remove(e.attribute);
      } else {
        container->set(e.attribute, array);
      }
      continue;
    }
    if (it == entry.end() || it->second.empty() || synthesized.count(e.ldap)) continue;
    const auto& values = it->second;
    Object::Ptr container = e.schema.empty() ? out : objectAt(*out, e.schema, true);
    if (e.selector != Entry::Selector::None) {
      auto array = arrayAt(*container, e.attribute, true);
      auto element = selectElement(*array, e, false);
      if (!element) {
        element = new Object;
        if (e.selector == Entry::Selector::Type) {
          element->set("type", e.typeValue);
        } else {
          element->set("primary", true);
        }
        array->add(element);
      }
      element->set(e.subAttribute, Var(values.front()));
    } else if (!e.subAttribute.empty()) {
      objectAt(*container, e.attribute, true)->set(e.subAttribute, Var(values.front()));
    } else if (e.def != nullptr && e.def->multiValued) {
      Array::Ptr array = new Array;
      for (const auto& v : values) array->add(scalarFromLdap(e.def, v));
      container->set(e.attribute, array);
    } else {
      container->set(e.attribute, scalarFromLdap(e.def, values.front()));
    }
  }

  std::string status = "active";
  if (auto it = entry.find(kStatusAttribute); it != entry.end() && !it->second.empty()) {
    status = lower(it->second.front());
  }
  out->set("active", status != "inactive");
  objectAt(*out, std::string(scim::kScimgateUserSchema), true)->set("status", status);
  return out;
}

}  // namespace scimgate::ldap
