// /Me (RFC 7644 3.11): a person reads and changes their own profile; which fields they may change
// is policy's (policy::isSelfWritable).

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <cctype>
#include <set>
#include <sstream>

#include "gateway/audit.h"
#include "gateway/error_response.h"
#include "gateway/handlers.h"
#include "gateway/targets.h"
#include "policy/changes.h"
#include "scim/patch.h"
#include "scim/schema.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Object;

// A deep copy of a JSON object.
Object::Ptr copyOf(const Object& object) {
  Poco::JSON::Parser parser;
  return parser.parse(toJson(object)).extract<Object::Ptr>();
}

std::string jsonText(const Poco::Dynamic::Var& value) {
  if (value.isEmpty()) return "null";
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return out.str();
}

// The value of `key` in `object`, compared without case; empty when there is none.
Poco::Dynamic::Var valueOf(const Object& object, const std::string& key) {
  for (const auto& [name, value] : object) {
    if (scim::equalsIgnoreCase(name, key)) return value;
  }
  return {};
}

Object::Ptr objectOf(const Poco::Dynamic::Var& value) {
  return value.type() == typeid(Object::Ptr) ? value.extract<Object::Ptr>() : Object::Ptr();
}

bool isExtension(const std::string& key) {
  return key.rfind("urn:", 0) == 0 && !scim::equalsIgnoreCase(key, scim::kUserSchema);
}

// What the directory computes in the scimgate extension: never the client's to change.
bool isComputed(const std::string& extension, const std::string& attribute) {
  return scim::equalsIgnoreCase(extension, scim::kScimgateUserSchema) &&
         (scim::equalsIgnoreCase(attribute, "status") || scim::equalsIgnoreCase(attribute, "mfa"));
}

// The attributes of an extension object that differ between what was sent and what is stored,
// named with the extension's URN ("urn:...:organization"); computed ones never count.
void changedExtensionAttributes(const std::string& extension, const Object::Ptr& sent,
                                const Object::Ptr& stored, std::vector<std::string>& changed) {
  std::set<std::string> seen;
  auto compare = [&](const std::string& attribute) {
    std::string lowered = attribute;
    for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!seen.insert(lowered).second || isComputed(extension, attribute)) return;
    const auto before = stored ? valueOf(*stored, attribute) : Poco::Dynamic::Var();
    const auto after = sent ? valueOf(*sent, attribute) : Poco::Dynamic::Var();
    if (jsonText(before) != jsonText(after)) changed.push_back(extension + ":" + attribute);
  };
  if (sent) {
    for (const auto& [attribute, value] : *sent) compare(attribute);
  }
  if (stored) {
    for (const auto& [attribute, value] : *stored) compare(attribute);
  }
}

// The top-level attributes of `wanted` whose value differs from the stored user's (what clients
// echo back unchanged does not count; id, meta, schemas and groups are never the client's), and
// of an extension object, its attributes that differ.
std::vector<std::string> changedAttributes(const scim::User& current, const Object& wanted) {
  std::vector<std::string> changed;
  for (const auto& [key, value] : wanted) {
    if (policy::isSelfWritable(key)) continue;
    if (scim::equalsIgnoreCase(key, "schemas") || scim::equalsIgnoreCase(key, "id") ||
        scim::equalsIgnoreCase(key, "meta") || scim::equalsIgnoreCase(key, "groups")) {
      continue;
    }
    const Poco::Dynamic::Var before = valueOf(*current.attributes, key);
    if (isExtension(key) && (value.type() == typeid(Object::Ptr) || value.isEmpty())) {
      changedExtensionAttributes(key, objectOf(value), objectOf(before), changed);
    } else if (jsonText(value) != jsonText(before)) {
      changed.push_back(key);
    }
  }
  return changed;
}

Reply getMe(Services& services, Request& request) {
  if (auto refused = request.refuseUnless(services.matrix, policy::Operation::ReadOwnProfile)) {
    return *refused;
  }
  auto user = services.directory.findUser(request.caller.principal.userId);
  if (!user) return errorReply(user.error());
  return userReply(services, request, 200, *user);
}

Reply changeMe(Services& services, Request& request) {
  const bool patch = request.method() == "PATCH";
  request.audit.operation = patch ? "me.patch" : "me.replace";
  request.audit.target = request.caller.principal.userId;
  if (auto refused = request.refuseUnless(services.matrix, policy::Operation::WriteOwnProfile)) {
    return *refused;
  }
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  auto current = services.directory.findUser(request.caller.principal.userId);
  if (!current) return errorReply(current.error());
  Object::Ptr wanted;
  if (patch) {
    auto operations = scim::parsePatchRequest(**body);
    if (!operations) return errorReply(operations.error());
    request.audit.attributes = attributePathsOf(*operations);
    auto password = scim::takePassword(*operations, scim::userResourceType());
    if (!password) return errorReply(password.error());
    if (*password) return errorReply(ownPasswordHere());
    auto patched = scim::applyPatch(*current->attributes, *operations, scim::userResourceType());
    if (!patched) return errorReply(patched.error());
    wanted = *patched;
  } else {
    request.audit.attributes = attributeNamesOf(**body);
    auto input = scim::parseUserInput(**body);
    if (!input) return errorReply(input.error());
    if (input->password) return errorReply(ownPasswordHere());
    wanted = input->attributes;
  }
  return writeOwnProfile(services, request, *current, *wanted);
}

}  // namespace

Reply writeOwnProfile(Services& services, Request& request, const scim::User& current,
                      const Object& wanted) {
  auto decision = policy::checkOwnProfileChange(services.matrix, request.caller.principal,
                                                changedAttributes(current, wanted));
  if (decision.kind == policy::DecisionKind::Immutable)
    return errorReply(policy::toError(decision));
  if (!decision.isAllowed()) return request.deny(decision);
  Object::Ptr next = copyOf(*current.attributes);
  std::vector<std::string> drop;
  for (const auto& [key, value] : *next) {
    if (policy::isSelfWritable(key)) drop.push_back(key);
  }
  for (const auto& key : drop) next->remove(key);
  for (const auto& [key, value] : wanted) {
    if (policy::isSelfWritable(key)) next->set(key, value);
  }
  // An extension's self-writable attributes (organization, emailPreferences) come from `wanted`.
  for (const std::string_view urn : {scim::kEnterpriseUserSchema, scim::kScimgateUserSchema}) {
    const std::string extension(urn);
    Object::Ptr target = objectOf(valueOf(*next, extension));
    const Object::Ptr sent = objectOf(valueOf(wanted, extension));
    Object::Ptr merged = target ? copyOf(*target) : Object::Ptr(new Object);
    std::vector<std::string> cleared;
    for (const auto& [attribute, value] : *merged) {
      if (policy::isSelfWritable(extension + ":" + attribute)) cleared.push_back(attribute);
    }
    for (const auto& attribute : cleared) merged->remove(attribute);
    if (sent) {
      for (const auto& [attribute, value] : *sent) {
        if (policy::isSelfWritable(extension + ":" + attribute) && !value.isEmpty()) {
          merged->set(attribute, value);
        }
      }
    }
    if (merged->size() > 0 || target) next->set(extension, merged);
  }
  if (auto ext = next->getObject(std::string(scim::kScimgateUserSchema))) {
    ext->remove("status");
    ext->remove("mfa");
  }
  scim::User user;
  user.attributes = next;
  auto replaced = services.directory.replaceUser(
      current.id, user, std::nullopt, request.header("If-Match", current.meta.version), &current);
  if (!replaced) return errorReply(replaced.error());
  return userReply(services, request, 200, *replaced);
}

void addMeRoutes(Router& router, Services& services) {
  router.add({"GET", "/scim/v2/Me", Guard::Caller, withServices(services, getMe)});
  for (const char* method : {"PUT", "PATCH"}) {
    router.add({method, "/scim/v2/Me", Guard::Caller, withServices(services, changeMe)});
  }
}

}  // namespace scimgate::gateway
