#pragma once

#include <string>

#include "policy/changes.h"
#include "policy/permissions.h"
#include "scim/group.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {

// The facts policy/ decides on, translated from scim's typed views (no directory needed).

/// A person's principal from their directory memberships: the highest of their roles (none is
/// Viewer) and their accounts. A person in no account is unscoped (single-tenant deployments).
policy::Principal principalOf(const std::string& userId, const scim::UserFacts& facts);

/// Roles, accounts and status as policy sees them. `stored`: the facts are of the user as the
/// directory has it (status decides activity), not of a write (the `active` attribute does).
policy::UserState userStateOf(const scim::UserFacts& facts, bool stored);

/// The policy kind of a group kind.
policy::GroupKind policyKindOf(scim::GroupKind kind);
policy::GroupFacts groupFactsOf(const scim::GroupView& group);

}  // namespace scimgate::gateway
