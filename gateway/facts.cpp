#include "gateway/facts.h"

namespace scimgate::gateway {

policy::Principal principalOf(const std::string& userId, const scim::UserFacts& facts) {
  policy::Principal principal;
  principal.userId = userId;
  const auto roles = userStateOf(facts, true).roles;
  principal.role = roles && !roles->empty() ? *roles->rbegin() : policy::Role::Viewer;
  principal.accounts = facts.accounts.value_or(std::set<std::string>{});
  // A single-tenant deployment has no accounts: a person in none is not confined to any.
  principal.allAccounts = principal.accounts.empty();
  return principal;
}

policy::UserState userStateOf(const scim::UserFacts& facts, bool stored) {
  policy::UserState state;
  if (facts.roles) {
    state.roles.emplace();
    for (const auto& name : *facts.roles) {
      if (auto role = policy::parseRole(name)) state.roles->insert(*role);
    }
  }
  state.accounts = facts.accounts;
  state.active = stored ? std::optional<bool>(!facts.isInactive()) : facts.active;
  return state;
}

policy::GroupKind policyKindOf(scim::GroupKind kind) {
  switch (kind) {
    case scim::GroupKind::Role:
      return policy::GroupKind::Role;
    case scim::GroupKind::Queue:
      return policy::GroupKind::Queue;
    case scim::GroupKind::Account:
      return policy::GroupKind::Account;
    case scim::GroupKind::Group:
      break;
  }
  return policy::GroupKind::Group;
}

policy::GroupFacts groupFactsOf(const scim::GroupView& group) {
  return {policyKindOf(group.kind), group.id, group.displayName};
}

}  // namespace scimgate::gateway
