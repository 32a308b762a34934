#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scim/result.h"
#include "scim/schema.h"
#include "scim/user.h"

namespace scimgate::scim {

/// Which container a group lives in (DESIGN 4, 5a): ou=groups, ou=roles, ou=queues, ou=accounts.
enum class GroupKind { Group, Role, Queue, Account };

/// The extension's spelling: "group", "role", "queue" or "account".
std::string_view toString(GroupKind kind);
/// The kind spelled `text` (case-insensitive), or nullopt for anything else.
std::optional<GroupKind> groupKindFrom(std::string_view text);

/// One value of `members`.
struct GroupMember {
  std::string value;    // the member's id
  std::string display;  // may be empty
  std::string type;     // "User", "Group" or "" (unknown)
};

/// A validated Group body from POST or PUT.
struct GroupInput {
  std::string displayName;
  std::optional<std::string> externalId;
  GroupKind kind = GroupKind::Group;
  bool kindGiven = false;  // the body named a kind (PUT must not change it)
  std::optional<std::vector<GroupMember>> members;  // nullopt when the body has no "members" key
};

/// Validates a POST/PUT Group body. Attribute names compare case-insensitively; id, meta, schemas
/// and unknown attributes are ignored (RFC 7644 3.3).
/// - `displayName` is required: missing, null, empty or not a string gives InvalidValue naming it.
/// - `externalId`, if present and not null, must be a string (an empty one counts as absent).
/// - `members`: an array (a single value is taken as a one-element array; null as an empty list)
///   of objects with a non-empty string `value`; a bare string is taken as {"value": it}. Extra
///   keys (Entra's "displayName") are ignored; `display` must be a string and `type` "User" or
///   "Group" (any case) when given. Null items are skipped; the same value twice (compared
///   case-insensitively: ids are UUIDs) is kept once, first occurrence wins. Anything else gives
///   InvalidValue naming the item, e.g. "attribute 'members[2].value' ...".
/// - The extension object (key kScimgateGroupSchema, any case; or the flat key "<urn>:kind") may
///   carry `kind`; an unknown kind gives InvalidValue listing the allowed ones.
Result<GroupInput> parseGroupInput(const Poco::JSON::Object& body);

/// The member ids in `wanted` and not in `current` (first: to add), and those in `current` and not
/// in `wanted` (second: to remove). Ids compare without case (they are entryUUIDs) and come back
/// in lower case, each once.
std::pair<std::vector<std::string>, std::vector<std::string>> memberDiff(
    const std::vector<GroupMember>& current, const std::vector<GroupMember>& wanted);

/// A group as the directory returns it.
struct GroupView {
  std::string id;
  std::string displayName;
  std::optional<std::string> externalId;
  GroupKind kind = GroupKind::Group;
  std::optional<std::vector<GroupMember>> members;  // nullopt = not read (excludedAttributes)
  Meta meta;
};

/// The full SCIM representation: schemas (core Group and the scimgate extension), id, externalId
/// (if any), displayName, members (omitted when nullopt or empty; each with value, display and type
/// when non-empty, and `$ref` = baseUrl + "/Users/<value>" or "/Groups/<value>" by type, omitted
/// when the type is unknown), the extension object {"kind": ...} and meta (resourceType "Group",
/// created, lastModified and version when known, location = baseUrl + "/Groups/<id>").
/// `baseUrl` is the SCIM root, e.g. "http://host/scim/v2"; a trailing '/' is ignored.
Poco::JSON::Object::Ptr groupToJson(const GroupView& group, const std::string& baseUrl);

}  // namespace scimgate::scim
