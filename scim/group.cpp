#include "scim/group.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>
#include <set>
#include <unordered_set>
#include <utility>

#include "scim/detail/canonical.h"
#include "scim/text.h"

namespace scimgate::scim {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

using detail::invalidValue;
using detail::isNull;

constexpr std::array kAllKinds = {GroupKind::Group, GroupKind::Role, GroupKind::Queue,
                                  GroupKind::Account};

std::string allowedKinds() {
  std::string out;
  for (const auto kind : kAllKinds) {
    if (!out.empty()) out += ", ";
    out += toString(kind);
  }
  return out;
}

bool isObject(const Var& value) {
  return value.type() == typeid(Object::Ptr) && !value.extract<Object::Ptr>().isNull();
}

// An optional string member attribute: absent/null gives "", a non-string or one checkText
// refuses (control characters) InvalidValue.
Result<std::string> optionalString(const Var& value, const std::string& path) {
  if (isNull(value)) return std::string();
  if (!value.isString()) return invalidValue(path, "must be a string");
  if (auto checked = checkText(path, value.extract<std::string>()); !checked) {
    return checked.error();
  }
  return value.extract<std::string>();
}

Result<GroupMember> parseMember(const Var& item, const std::string& path) {
  // Some clients send bare ids instead of {"value": id}.
  if (item.isString()) {
    GroupMember member{item.extract<std::string>(), {}, {}};
    if (member.value.empty()) return invalidValue(path, "must not be an empty id");
    if (auto checked = checkText(path, member.value); !checked) return checked.error();
    return member;
  }
  if (!isObject(item)) return invalidValue(path, "must be an object with a string 'value'");

  GroupMember member;
  bool hasValue = false;
  // RFC 7644 3.3: unknown sub-attributes (Entra sends "displayName") are ignored.
  for (const auto& [key, value] : *item.extract<Object::Ptr>()) {
    if (equalsIgnoreCase(key, "value")) {
      auto text = optionalString(value, path + ".value");
      if (!text) return text.error();
      member.value = std::move(*text);
      hasValue = true;
    } else if (equalsIgnoreCase(key, "display")) {
      auto display = optionalString(value, path + ".display");
      if (!display) return display.error();
      member.display = std::move(*display);
    } else if (equalsIgnoreCase(key, "type")) {
      auto type = optionalString(value, path + ".type");
      if (!type) return type.error();
      if (equalsIgnoreCase(*type, "User")) {
        member.type = "User";
      } else if (equalsIgnoreCase(*type, "Group")) {
        member.type = "Group";
      } else if (!type->empty()) {
        return invalidValue(path + ".type", "must be one of User, Group");
      }
    }
  }
  if (!hasValue || member.value.empty()) {
    return invalidValue(path + ".value", "is required and must not be empty");
  }
  return member;
}

Result<std::vector<GroupMember>> parseMembers(const Var& value) {
  std::vector<GroupMember> members;
  // RFC 7644 3.5.1: null on PUT clears the attribute.
  if (isNull(value)) return members;

  std::vector<std::pair<Var, std::string>> items;
  if (value.type() == typeid(Array::Ptr) && !value.extract<Array::Ptr>().isNull()) {
    const auto array = value.extract<Array::Ptr>();
    for (unsigned int i = 0; i < array->size(); ++i) {
      items.emplace_back(array->get(i), "members[" + std::to_string(i) + "]");
    }
  } else if (value.isString() || isObject(value)) {
    items.emplace_back(value, "members");  // a single value where an array belongs
  } else {
    return invalidValue("members", "must be an array of objects with a string 'value'");
  }

  std::unordered_set<std::string> seen;
  for (const auto& [item, path] : items) {
    if (isNull(item)) continue;
    auto member = parseMember(item, path);
    if (!member) return member.error();
    // Ids are entryUUID / nsUniqueId / objectGUID text, which the directory compares without
    // case: "A1" and "a1" are one member, and adding both would fail in LDAP.
    if (seen.insert(detail::lowerAscii(member->value)).second) {
      members.push_back(std::move(*member));
    }
  }
  return members;
}

Result<GroupKind> parseKind(const Var& value, const std::string& path) {
  if (!value.isString()) return invalidValue(path, "must be a string");
  auto kind = groupKindFrom(value.extract<std::string>());
  if (!kind) return invalidValue(path, "must be one of " + allowedKinds());
  return *kind;
}

std::string trimmedBase(const std::string& baseUrl) {
  std::string base = baseUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

}  // namespace

std::string_view toString(GroupKind kind) {
  switch (kind) {
    case GroupKind::Group:
      return "group";
    case GroupKind::Role:
      return "role";
    case GroupKind::Queue:
      return "queue";
    case GroupKind::Account:
      return "account";
  }
  return "group";
}

std::optional<GroupKind> groupKindFrom(std::string_view text) {
  for (const auto kind : kAllKinds) {
    if (equalsIgnoreCase(toString(kind), text)) return kind;
  }
  return std::nullopt;
}

std::pair<std::vector<std::string>, std::vector<std::string>> memberDiff(
    const std::vector<GroupMember>& current, const std::vector<GroupMember>& wanted) {
  auto ids = [](const std::vector<GroupMember>& members) {
    std::set<std::string> out;
    for (const auto& m : members) {
      std::string id = m.value;
      for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.insert(std::move(id));
    }
    return out;
  };
  const auto had = ids(current);
  const auto want = ids(wanted);
  std::pair<std::vector<std::string>, std::vector<std::string>> diff;
  std::set_difference(want.begin(), want.end(), had.begin(), had.end(),
                      std::back_inserter(diff.first));
  std::set_difference(had.begin(), had.end(), want.begin(), want.end(),
                      std::back_inserter(diff.second));
  return diff;
}

Result<GroupInput> parseGroupInput(const Object& body) {
  const std::string extensionUrn(kScimgateGroupSchema);
  const std::string kindPath = extensionUrn + ":kind";
  GroupInput input;
  if (auto schemas = detail::checkSchemasList(body); !schemas) return schemas.error();

  // RFC 7644 3.4.2.2 / 3.10: attribute names and schema URNs compare case-insensitively.
  for (const auto& [key, value] : body) {
    if (equalsIgnoreCase(key, "displayName")) {
      if (isNull(value)) continue;  // reported as missing below
      auto text = optionalString(value, "displayName");
      if (!text) return text.error();
      input.displayName = std::move(*text);
    } else if (equalsIgnoreCase(key, "externalId")) {
      auto externalId = optionalString(value, "externalId");
      if (!externalId) return externalId.error();
      // An empty value cannot be stored in LDAP; it means "none".
      if (!externalId->empty()) input.externalId = std::move(*externalId);
    } else if (equalsIgnoreCase(key, "members")) {
      auto members = parseMembers(value);
      if (!members) return members.error();
      input.members = std::move(*members);
    } else if (equalsIgnoreCase(key, extensionUrn)) {
      if (isNull(value)) continue;
      if (!isObject(value)) return invalidValue(extensionUrn, "must be an object");
      for (const auto& [extKey, extValue] : *value.extract<Object::Ptr>()) {
        if (!equalsIgnoreCase(extKey, "kind") || isNull(extValue)) continue;
        auto kind = parseKind(extValue, kindPath);
        if (!kind) return kind.error();
        input.kind = *kind;
        input.kindGiven = true;
      }
    } else if (equalsIgnoreCase(key, kindPath)) {
      // Some clients flatten extension attributes into "<urn>:<name>" keys.
      if (isNull(value)) continue;
      auto kind = parseKind(value, kindPath);
      if (!kind) return kind.error();
      input.kind = *kind;
      input.kindGiven = true;
    }
  }

  if (input.displayName.empty()) {
    return invalidValue("displayName", "is required and must not be empty");
  }
  return input;
}

Poco::JSON::Object::Ptr groupToJson(const GroupView& group, const std::string& baseUrl) {
  const std::string base = trimmedBase(baseUrl);
  Object::Ptr out = new Object;
  Array::Ptr schemas = new Array;
  schemas->add(std::string(kGroupSchema));
  schemas->add(std::string(kScimgateGroupSchema));
  out->set("schemas", schemas);
  out->set("id", group.id);
  if (group.externalId) out->set("externalId", *group.externalId);
  out->set("displayName", group.displayName);

  if (group.members && !group.members->empty()) {
    Array::Ptr members = new Array;
    for (const auto& member : *group.members) {
      Object::Ptr item = new Object;
      item->set("value", member.value);
      if (!member.display.empty()) item->set("display", member.display);
      if (!member.type.empty()) item->set("type", member.type);
      // A $ref to the wrong endpoint would mislead more than none: only when the type is known.
      if (member.type == "User") item->set("$ref", base + "/Users/" + member.value);
      if (member.type == "Group") item->set("$ref", base + "/Groups/" + member.value);
      members->add(item);
    }
    out->set("members", members);
  }

  Object::Ptr extension = new Object;
  extension->set("kind", std::string(toString(group.kind)));
  out->set(std::string(kScimgateGroupSchema), extension);

  Object::Ptr meta = new Object;
  meta->set("resourceType", "Group");
  if (!group.meta.created.empty()) meta->set("created", group.meta.created);
  if (!group.meta.lastModified.empty()) meta->set("lastModified", group.meta.lastModified);
  if (!group.meta.version.empty()) meta->set("version", group.meta.version);
  meta->set("location", base + "/Groups/" + group.id);
  out->set("meta", meta);
  return out;
}

}  // namespace scimgate::scim
