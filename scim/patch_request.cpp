#include <Poco/JSON/Array.h>

#include <string>
#include <utility>

#include "scim/detail/canonical.h"
#include "scim/detail/patch_values.h"
#include "scim/patch.h"

// Reading a PatchOp body (RFC 7644 3.5.2) and taking the password out of it; applying it is
// scim/patch.cpp.
namespace scimgate::scim {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

using detail::arrayOf;
using detail::findMember;
using detail::invalidValue;
using detail::isNull;
using detail::mutabilityError;
using detail::objectOf;
using detail::quoted;
using detail::syntaxError;

Result<PatchOperation> parseOperation(const Object& object, const std::string& where) {
  PatchOperation operation;
  const Var* op = findMember(object, "op");
  if (op == nullptr || !op->isString()) {
    return syntaxError(where + " needs \"op\": \"add\", \"remove\" or \"replace\"");
  }
  // RFC 7644 3.5.2 spells the operations in lower case; Entra ID sends "Replace", "Add".
  const std::string name = op->convert<std::string>();
  if (equalsIgnoreCase(name, "add")) {
    operation.op = PatchOpKind::Add;
  } else if (equalsIgnoreCase(name, "remove")) {
    operation.op = PatchOpKind::Remove;
  } else if (equalsIgnoreCase(name, "replace")) {
    operation.op = PatchOpKind::Replace;
  } else {
    return syntaxError(where + " has unknown op " + quoted(name) +
                       " (expected add, remove or replace)");
  }

  if (const Var* path = findMember(object, "path"); path != nullptr && !isNull(*path)) {
    if (!path->isString()) return syntaxError(where + " has a \"path\" that is not a string");
    std::string text = path->convert<std::string>();
    // An empty path is sent by some clients for "no path".
    if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
      Result<PatchPath> parsed = parsePatchPath(text);
      if (!parsed) return parsed.error();
      operation.path = std::move(parsed).value();
      operation.pathText = std::move(text);
    }
  }

  const Var* value = findMember(object, "value");
  if (value != nullptr) operation.value = *value;
  switch (operation.op) {
    case PatchOpKind::Remove:
      // RFC 7644 3.5.2.2: "If path is unspecified, the operation fails with ... noTarget".
      if (!operation.path) {
        return makeError(ErrorKind::NoTarget, where + ": remove needs a \"path\"");
      }
      break;
    case PatchOpKind::Add:
    case PatchOpKind::Replace:
      // RFC 7644 3.5.2.1: add needs a value. A replace may set null (unassign) through a path.
      if (value == nullptr ||
          (isNull(*value) && (operation.op == PatchOpKind::Add || !operation.path))) {
        return syntaxError(where + ": " + (operation.op == PatchOpKind::Add ? "add" : "replace") +
                           " needs a \"value\"");
      }
      if (!operation.path && !objectOf(*value)) {
        return syntaxError(where + ": without a path, \"value\" must be an object of attributes");
      }
      break;
  }
  return operation;
}

bool isPasswordPath(const PatchPath& path, const ResourceTypeDef& type) {
  if (!path.attr.schema.empty() && type.schemaFor(path.attr.schema) != type.core) return false;
  return equalsIgnoreCase(path.attr.attribute, "password") && path.attr.subAttribute.empty() &&
         !path.valueFilter && type.core->find("password") != nullptr;
}

bool isPasswordKey(const std::string& key, const ResourceTypeDef& type) {
  return type.core->find("password") != nullptr &&
         (equalsIgnoreCase(key, "password") || equalsIgnoreCase(key, type.core->id + ":password"));
}

}  // namespace

Result<std::vector<PatchOperation>> parsePatchRequest(const Poco::JSON::Object& body) {
  // RFC 7644 3.5.2: the body "MUST" carry the PatchOp schema URI; every client we know sends it.
  bool patchSchema = false;
  if (const Var* schemas = findMember(body, "schemas")) {
    if (Array::Ptr list = arrayOf(*schemas)) {
      for (const Var& schema : *list) {
        if (schema.isString() && equalsIgnoreCase(schema.convert<std::string>(), kPatchOpSchema)) {
          patchSchema = true;
        }
      }
    }
  }
  if (!patchSchema) {
    return syntaxError("a PATCH body needs \"schemas\": [\"" + std::string(kPatchOpSchema) + "\"]");
  }
  const Var* operations = findMember(body, "Operations");
  if (operations == nullptr) return syntaxError("a PATCH body needs \"Operations\"");
  const Array::Ptr list = arrayOf(*operations);
  if (!list) return syntaxError("\"Operations\" must be an array");
  if (list->size() == 0) return syntaxError("\"Operations\" must not be empty");
  if (list->size() > kMaxPatchOperations) {
    return makeError(ErrorKind::TooMany, "a PATCH request may carry at most " +
                                             std::to_string(kMaxPatchOperations) + " operations");
  }
  std::vector<PatchOperation> parsed;
  parsed.reserve(list->size());
  for (unsigned int i = 0; i < list->size(); ++i) {
    const std::string where = "Operations[" + std::to_string(i) + "]";
    const Object::Ptr object = objectOf(list->get(i));
    if (!object) return syntaxError(where + " must be an object");
    Result<PatchOperation> operation = parseOperation(*object, where);
    if (!operation) return operation.error();
    parsed.push_back(std::move(operation).value());
  }
  return parsed;
}

Result<std::optional<std::string>> takePassword(std::vector<PatchOperation>& operations,
                                                const ResourceTypeDef& type) {
  std::optional<std::string> password;
  std::vector<PatchOperation> kept;
  kept.reserve(operations.size());
  for (PatchOperation& operation : operations) {
    if (operation.path) {
      if (!isPasswordPath(*operation.path, type)) {
        kept.push_back(std::move(operation));
        continue;
      }
      if (operation.op == PatchOpKind::Remove) {
        return mutabilityError("attribute 'password' cannot be removed");
      }
      if (!operation.value.isString()) return invalidValue("password", "must be a string");
      password = operation.value.convert<std::string>();
      continue;
    }
    const Object::Ptr value = objectOf(operation.value);
    if (!value) {
      kept.push_back(std::move(operation));
      continue;
    }
    std::vector<std::string> keys;
    for (const auto& [key, member] : *value) {
      if (!isPasswordKey(key, type)) continue;
      if (!member.isString()) return invalidValue("password", "must be a string");
      password = member.convert<std::string>();
      keys.push_back(key);
    }
    if (keys.empty()) {
      kept.push_back(std::move(operation));
      continue;
    }
    Object::Ptr rest = new Object(*value);
    for (const std::string& key : keys) rest->remove(key);
    if (rest->size() == 0) continue;
    operation.value = rest;
    kept.push_back(std::move(operation));
  }
  operations = std::move(kept);
  return password;
}

}  // namespace scimgate::scim
