#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scim/group.h"
#include "scim/patch.h"
#include "scim/result.h"

namespace scimgate::gateway {

/// What an RFC 7644 3.5.2 PATCH of a Group asks for, in the form the directory writes it: member
/// ids to add and remove (single-value modifies), a whole new member list, a new displayName or
/// externalId ("" removes it).
struct GroupPatchPlan {
  std::vector<std::string> add;
  std::vector<std::string> remove;
  std::optional<std::vector<scim::GroupMember>> replaceMembers;
  std::optional<std::string> displayName;
  std::optional<std::string> externalId;

  /// Only member additions and removals: the cheap path (one read, one modify).
  bool onlyMemberChanges() const { return !displayName && !externalId && !replaceMembers; }
};

/// Plans the operations, in order. Members come as [{"value": id}, ...], one object or bare ids;
/// `remove` of members without a value empties the group; `replace` of members drops earlier adds
/// and removes; `remove members[value eq "id"]` is the one value filter accepted. `id`, `meta`
/// and `schemas` sent back by clients are ignored. Errors: InvalidValue (a member without a
/// string value, an empty displayName), Mutability (removing displayName), InvalidPath (any other
/// attribute, sub-attribute paths, other value filters), InvalidSyntax (a path-less operation
/// whose value is not an object).
scim::Result<GroupPatchPlan> planGroupPatch(const std::vector<scim::PatchOperation>& operations);

}  // namespace scimgate::gateway
