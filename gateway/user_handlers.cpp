// /Users (RFC 7644 3.3-3.6): create, read, list, replace, patch and delete users, each decided by
// policy/ on the facts about the caller and the user.

#include <Poco/JSON/Array.h>

#include "gateway/account_scope.h"
#include "gateway/audit.h"
#include "gateway/error_response.h"
#include "gateway/facts.h"
#include "gateway/handlers.h"
#include "gateway/targets.h"
#include "policy/changes.h"
#include "scim/patch.h"
#include "scim/projection.h"
#include "scim/schema.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using scim::ErrorKind;

// RFC 7644 3.9: `attributes` / `excludedAttributes` apply to every response with a resource.
scim::Result<scim::Projection> projectionOf(const QueryParams& params) {
  auto attributes = params.find("attributes");
  auto excluded = params.find("excludedattributes");
  return scim::parseProjection(attributes == params.end() ? "" : attributes->second,
                               excluded == params.end() ? "" : excluded->second,
                               scim::userResourceType());
}

// DESIGN 5a: the extension's readOnly `mfa` summary on a single user.
void addMfaSummary(Services& services, Object& json, const std::string& id) {
  if (!services.mfa) return;
  auto status = services.mfa->status(id);
  if (!status) return;  // the summary is informative; the user is still served
  const std::string ext(scim::kScimgateUserSchema);
  Object::Ptr extension = json.getObject(ext);
  if (!extension) {
    extension = new Object;
    json.set(ext, extension);
  }
  Object::Ptr summary = new Object;
  summary->set("totp", status->totpEnrolled);
  summary->set("backupCodesRemaining", status->backupCodesRemaining);
  if (status->codeChannel) {
    summary->set("codeFactor",
                 *status->codeChannel == policy::mfa::CodeChannel::Sms ? "sms" : "email");
  }
  extension->set("mfa", summary);
}

// The facts policy decides a write on.
policy::UserChange changeOf(const scim::User* current, const Object& wanted, bool passwordGiven) {
  policy::UserChange change;
  if (current) change.before = userStateOf(scim::userFactsOf(*current->attributes), true);
  change.after = userStateOf(scim::userFactsOf(wanted), false);
  change.passwordGiven = passwordGiven;
  return change;
}

std::optional<Reply> refuseIdentityChange(Services& services, const scim::User& current,
                                          const Object& wanted) {
  const auto before = scim::userFactsOf(*current.attributes);
  const auto after = scim::userFactsOf(wanted);
  const policy::IdentityRules rules{services.config.scim.userNameImmutable,
                                    services.config.scim.emailImmutable};
  auto decision = policy::checkIdentityChange(rules, {before.userName, before.primaryEmail},
                                              {after.userName, after.primaryEmail});
  if (decision.isAllowed()) return std::nullopt;
  return errorReply(policy::toError(decision));
}

// A PATCH applies to the whole current state: roles or accounts missing afterwards were removed
// (for the directory, a missing `roles` means "leave them as they are").
void markRemovedMemberships(const Object& before, Object& after) {
  if (!after.has("roles")) after.set("roles", Array::Ptr(new Array));
  const std::string ext(scim::kScimgateUserSchema);
  auto had = before.getObject(ext);
  if (!had || !had->has("accounts")) return;
  auto now = after.getObject(ext);
  if (!now) {
    now = new Object;
    after.set(ext, now);
  }
  if (!now->has("accounts")) now->set("accounts", Array::Ptr(new Array));
}

// Read-only data the directory computes (status) is not the client's to write.
void dropStatus(Object& attributes) {
  if (auto ext = attributes.getObject(std::string(scim::kScimgateUserSchema))) {
    ext->remove("status");
    if (ext->size() == 0) attributes.remove(std::string(scim::kScimgateUserSchema));
  }
}

// The checks every write of an existing user passes, in order: identity fields, then the
// permissions and invariants of policy, then the password rules. The refusal, or nullopt.
std::optional<Reply> refuseWrite(Services& services, Request& request, const Loaded& loaded,
                                 const Object& wanted, const std::optional<std::string>& password) {
  if (auto refused = refuseIdentityChange(services, loaded.user, wanted)) return refused;
  auto decision = policy::checkUserChange(services.matrix, request.caller.principal, loaded.target,
                                          changeOf(&loaded.user, wanted, password.has_value()));
  if (!decision.isAllowed()) return request.deny(decision, loaded.user.id);
  if (password) {
    if (auto problem = passwordProblems(services, *password, scim::userFactsOf(wanted))) {
      return errorReply(*problem);
    }
  }
  return std::nullopt;
}

Reply createUser(Services& services, Request& request) {
  request.audit.operation = "users.create";
  if (auto refused = request.refuseUnless(services.matrix, policy::Operation::WriteUsers)) {
    return *refused;
  }
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  request.audit.attributes = attributeNamesOf(**body);
  auto input = scim::parseUserInput(**body);
  if (!input) return errorReply(input.error());
  const auto& principal = request.caller.principal;
  auto decision = policy::checkUserChange(services.matrix, principal, policy::Target{},
                                          changeOf(nullptr, *input->attributes, false));
  if (decision.isAllowed()) {
    decision = policy::checkCreateScope(principal, scim::userFactsOf(*input->attributes).accounts);
  }
  if (!decision.isAllowed()) return request.deny(decision);
  if (input->password) {
    if (auto problem =
            passwordProblems(services, *input->password, scim::userFactsOf(*input->attributes))) {
      return errorReply(*problem);
    }
  }
  scim::User user;
  user.attributes = input->attributes;
  auto created = services.directory.createUser(user, input->password);
  if (!created) return errorReply(created.error());
  request.audit.target = created->id;
  return userReply(services, request, 201, *created);
}

Reply getUser(Services& services, Request& request) {
  auto loaded = loadTarget(services, request, request.param("id"), policy::Operation::ReadUsers);
  if (auto* refused = std::get_if<Reply>(&loaded)) return *refused;
  const auto& user = std::get<Loaded>(loaded).user;
  // RFC 7644 3.14 / RFC 7232 3.2: an unchanged resource is 304 without a body.
  if (etagListMatches(request.header("If-None-Match"), user.meta.version)) {
    return Reply::notModified(user.meta.version);
  }
  return userReply(services, request, 200, user);
}

// A password set for someone else (an identity provider's push, an administrator's PUT or PATCH)
// signs its owner out everywhere, as an administrator's reset does: whoever held the old one
// keeps no session.
scim::Result<void> endSessionsOnNewPassword(Services& services, const std::string& id,
                                            const std::optional<std::string>& password) {
  if (!password) return {};
  return services.access.endSessions(id);
}

Reply replaceUser(Services& services, Request& request) {
  request.audit.operation = "users.replace";
  const std::string id = request.param("id");
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  request.audit.attributes = attributeNamesOf(**body);
  auto input = scim::parseUserInput(**body);
  if (!input) return errorReply(input.error());
  auto loaded = loadTarget(services, request, id, policy::Operation::WriteUsers);
  if (auto* refused = std::get_if<Reply>(&loaded)) return *refused;
  const auto& current = std::get<Loaded>(loaded);
  if (policy::isOwnProfileOnly(services.matrix, request.caller.principal, current.target)) {
    if (input->password) return errorReply(ownPasswordHere());
    return writeOwnProfile(services, request, current.user, *input->attributes);
  }
  keepOtherAccounts(request.caller.principal, *current.user.attributes, *input->attributes);
  if (auto refused = refuseWrite(services, request, current, *input->attributes, input->password)) {
    return *refused;
  }
  scim::User user;
  user.attributes = input->attributes;
  // Without If-Match the write is still conditional on the version just read, so a concurrent
  // change is never silently overwritten.
  const std::string ifMatch = request.header("If-Match", current.user.meta.version);
  auto replaced = services.directory.replaceUser(id, user, input->password, ifMatch, &current.user);
  if (!replaced) return errorReply(replaced.error());
  if (auto ended = endSessionsOnNewPassword(services, id, input->password); !ended) {
    return errorReply(ended.error());
  }
  return userReply(services, request, 200, *replaced);
}

// RFC 7644 3.5.2: the operations apply to the current state all or nothing; the write is
// conditional on the version they were applied to, and is retried from a fresh read when a
// concurrent writer got there first (unless the client pinned a version with If-Match).
Reply patchUser(Services& services, Request& request) {
  request.audit.operation = "users.patch";
  const std::string id = request.param("id");
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  auto operations = scim::parsePatchRequest(**body);
  if (!operations) return errorReply(operations.error());
  request.audit.attributes = attributePathsOf(*operations);
  const auto& type = scim::userResourceType();
  auto password = scim::takePassword(*operations, type);
  if (!password) return errorReply(password.error());
  auto first = loadTarget(services, request, id, policy::Operation::WriteUsers);
  if (auto* refused = std::get_if<Reply>(&first)) return *refused;
  Loaded loaded = std::move(std::get<Loaded>(first));
  const bool ownOnly =
      policy::isOwnProfileOnly(services.matrix, request.caller.principal, loaded.target);
  if (ownOnly && *password) return errorReply(ownPasswordHere());
  const std::string clientIfMatch = request.header("If-Match");
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) {
      auto current = services.directory.findUser(id);
      if (!current) return errorReply(current.error());
      auto target = targetOf(services, request.caller, *current);
      if (!target) return errorReply(target.error());
      loaded = Loaded{std::move(*current), std::move(*target), loaded.administratorsLock};
      // Became an Administrator since the first read: the write goes under the lock now.
      if (mayRemoveAdministrator(policy::Operation::WriteUsers, loaded.target)) {
        auto locked = reloadLocked(services, request, std::move(loaded));
        if (auto* refused = std::get_if<Reply>(&locked)) return *refused;
        loaded = std::move(std::get<Loaded>(locked));
      }
    }
    Object::Ptr attributes = loaded.user.attributes;
    if (!operations->empty()) {
      auto patched = scim::applyPatch(*loaded.user.attributes, *operations, type);
      if (!patched) return errorReply(patched.error());
      attributes = *patched;
    }
    dropStatus(*attributes);
    if (ownOnly) return writeOwnProfile(services, request, loaded.user, *attributes);
    markRemovedMemberships(*loaded.user.attributes, *attributes);
    keepOtherAccounts(request.caller.principal, *loaded.user.attributes, *attributes);
    if (auto refused = refuseWrite(services, request, loaded, *attributes, *password)) {
      return *refused;
    }
    scim::User user;
    user.attributes = attributes;
    const std::string ifMatch = clientIfMatch.empty() ? loaded.user.meta.version : clientIfMatch;
    auto replaced = services.directory.replaceUser(id, user, *password, ifMatch, &loaded.user);
    if (!replaced && replaced.error().kind == ErrorKind::PreconditionFailed &&
        clientIfMatch.empty() && attempt < 3) {
      continue;
    }
    if (!replaced) return errorReply(replaced.error());
    if (auto ended = endSessionsOnNewPassword(services, id, *password); !ended) {
      return errorReply(ended.error());
    }
    // Okta needs the resource back (200), which RFC 7644 3.5.2 allows.
    return userReply(services, request, 200, *replaced);
  }
}

Reply deleteUser(Services& services, Request& request) {
  request.audit.operation = "users.delete";
  const std::string id = request.param("id");
  auto loaded = loadTarget(services, request, id, policy::Operation::DeleteUsers);
  if (auto* refused = std::get_if<Reply>(&loaded)) return *refused;
  auto decision =
      policy::checkDeactivateOrDelete(request.caller.principal, std::get<Loaded>(loaded).target);
  if (!decision.isAllowed()) return request.deny(decision, id);
  auto deleted = services.directory.deleteUser(id, request.header("If-Match"));
  if (!deleted) return errorReply(deleted.error());
  return Reply::noContent();
}

Reply searchUsers(Services& services, Request& request) {
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  return listUsers(services, request, searchParams(**body));
}

}  // namespace

Reply userReply(Services& services, Request& request, int status, const scim::User& user) {
  const std::string location = request.baseUrl() + "/Users/" + user.id;
  auto projection = projectionOf(request.query());
  if (!projection) return errorReply(projection.error());
  auto json = scim::userToJson(user, location);
  hideOtherAccounts(request.caller.principal, *json);
  addMfaSummary(services, *json, user.id);
  auto reply = Reply::json(status, *scim::project(*json, *projection, scim::userResourceType()));
  reply.with("ETag", user.meta.version);
  if (status == 201) reply.with("Location", location);
  return reply;
}

Reply listUsers(Services& services, Request& request, const QueryParams& params) {
  if (auto refused = request.refuseUnless(services.matrix, policy::Operation::ReadUsers)) {
    return *refused;
  }
  const auto& scimSettings = services.config.scim;
  auto list = parseListParams(params, {scimSettings.defaultPageSize, scimSettings.maxPageSize});
  if (!list) return errorReply(list.error());
  auto projection = projectionOf(params);
  if (!projection) return errorReply(projection.error());
  ldap::UserQuery query;
  query.filter = list->filter.get();
  query.sortBy = list->sortBy;
  query.descending = list->descending;
  if (!projection->empty()) {
    query.attributes = scim::neededAttributes(*projection, scim::userResourceType());
  }
  query.startIndex = list->startIndex;
  query.count = list->pageSize;
  const auto& principal = request.caller.principal;
  if (!principal.allAccounts) {
    query.inAccounts = principal.accounts;
    query.alsoUserId = principal.userId;
  }
  auto page = services.directory.searchUsers(query);
  if (!page) return errorReply(page.error());
  Array::Ptr resources = new Array;
  const std::string base = request.baseUrl() + "/Users/";
  for (const auto& user : page->users) {
    auto json = scim::userToJson(user, base + user.id);
    hideOtherAccounts(principal, *json);
    resources->add(scim::project(*json, *projection, scim::userResourceType()));
  }
  return Reply::json(200, *listBody(*list, resources, page->totalResults));
}

void addUserRoutes(Router& router, Services& services) {
  auto route = [&](const char* method, const char* pattern, ServiceHandler handler) {
    router.add({method, pattern, Guard::Caller, withServices(services, handler)});
  };
  route("GET", "/scim/v2/Users",
        [](Services& sv, Request& r) { return listUsers(sv, r, r.query()); });
  route("POST", "/scim/v2/Users", createUser);
  route("POST", "/scim/v2/Users/.search", searchUsers);
  route("POST", "/scim/v2/.search", searchUsers);
  route("GET", "/scim/v2/Users/{id}", getUser);
  route("PUT", "/scim/v2/Users/{id}", replaceUser);
  route("PATCH", "/scim/v2/Users/{id}", patchUser);
  route("DELETE", "/scim/v2/Users/{id}", deleteUser);
}

}  // namespace scimgate::gateway
