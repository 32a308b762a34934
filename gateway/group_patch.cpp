#include "gateway/group_patch.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "scim/schema.h"
#include "scim/text.h"

namespace scimgate::gateway {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using scim::ErrorKind;
using scim::makeError;
using scim::PatchOpKind;

// Member values of a PATCH value: [{"value": id}, ...], a single object, or bare ids.
scim::Result<std::vector<std::string>> memberIds(const Var& value) {
  std::vector<std::string> ids;
  auto one = [&](const Var& item) -> scim::Result<void> {
    if (item.isString()) {
      if (auto checked = scim::checkText("members.value", item.extract<std::string>()); !checked) {
        return checked.error();
      }
      ids.push_back(item.extract<std::string>());
      return {};
    }
    if (item.type() == typeid(Object::Ptr)) {
      for (const auto& [key, v] : *item.extract<Object::Ptr>()) {
        if (scim::equalsIgnoreCase(key, "value") && v.isString()) {
          if (auto checked = scim::checkText("members.value", v.extract<std::string>()); !checked) {
            return checked.error();
          }
          ids.push_back(v.extract<std::string>());
          return {};
        }
      }
    }
    return makeError(ErrorKind::InvalidValue,
                     "each member needs a string 'value' (a user or group id)");
  };
  if (value.type() == typeid(Array::Ptr)) {
    auto array = value.extract<Array::Ptr>();
    for (unsigned int i = 0; i < array->size(); ++i) {
      if (auto r = one(array->get(i)); !r) return r.error();
    }
  } else if (!value.isEmpty()) {
    if (auto r = one(value); !r) return r.error();
  }
  return ids;
}

scim::Result<void> planMembers(GroupPatchPlan& plan, const Var& value, PatchOpKind op) {
  auto ids = memberIds(value);
  if (!ids) return ids.error();
  if (op == PatchOpKind::Add) {
    plan.add.insert(plan.add.end(), ids->begin(), ids->end());
  } else if (op == PatchOpKind::Remove && value.isEmpty()) {
    plan.replaceMembers = std::vector<scim::GroupMember>{};
  } else if (op == PatchOpKind::Remove) {
    plan.remove.insert(plan.remove.end(), ids->begin(), ids->end());
  } else {
    std::vector<scim::GroupMember> members;
    for (const auto& id : *ids) members.push_back({id, "", ""});
    plan.replaceMembers = members;
    plan.add.clear();
    plan.remove.clear();
  }
  return {};
}

scim::Result<void> planAttribute(GroupPatchPlan& plan, const std::string& name, const Var& value,
                                 PatchOpKind op) {
  if (scim::equalsIgnoreCase(name, "members")) return planMembers(plan, value, op);
  const bool isDisplayName = scim::equalsIgnoreCase(name, "displayName");
  if (isDisplayName || scim::equalsIgnoreCase(name, "externalId")) {
    if (op == PatchOpKind::Remove) {
      if (isDisplayName) return makeError(ErrorKind::Mutability, "displayName is required");
      plan.externalId = "";
      return {};
    }
    if (!value.isString() || (isDisplayName && value.extract<std::string>().empty())) {
      return makeError(ErrorKind::InvalidValue, "'" + name + "' must be a non-empty string");
    }
    if (auto checked = scim::checkText(name, value.extract<std::string>()); !checked) {
      return checked.error();
    }
    (isDisplayName ? plan.displayName : plan.externalId) = value.extract<std::string>();
    return {};
  }
  if (scim::equalsIgnoreCase(name, "id") || scim::equalsIgnoreCase(name, "meta") ||
      scim::equalsIgnoreCase(name, "schemas")) {
    return {};  // sent back by clients; ignored
  }
  return makeError(ErrorKind::InvalidPath, "groups have no writable attribute '" + name + "'");
}

}  // namespace

scim::Result<GroupPatchPlan> planGroupPatch(const std::vector<scim::PatchOperation>& operations) {
  GroupPatchPlan plan;
  for (const auto& operation : operations) {
    if (!operation.path) {
      if (operation.value.type() != typeid(Object::Ptr)) {
        return makeError(ErrorKind::InvalidSyntax,
                         "an operation without path needs an object value");
      }
      for (const auto& [key, value] : *operation.value.extract<Object::Ptr>()) {
        if (auto r = planAttribute(plan, key, value, operation.op); !r) return r.error();
      }
      continue;
    }
    const scim::PatchPath& path = *operation.path;
    if (path.valueFilter) {
      // members[value eq "id"]: the one member the filter names.
      const scim::Filter& f = *path.valueFilter;
      if (!scim::equalsIgnoreCase(path.attr.attribute, "members") ||
          operation.op != PatchOpKind::Remove || f.kind != scim::Filter::Kind::Compare ||
          f.op != scim::CompareOp::Eq || !scim::equalsIgnoreCase(f.path.attribute, "value")) {
        return makeError(
            ErrorKind::InvalidPath,
            "on groups, value filters are supported as remove members[value eq \"id\"]");
      }
      plan.remove.push_back(f.value.text);
      continue;
    }
    if (!path.attr.subAttribute.empty()) {
      return makeError(ErrorKind::InvalidPath, "groups have no sub-attribute paths");
    }
    if (auto r = planAttribute(plan, path.attr.attribute, operation.value, operation.op); !r) {
      return r.error();
    }
  }
  return plan;
}

}  // namespace scimgate::gateway
