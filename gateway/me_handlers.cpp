// /Me (RFC 7644 3.11): a person reads and changes their own profile; which fields they may change
// is policy's (policy::isSelfWritable).

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

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

// Whether the extension object sent equals the stored one, apart from what the directory
// computes (status, mfa).
bool sameExtension(const Poco::Dynamic::Var& sent, const Poco::Dynamic::Var& stored) {
  auto withoutComputed = [](const Poco::Dynamic::Var& value) {
    Object::Ptr copy = value.type() == typeid(Object::Ptr) ? copyOf(*value.extract<Object::Ptr>())
                                                           : Object::Ptr(new Object);
    copy->remove("status");
    copy->remove("mfa");
    return toJson(*copy);
  };
  return withoutComputed(sent) == withoutComputed(stored);
}

// The top-level attributes of `wanted` whose value differs from the stored user's (what clients
// echo back unchanged does not count; id, meta, schemas and groups are never the client's).
std::vector<std::string> changedAttributes(const scim::User& current, const Object& wanted) {
  std::vector<std::string> changed;
  for (const auto& [key, value] : wanted) {
    if (policy::isSelfWritable(key)) continue;
    if (scim::equalsIgnoreCase(key, "schemas") || scim::equalsIgnoreCase(key, "id") ||
        scim::equalsIgnoreCase(key, "meta") || scim::equalsIgnoreCase(key, "groups")) {
      continue;
    }
    Poco::Dynamic::Var before;
    for (const auto& [name, had] : *current.attributes) {
      if (scim::equalsIgnoreCase(name, key)) before = had;
    }
    const bool same = key == scim::kScimgateUserSchema && value.type() == typeid(Object::Ptr)
                          ? sameExtension(value, before)
                          : jsonText(value) == jsonText(before);
    if (!same) changed.push_back(key);
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
