#include "ldap/mapping.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>

#include "ldap/detail/text.h"
#include "ldap/escape.h"

namespace scimgate::ldap {
namespace {

using detail::lower;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using scim::ErrorKind;
using scim::makeError;
using Entry = UserMapping::Entry;

constexpr char kSynthesizedKey[] = "$synthesized";

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

scim::Result<Entry> parseEntry(const std::string& path, const std::string& ldapAttr) {
  auto bad = [&](const std::string& why) {
    return makeError(ErrorKind::InvalidValue, "mapping '" + path + "': " + why);
  };
  Entry entry;
  entry.ldap = ldapAttr;
  std::string rest = path;
  const auto bracket = rest.find('[');
  const auto colon = rest.rfind(':', bracket == std::string::npos ? rest.size() : bracket);
  const scim::ResourceTypeDef& type = scim::userResourceType();
  const scim::Schema* schema = type.core;
  if (colon != std::string::npos) {
    schema = type.schemaFor(rest.substr(0, colon));
    if (schema == nullptr) return bad("unknown schema URN");
    rest = rest.substr(colon + 1);
  }
  if (schema != type.core) entry.schema = schema->id;

  std::string attrName = rest;
  std::string selector;
  std::string sub;
  if (const auto open = rest.find('['); open != std::string::npos) {
    const auto close = rest.find(']', open);
    if (close == std::string::npos) return bad("missing ']'");
    attrName = rest.substr(0, open);
    selector = rest.substr(open + 1, close - open - 1);
    const std::string after = rest.substr(close + 1);
    if (after.size() < 2 || after[0] != '.')
      return bad("a selector must be followed by .subAttribute");
    sub = after.substr(1);
  } else if (const auto dot = rest.find('.'); dot != std::string::npos) {
    attrName = rest.substr(0, dot);
    sub = rest.substr(dot + 1);
  }

  if (schema == type.core && scim::equalsIgnoreCase(attrName, "externalId") && sub.empty() &&
      selector.empty()) {
    entry.attribute = "externalId";  // RFC 7643 3.1 common attribute, not part of the schema
    return entry;
  }
  const scim::AttributeDef* def = schema->find(attrName);
  if (def == nullptr) return bad("unknown attribute '" + attrName + "'");
  entry.def = def;
  entry.attribute = def->name;
  if (!sub.empty()) {
    const scim::AttributeDef* subDef = def->findSub(sub);
    if (subDef == nullptr) return bad("unknown sub-attribute '" + sub + "'");
    entry.subAttribute = subDef->name;
  } else if (def->type == scim::AttrType::Complex) {
    return bad("a complex attribute needs a sub-attribute");
  }
  if (!selector.empty()) {
    if (!def->multiValued) return bad("a selector needs a multi-valued attribute");
    if (selector == "primary") {
      entry.selector = Entry::Selector::Primary;
    } else if (selector == "all") {
      entry.selector = Entry::Selector::All;
    } else if (selector.rfind("type=", 0) == 0 && selector.size() > 5) {
      entry.selector = Entry::Selector::Type;
      entry.typeValue = selector.substr(5);
    } else {
      return bad("selector must be [primary], [all] or [type=VALUE]");
    }
  } else if (def->multiValued && def->type == scim::AttrType::Complex) {
    return bad("a multi-valued complex attribute needs [primary], [all] or [type=VALUE]");
  }
  return entry;
}

// RFC 4517 3.3.13 GeneralizedTime digits from an RFC 3339 date-time.
bool isDigits(const std::string& s, std::size_t from, std::size_t count) {
  if (from + count > s.size()) return false;
  return std::all_of(s.begin() + static_cast<long>(from),
                     s.begin() + static_cast<long>(from + count),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

int number(const std::string& s, std::size_t from, std::size_t count) {
  return std::stoi(s.substr(from, count));
}

// A local date-time and its offset from UTC as UTC digits YYYYMMDDHHMMSS; empty when a field is
// out of range (month 13, February 30, hour 24...). A leap second (:60) rolls into the next minute.
std::string utcDigits(int year, int month, int day, int hour, int minute, int second,
                      int offsetMinutes) {
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year},
                            std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return {};
  const sys_seconds utc =
      sys_days{date} + hours{hour} + minutes{minute} + seconds{second} - minutes{offsetMinutes};
  const auto utcDay = floor<days>(utc);
  const year_month_day utcDate{utcDay};
  const hh_mm_ss<seconds> time{utc - utcDay};
  const int utcYear = static_cast<int>(utcDate.year());
  if (utcYear < 0 || utcYear > 9999) return {};
  char digits[32];  // 14 digits here; sized for what the compiler cannot prove
  std::snprintf(digits, sizeof digits, "%04d%02u%02u%02d%02d%02d", utcYear,
                static_cast<unsigned>(utcDate.month()), static_cast<unsigned>(utcDate.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return digits;
}

}  // namespace

bool AttrNameLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::map<std::string, std::string> defaultUserMapping() {
  const std::string ent = std::string(scim::kEnterpriseUserSchema) + ":";
  const std::string ext = std::string(scim::kScimgateUserSchema) + ":";
  return {
      {"userName", "uid"},
      {"externalId", "scimgateExternalId"},
      {"name.givenName", "givenName"},
      {"name.familyName", "sn"},
      {"name.middleName", "scimgateMiddleName"},
      {"name.honorificPrefix", "scimgateHonorificPrefix"},
      {"name.honorificSuffix", "scimgateHonorificSuffix"},
      {"displayName", "displayName"},
      {"nickName", "scimgateNickName"},
      {"profileUrl", "scimgateProfileUrl"},
      {"title", "title"},
      {"userType", "scimgateUserType"},
      {"preferredLanguage", "preferredLanguage"},
      {"locale", "scimgateLocale"},
      {"timezone", "scimgateTimezone"},
      {"emails[all].value", "mail"},
      {"phoneNumbers[type=work].value", "telephoneNumber"},
      {"phoneNumbers[type=mobile].value", "mobile"},
      {ent + "employeeNumber", "employeeNumber"},
      {ent + "costCenter", "scimgateCostCenter"},
      {ent + "organization", "o"},
      {ent + "division", "scimgateDivision"},
      {ent + "department", "departmentNumber"},
      {ext + "skills", "scimgateSkill"},
      {ext + "emailPreferences", "scimgateEmailPreference"},
  };
}

scim::Result<UserMapping> UserMapping::create(const std::map<std::string, std::string>& table) {
  UserMapping mapping;
  std::set<std::string, AttrNameLess> seen;
  for (const auto& [path, ldapAttr] : table) {
    if (ldapAttr.empty()) {
      return makeError(ErrorKind::InvalidValue, "mapping '" + path + "': empty LDAP attribute");
    }
    if (!seen.insert(ldapAttr).second) {
      return makeError(ErrorKind::InvalidValue,
                       "mapping '" + path + "': LDAP attribute '" + ldapAttr + "' used twice");
    }
    auto entry = parseEntry(path, ldapAttr);
    if (!entry) return entry.error();
    mapping.entries_.push_back(std::move(*entry));
  }
  for (const auto& all : mapping.entries_) {
    if (all.selector != Entry::Selector::All) continue;
    for (const auto& other : mapping.entries_) {
      if (&other != &all && other.schema == all.schema && other.attribute == all.attribute &&
          other.subAttribute == all.subAttribute) {
        return makeError(ErrorKind::InvalidValue,
                         "mapping: '" + all.attribute + "[all]." + all.subAttribute +
                             "' cannot be combined with another mapping of the same values");
      }
    }
  }
  bool hasUserName = std::any_of(mapping.entries_.begin(), mapping.entries_.end(),
                                 [](const Entry& e) { return e.attribute == "userName"; });
  if (!hasUserName) return makeError(ErrorKind::InvalidValue, "mapping: userName must be mapped");
  // Type selectors first: a [primary] entry then picks among what they left (see toScim).
  std::stable_partition(mapping.entries_.begin(), mapping.entries_.end(),
                        [](const Entry& e) { return e.selector != Entry::Selector::Primary; });
  return mapping;
}

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

std::vector<std::string> UserMapping::readAttributes() const {
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e.ldap);
  for (const char* name : {kResourceAttribute, kStatusAttribute, "entryUUID", "entryCSN",
                           "createTimestamp", "modifyTimestamp"}) {
    names.emplace_back(name);
  }
  return names;
}

std::vector<std::string> UserMapping::readAttributesFor(
    const std::vector<std::string>& scimAttributes) const {
  std::set<std::string, AttrNameLess> wanted(scimAttributes.begin(), scimAttributes.end());
  std::vector<std::string> names = {kStatusAttribute, "entryUUID", "entryCSN", "createTimestamp",
                                    "modifyTimestamp"};
  std::set<std::string, AttrNameLess> covered;  // needed attributes held entirely in LDAP
  for (const auto& e : entries_) {
    const std::string key = e.schema.empty() ? e.attribute : e.schema + ":" + e.attribute;
    if (!wanted.count(key)) continue;
    names.push_back(e.ldap);
    const bool whole = e.selector == Entry::Selector::None && e.subAttribute.empty();
    if (whole) covered.insert(key);
  }
  const std::string ext(scim::kScimgateUserSchema);
  if (wanted.count("groups") || wanted.count("roles") || wanted.count(ext + ":queues") ||
      wanted.count(ext + ":accounts")) {
    names.emplace_back("memberOf");
  }
  bool remainder = false;
  for (const auto& key : wanted) {
    if (scim::equalsIgnoreCase(key, "groups") || scim::equalsIgnoreCase(key, "roles") ||
        scim::equalsIgnoreCase(key, ext + ":queues") ||
        scim::equalsIgnoreCase(key, ext + ":accounts")) {
      continue;
    }
    // id, meta and active come from operational attributes and the status.
    if (scim::equalsIgnoreCase(key, "id") || scim::equalsIgnoreCase(key, "meta") ||
        scim::equalsIgnoreCase(key, "active") || scim::equalsIgnoreCase(key, "schemas")) {
      continue;
    }
    if (!covered.count(key)) remainder = true;
  }
  if (remainder) names.emplace_back(kResourceAttribute);
  return names;
}

std::string UserMapping::ldapAttributeFor(const scim::AttrPath& path) const {
  auto all = ldapAttributesFor(path);
  return all.empty() ? std::string() : all.front();
}

std::vector<std::string> UserMapping::ldapAttributesFor(const scim::AttrPath& path) const {
  const scim::ResourceTypeDef& type = scim::userResourceType();
  std::string schema;
  if (!path.schema.empty()) {
    const scim::Schema* s = type.schemaFor(path.schema);
    if (s == nullptr) return {};
    if (s != type.core) schema = s->id;
  }
  std::vector<std::string> found;
  for (const auto& e : entries_) {
    if (!scim::equalsIgnoreCase(e.schema, schema) ||
        !scim::equalsIgnoreCase(e.attribute, path.attribute)) {
      continue;
    }
    if (e.selector != Entry::Selector::None) {
      // `phoneNumbers.value` (or just `phoneNumbers`) reaches every mapped value of a multi-valued
      // attribute: work and mobile numbers live in different LDAP attributes.
      const std::string sub = path.subAttribute.empty() ? "value" : path.subAttribute;
      if (scim::equalsIgnoreCase(sub, e.subAttribute)) found.push_back(e.ldap);
      continue;
    }
    if (scim::equalsIgnoreCase(e.subAttribute, path.subAttribute)) found.push_back(e.ldap);
  }
  return found;
}

// One comparison on one LDAP attribute (RFC 4515), the value escaped.
scim::Result<std::string> compareFilter(const scim::Filter& filter, const std::string& attr,
                                        bool isTime) {
  using Op = scim::CompareOp;
  const scim::Literal& value = filter.value;
  const std::string dotted = filter.path.dotted();
  if (filter.op == Op::Pr) return "(" + attr + "=*)";
  if (value.type == scim::Literal::Type::Null) {
    if (filter.op == Op::Eq) return "(!(" + attr + "=*))";
    if (filter.op == Op::Ne) return "(" + attr + "=*)";
    return makeError(ErrorKind::InvalidFilter, "null compares only with eq or ne");
  }
  std::string text = value.text;
  if (value.type == scim::Literal::Type::Boolean) text = value.boolean ? "TRUE" : "FALSE";
  if (isTime) {
    text = toGeneralizedTime(value.text);
    if (text.empty()) {
      return makeError(ErrorKind::InvalidFilter,
                       "'" + dotted + "' needs an RFC 3339 date-time, got '" + value.text + "'");
    }
  }
  const std::string v = escapeFilterValue(text);
  switch (filter.op) {
    case Op::Eq:
      return "(" + attr + "=" + v + ")";
    case Op::Ne:
      return "(!(" + attr + "=" + v + "))";
    case Op::Co:
      return "(" + attr + "=*" + v + "*)";
    case Op::Sw:
      return "(" + attr + "=" + v + "*)";
    case Op::Ew:
      return "(" + attr + "=*" + v + ")";
    case Op::Ge:
      return "(" + attr + ">=" + v + ")";
    case Op::Le:
      return "(" + attr + "<=" + v + ")";
    case Op::Gt:
      return "(&(" + attr + ">=" + v + ")(!(" + attr + "=" + v + ")))";
    case Op::Lt:
      return "(&(" + attr + "<=" + v + ")(!(" + attr + "=" + v + ")))";
    case Op::Pr:
      break;
  }
  return makeError(ErrorKind::InvalidFilter, "unsupported operator");
}

scim::Filter flattenValuePath(const scim::Filter& valuePath) {
  const scim::Filter& inner = *valuePath.left;
  scim::Filter flat;
  flat.kind = scim::Filter::Kind::Compare;
  flat.path = valuePath.path;
  flat.path.subAttribute = inner.path.attribute;
  flat.op = inner.op;
  flat.value = inner.value;
  return flat;
}

scim::Result<std::string> translateFilter(
    const scim::Filter& filter,
    const std::function<scim::Result<std::string>(const scim::Filter&)>& leaf) {
  using Kind = scim::Filter::Kind;
  switch (filter.kind) {
    case Kind::And:
    case Kind::Or: {
      auto left = translateFilter(*filter.left, leaf);
      if (!left) return left.error();
      auto right = translateFilter(*filter.right, leaf);
      if (!right) return right.error();
      return std::string(filter.kind == Kind::And ? "(&" : "(|") + *left + *right + ")";
    }
    case Kind::Not: {
      auto inner = translateFilter(*filter.left, leaf);
      if (!inner) return inner.error();
      return "(!" + *inner + ")";
    }
    case Kind::ValuePath:
    case Kind::Compare:
      break;
  }
  return leaf(filter);
}

scim::Result<std::string> UserMapping::toLdapFilter(const scim::Filter& filter) const {
  return translateFilter(filter, [this](const scim::Filter& node) { return leafFilter(node); });
}

scim::Result<std::string> UserMapping::leafFilter(const scim::Filter& filter) const {
  using Kind = scim::Filter::Kind;
  using Op = scim::CompareOp;
  switch (filter.kind) {
    case Kind::And:
    case Kind::Or:
    case Kind::Not:
      return toLdapFilter(filter);  // translateFilter handles these; kept for -Wswitch
    case Kind::ValuePath: {
      // A value path over one mapped sub-attribute (`emails[value eq "x"]`) reads as
      // `emails.value`.
      const scim::Filter& inner = *filter.left;
      if (inner.kind == Kind::Compare) {
        scim::Filter flat = flattenValuePath(filter);
        if (!ldapAttributeFor(flat.path).empty()) return toLdapFilter(flat);
      }
      return makeError(ErrorKind::InvalidFilter, "the value filter on '" + filter.path.dotted() +
                                                     "' cannot be evaluated by the directory");
    }
    case Kind::Compare:
      break;
  }

  const scim::AttrPath& path = filter.path;
  const scim::Literal& value = filter.value;
  const std::string dotted = path.dotted();
  std::string attr;
  bool isTime = false;
  if (path.schema.empty() || scim::equalsIgnoreCase(path.schema, scim::kUserSchema)) {
    if (scim::equalsIgnoreCase(dotted, "id")) attr = "entryUUID";
    if (scim::equalsIgnoreCase(dotted, "meta.created")) attr = "createTimestamp", isTime = true;
    if (scim::equalsIgnoreCase(dotted, "meta.lastModified")) {
      attr = "modifyTimestamp";
      isTime = true;
    }
    if (scim::equalsIgnoreCase(dotted, "active")) {
      if (filter.op == Op::Pr) return std::string("(objectClass=*)");
      if ((filter.op != Op::Eq && filter.op != Op::Ne) ||
          value.type != scim::Literal::Type::Boolean) {
        return makeError(ErrorKind::InvalidFilter, "'active' compares only with eq/ne true/false");
      }
      const bool wantActive = value.boolean == (filter.op == Op::Eq);
      return std::string(wantActive ? "(!(" : "(") + kStatusAttribute + "=inactive" +
             (wantActive ? "))" : ")");
    }
  }
  std::vector<std::string> attrs = attr.empty() ? ldapAttributesFor(path) : std::vector{attr};
  if (attrs.size() > 1) {
    // One SCIM attribute kept in several LDAP attributes: any of them may match (RFC 7644
    // 3.4.2.2 multi-valued semantics); `ne` and absence need all of them.
    const bool all =
        filter.op == Op::Ne || (value.type == scim::Literal::Type::Null && filter.op == Op::Eq);
    std::string combined = all ? "(&" : "(|";
    for (const auto& one : attrs) {
      auto part = compareFilter(filter, one, false);
      if (!part) return part.error();
      combined += *part;
    }
    return combined + ")";
  }
  if (!attrs.empty()) attr = attrs.front();
  if (attr.empty()) {
    return makeError(ErrorKind::InvalidFilter,
                     "attribute '" + dotted + "' cannot be filtered: it is unknown or not mapped");
  }

  return compareFilter(filter, attr, isTime);
}

std::string toGeneralizedTime(const std::string& rfc3339) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  const std::string& s = rfc3339;
  if (!isDigits(s, 0, 4) || s.size() < 19 || s[4] != '-' || !isDigits(s, 5, 2) || s[7] != '-' ||
      !isDigits(s, 8, 2) || (s[10] != 'T' && s[10] != 't') || !isDigits(s, 11, 2) || s[13] != ':' ||
      !isDigits(s, 14, 2) || s[16] != ':' || !isDigits(s, 17, 2)) {
    return {};
  }
  std::size_t pos = 19;
  std::string fraction;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) fraction += s[pos++];
    if (fraction.empty()) return {};
    fraction = fraction.substr(0, 6);
  }
  const std::string zone = s.substr(pos);
  int offsetMinutes = 0;
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && isDigits(zone, 1, 2) &&
      zone[3] == ':' && isDigits(zone, 4, 2)) {
    const int hours = number(zone, 1, 2);
    const int minutes = number(zone, 4, 2);
    if (hours > 23 || minutes > 59) return {};
    offsetMinutes = (zone[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
  } else if (zone != "Z" && zone != "z") {
    return {};
  }
  // Mapping.h promises UTC: an ordering match against createTimestamp must not depend on the
  // directory normalising a g-differential.
  const std::string utc =
      utcDigits(number(s, 0, 4), number(s, 5, 2), number(s, 8, 2), number(s, 11, 2),
                number(s, 14, 2), number(s, 17, 2), offsetMinutes);
  if (utc.empty()) return {};
  return utc + (fraction.empty() ? "" : "." + fraction) + "Z";
}

std::string fromGeneralizedTime(const std::string& g) {
  // RFC 4517 3.3.13, as directories write it: YYYYMMDDHHMMSS[(.|,)frac](Z|(+|-)HH[MM]).
  if (!isDigits(g, 0, 14)) return {};
  std::size_t pos = 14;
  std::string fraction;
  if (pos < g.size() && (g[pos] == '.' || g[pos] == ',')) {
    ++pos;
    while (pos < g.size() && std::isdigit(static_cast<unsigned char>(g[pos]))) fraction += g[pos++];
    if (fraction.empty()) return {};
  }
  const std::string zone = g.substr(pos);
  int offsetMinutes = 0;
  if ((zone.size() == 3 || zone.size() == 5) && (zone[0] == '+' || zone[0] == '-') &&
      isDigits(zone, 1, zone.size() - 1)) {
    const int hours = number(zone, 1, 2);
    const int minutes = zone.size() == 5 ? number(zone, 3, 2) : 0;
    if (hours > 23 || minutes > 59) return {};
    offsetMinutes = (zone[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
  } else if (zone != "Z") {
    return {};
  }
  const std::string utc =
      utcDigits(number(g, 0, 4), number(g, 4, 2), number(g, 6, 2), number(g, 8, 2),
                number(g, 10, 2), number(g, 12, 2), offsetMinutes);
  if (utc.empty()) return {};
  std::string out = utc.substr(0, 4) + "-" + utc.substr(4, 2) + "-" + utc.substr(6, 2) + "T" +
                    utc.substr(8, 2) + ":" + utc.substr(10, 2) + ":" + utc.substr(12, 2);
  if (!fraction.empty()) out += "." + fraction;
  return out + "Z";
}

}  // namespace scimgate::ldap
