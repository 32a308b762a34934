// /Groups (RFC 7644 3.3-3.6): groups of every kind (group, role, queue, account). Member changes
// go to the directory as single-value modifies; policy/ decides who may change which kind.

#include <Poco/JSON/Array.h>

#include <sstream>

#include "gateway/account_scope.h"
#include "gateway/audit.h"
#include "gateway/error_response.h"
#include "gateway/facts.h"
#include "gateway/group_patch.h"
#include "gateway/handlers.h"
#include "gateway/targets.h"
#include "policy/changes.h"
#include "scim/group.h"
#include "scim/patch.h"
#include "scim/projection.h"
#include "scim/schema.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using scim::ErrorKind;

// excludedAttributes=members (or attributes without members) means member values are never read
// from the directory.
bool wantsMembers(const QueryParams& params) {
  auto has = [](const std::string& list, std::string_view name) {
    std::stringstream stream(list);
    std::string item;
    while (std::getline(stream, item, ',')) {
      while (!item.empty() && item.front() == ' ') item.erase(item.begin());
      while (!item.empty() && item.back() == ' ') item.pop_back();
      if (scim::equalsIgnoreCase(item, name) || item.rfind("members.", 0) == 0 ||
          scim::equalsIgnoreCase(item, std::string(scim::kGroupSchema) + ":members")) {
        return true;
      }
    }
    return false;
  };
  if (auto it = params.find("attributes"); it != params.end() && !it->second.empty()) {
    return has(it->second, "members");
  }
  if (auto it = params.find("excludedattributes"); it != params.end()) {
    return !has(it->second, "members");
  }
  return true;
}

// The per-request view of a scoped caller (null: everything).
class Scope {
 public:
  explicit Scope(const Request& request) : scope_(groupScopeOf(request.caller.principal)) {}
  const ldap::AccountScope* get() const { return scope_ ? &*scope_ : nullptr; }

 private:
  std::optional<ldap::AccountScope> scope_;
};

scim::Result<Object::Ptr> groupJson(const Request& request, const scim::GroupView& group,
                                    const QueryParams& params) {
  auto attributes = params.find("attributes");
  auto excluded = params.find("excludedattributes");
  auto projection = scim::parseProjection(attributes == params.end() ? "" : attributes->second,
                                          excluded == params.end() ? "" : excluded->second,
                                          scim::groupResourceType());
  if (!projection) return projection.error();
  return scim::project(*scim::groupToJson(group, request.baseUrl()), *projection,
                       scim::groupResourceType());
}

Reply groupReply(const Request& request, int status, const scim::GroupView& group) {
  auto json = groupJson(request, group, request.query());
  if (!json) return errorReply(json.error());
  auto reply = Reply::json(status, **json);
  reply.with("ETag", group.meta.version);
  if (status == 201) reply.with("Location", request.baseUrl() + "/Groups/" + group.id);
  return reply;
}

std::optional<Reply> refuseKind(Services& services, Request& request, scim::GroupKind kind) {
  return request.refuseUnless(services.matrix, policy::groupOperation(policyKindOf(kind)));
}

// The invariants of a member change of this group (role and account groups), with the facts
// about Administrators gathered only when Administrators may be removed.
// They are gathered under the Administrators lock, which `lock` then holds until the caller has
// written; a lock that cannot be taken leaves the count unknown, and the policy refuses.
policy::Decision memberDecision(Services& services, const Request& request,
                                const scim::GroupView& group, const std::vector<std::string>& add,
                                const std::vector<std::string>& remove,
                                std::unique_ptr<ldap::HeldLock>& lock) {
  const auto facts = groupFactsOf(group);
  policy::AdministratorFacts administrators;
  if (policy::needsAdministratorFacts(facts, remove)) {
    if (!lock) {
      auto taken = services.directory.lockAdministratorChanges();
      if (taken) lock = std::move(*taken);
    }
    if (lock) {
      administrators = administratorFactsOf(services, remove);
    } else {
      administrators.activeRemoved = remove.size();  // unknown: the policy refuses
    }
  }
  return policy::checkMemberChange(request.caller.principal, facts, add, remove, administrators);
}

Reply createGroup(Services& services, Request& request) {
  request.audit.operation = "groups.create";
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  request.audit.attributes = attributeNamesOf(**body);
  auto input = scim::parseGroupInput(**body);
  if (!input) return errorReply(input.error());
  if (auto refused = refuseKind(services, request, input->kind)) return *refused;
  if (input->members && !input->members->empty()) {
    std::vector<std::string> add;
    for (const auto& member : *input->members) add.push_back(member.value);
    const policy::GroupFacts planned{policyKindOf(input->kind), "", input->displayName};
    auto decision = policy::checkNewGroupMembers(request.caller.principal, planned, add);
    if (!decision.isAllowed()) return request.deny(decision);
  }
  const Scope scope(request);
  auto created = services.groups.createGroup(*input, scope.get());
  if (!created) return errorReply(created.error());
  return groupReply(request, 201, *created);
}

Reply getGroup(Services& services, Request& request) {
  if (auto refused = request.refuseUnless(services.matrix, policy::Operation::ReadGroups)) {
    return *refused;
  }
  const Scope scope(request);
  auto group =
      services.groups.findGroup(request.param("id"), wantsMembers(request.query()), scope.get());
  if (!group) return errorReply(group.error());
  if (etagListMatches(request.header("If-None-Match"), group->meta.version)) {
    return Reply::notModified(group->meta.version);
  }
  return groupReply(request, 200, *group);
}

Reply replaceGroup(Services& services, Request& request) {
  const std::string id = request.param("id");
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  auto input = scim::parseGroupInput(**body);
  if (!input) return errorReply(input.error());
  request.audit.operation = "groups.replace";
  request.audit.target = id;
  request.audit.attributes = attributeNamesOf(**body);
  const Scope scope(request);
  std::unique_ptr<ldap::HeldLock> lock;
  auto current = services.groups.findGroup(id, input->members.has_value(), scope.get());
  if (!current) return errorReply(current.error());
  if (auto refused = refuseKind(services, request, current->kind)) return *refused;
  if (input->kindGiven && input->kind != current->kind) {
    return errorReply({ErrorKind::Mutability, "a group's kind is set on create"});
  }
  if (input->members && current->members) {
    auto [add, remove] = scim::memberDiff(*current->members, *input->members);
    auto decision = memberDecision(services, request, *current, add, remove, lock);
    if (!decision.isAllowed()) return request.deny(decision);
  }
  input->kind = current->kind;
  auto replaced = services.groups.replaceGroup(id, *input, request.header("If-Match"), scope.get());
  if (!replaced) return errorReply(replaced.error());
  return groupReply(request, 200, *replaced);
}

// RFC 7644 3.5.2: 204 without a body unless the client asked for attributes back.
Reply patchAnswer(Services& services, const Request& request, const std::string& id,
                  const Scope& scope) {
  const auto& params = request.query();
  if (!params.count("attributes") && !params.count("excludedattributes")) return Reply::noContent();
  auto group = services.groups.findGroup(id, wantsMembers(params), scope.get());
  if (!group) return errorReply(group.error());
  return groupReply(request, 200, *group);
}

// A PATCH that only adds and removes members (what provisioning clients send most): the caller's
// permission for the group's kind is checked on the group changeMembers reads, so the group is
// read once.
Reply changeMembers(Services& services, Request& request, const std::string& id,
                    const GroupPatchPlan& plan) {
  const Scope scope(request);
  std::optional<policy::Decision> refused;
  std::unique_ptr<ldap::HeldLock> lock;
  auto check = [&](const scim::GroupView& group) -> scim::Result<void> {
    auto decision = policy::authorize(services.matrix, request.caller.principal,
                                      policy::groupOperation(policyKindOf(group.kind)));
    if (decision.isAllowed())
      decision = memberDecision(services, request, group, plan.add, plan.remove, lock);
    if (decision.isAllowed()) return {};
    refused = decision;
    return scim::makeError(ErrorKind::Forbidden, decision.reason);
  };
  auto changed = services.groups.changeMembers(id, plan.add, plan.remove,
                                               request.header("If-Match"), scope.get(), check);
  if (refused) return request.deny(*refused);
  if (!changed) return errorReply(changed.error());
  return patchAnswer(services, request, id, scope);
}

// RFC 7644 3.5.2 on a Group: member changes become single-value LDAP modifies; displayName and
// externalId changes a replace of those attributes.
Reply patchGroup(Services& services, Request& request) {
  const std::string id = request.param("id");
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  auto operations = scim::parsePatchRequest(**body);
  if (!operations) return errorReply(operations.error());
  request.audit.operation = "groups.patch";
  request.audit.target = id;
  request.audit.attributes = attributePathsOf(*operations);
  auto plan = planGroupPatch(*operations);
  if (!plan) return errorReply(plan.error());
  if (plan->onlyMemberChanges()) return changeMembers(services, request, id, *plan);

  const Scope scope(request);
  std::unique_ptr<ldap::HeldLock> lock;
  auto current = services.groups.findGroup(id, false, scope.get());
  if (!current) return errorReply(current.error());
  if (auto refused = refuseKind(services, request, current->kind)) return *refused;
  if (current->kind == scim::GroupKind::Role || current->kind == scim::GroupKind::Account) {
    std::vector<std::string> adds = plan->add;
    std::vector<std::string> removes = plan->remove;
    if (plan->replaceMembers) {
      auto withMembers = services.groups.findGroup(id, true, scope.get());
      if (!withMembers) return errorReply(withMembers.error());
      auto [plus, minus] = scim::memberDiff(
          withMembers->members.value_or(std::vector<scim::GroupMember>{}), *plan->replaceMembers);
      adds.insert(adds.end(), plus.begin(), plus.end());
      removes.insert(removes.end(), minus.begin(), minus.end());
    }
    auto decision = memberDecision(services, request, *current, adds, removes, lock);
    if (!decision.isAllowed()) return request.deny(decision);
  }
  std::string version = request.header("If-Match");
  scim::GroupInput input;
  input.kind = current->kind;
  input.displayName = plan->displayName.value_or(current->displayName);
  input.externalId = plan->externalId ? plan->externalId : current->externalId;
  input.members = plan->replaceMembers;
  auto replaced = services.groups.replaceGroup(id, input, version, scope.get());
  if (!replaced) return errorReply(replaced.error());
  if (!plan->add.empty() || !plan->remove.empty()) {
    auto changed = services.groups.changeMembers(id, plan->add, plan->remove, "", scope.get());
    if (!changed) return errorReply(changed.error());
  }
  return patchAnswer(services, request, id, scope);
}

Reply deleteGroup(Services& services, Request& request) {
  const std::string id = request.param("id");
  request.audit.operation = "groups.delete";
  request.audit.target = id;
  const Scope scope(request);
  auto current = services.groups.findGroup(id, false, scope.get());
  if (!current) return errorReply(current.error());
  if (auto refused = refuseKind(services, request, current->kind)) return *refused;
  auto decision = policy::checkGroupDelete(policyKindOf(current->kind));
  if (!decision.isAllowed()) return request.deny(decision);
  auto deleted = services.groups.deleteGroup(id, request.header("If-Match"));
  if (!deleted) return errorReply(deleted.error());
  return Reply::noContent();
}

Reply listGroups(Services& services, Request& request, const QueryParams& params) {
  if (auto refused = request.refuseUnless(services.matrix, policy::Operation::ReadGroups)) {
    return *refused;
  }
  const auto& scimSettings = services.config.scim;
  auto list = parseListParams(params, {scimSettings.defaultPageSize, scimSettings.maxPageSize});
  if (!list) return errorReply(list.error());
  const Scope scope(request);
  ldap::GroupQuery query;
  query.filter = list->filter.get();
  query.sortBy = list->sortBy;
  query.descending = list->descending;
  query.startIndex = list->startIndex;
  query.count = list->pageSize;
  query.withMembers = wantsMembers(params);
  query.scope = scope.get();
  auto page = services.groups.searchGroups(query);
  if (!page) return errorReply(page.error());
  Array::Ptr resources = new Array;
  for (const auto& group : page->groups) {
    auto json = groupJson(request, group, params);
    if (!json) return errorReply(json.error());
    resources->add(*json);
  }
  return Reply::json(200, *listBody(*list, resources, page->totalResults));
}

Reply searchGroups(Services& services, Request& request) {
  auto body = request.jsonBody();
  if (!body) return errorReply(body.error());
  return listGroups(services, request, searchParams(**body));
}

}  // namespace

void addGroupRoutes(Router& router, Services& services) {
  auto route = [&](const char* method, const char* pattern, ServiceHandler handler) {
    router.add({method, pattern, Guard::Caller, withServices(services, handler)});
  };
  route("GET", "/scim/v2/Groups",
        [](Services& s, Request& r) { return listGroups(s, r, r.query()); });
  route("POST", "/scim/v2/Groups", createGroup);
  route("POST", "/scim/v2/Groups/.search", searchGroups);
  route("GET", "/scim/v2/Groups/{id}", getGroup);
  route("PUT", "/scim/v2/Groups/{id}", replaceGroup);
  route("PATCH", "/scim/v2/Groups/{id}", patchGroup);
  route("DELETE", "/scim/v2/Groups/{id}", deleteGroup);
}

}  // namespace scimgate::gateway
