#include "ldap/mapping.h"

#include <algorithm>
#include <cctype>
#include <set>

// The mapping table: parsing its entries, and which LDAP attributes hold which SCIM attributes.
// Converting users is ldap/mapping_convert.cpp, filters ldap/mapping_filter.cpp, times
// ldap/mapping_time.cpp.
namespace scimgate::ldap {
namespace {

using scim::ErrorKind;
using scim::makeError;
using Entry = UserMapping::Entry;

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

}  // namespace

bool AttrNameLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::map<std::string, std::string> defaultUserMapping(const Profile& profile) {
  const std::string ent = std::string(scim::kEnterpriseUserSchema) + ":";
  const std::string ext = std::string(scim::kScimgateUserSchema) + ":";
  // AD: userName is the userPrincipalName, the name people sign in with (it is unique in the
  // forest); the RDN (cn) and sAMAccountName follow it (see Profile::accountNames).
  std::map<std::string, std::string> mapping = {
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
  if (profile.userRdnAttribute == "cn") {
    // AD's mail holds one address (the others stay in the remainder, found by the gateway).
    mapping["userName"] = "userPrincipalName";
    mapping.erase("emails[all].value");
    mapping["emails[primary].value"] = "mail";
  }
  return mapping;
}

scim::Result<UserMapping> UserMapping::create(const std::map<std::string, std::string>& table,
                                              const Profile& profile) {
  UserMapping mapping;
  mapping.createdAttribute_ = profile.createdAttribute;
  mapping.modifiedAttribute_ = profile.modifiedAttribute;
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

std::vector<std::string> UserMapping::readAttributes(const Profile& profile) const {
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e.ldap);
  for (const std::string& name :
       {std::string(kResourceAttribute), std::string(kStatusAttribute), profile.idAttribute,
        profile.versionAttribute, profile.createdAttribute, profile.modifiedAttribute}) {
    names.push_back(name);
  }
  if (!profile.versionAlso.empty()) names.push_back(profile.versionAlso);
  return names;
}

std::vector<std::string> UserMapping::readAttributesFor(
    const std::vector<std::string>& scimAttributes, const Profile& profile) const {
  std::set<std::string, AttrNameLess> wanted(scimAttributes.begin(), scimAttributes.end());
  std::vector<std::string> names = {kStatusAttribute, profile.idAttribute, profile.versionAttribute,
                                    profile.createdAttribute, profile.modifiedAttribute};
  if (!profile.versionAlso.empty()) names.push_back(profile.versionAlso);
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

bool UserMapping::holdsOnlyPrimary(const scim::AttrPath& path) const {
  if (!path.schema.empty() && !scim::equalsIgnoreCase(path.schema, scim::kUserSchema)) return false;
  for (const auto& e : entries_) {
    if (e.schema.empty() && scim::equalsIgnoreCase(e.attribute, path.attribute) &&
        e.selector == Entry::Selector::Primary) {
      return true;
    }
  }
  return false;
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

}  // namespace scimgate::ldap
