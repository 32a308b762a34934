#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/settings.h"
#include "scim/filter.h"
#include "scim/group.h"
#include "scim/result.h"

namespace scimgate::ldap {

/// One page of a group list; `totalResults` counts every match.
struct GroupPage {
  std::size_t totalResults = 0;
  std::vector<scim::GroupView> groups;
};

/// What a caller scoped to accounts (DESIGN 6) sees of groups. Account groups other than these
/// are missing to it (NotFound, left out of lists), and so are groups that say no kind. As
/// members it sees, adds and removes only users in one of these accounts (and `alsoUserId`) and
/// the groups it sees; other members are left out of what it reads and are unknown ids to it.
struct AccountScope {
  std::set<std::string> accounts;  // ids of account groups
  std::string alsoUserId;
};

/// A group list request. Sorting and paging happen in the directory (Server Side Sort + VLV).
/// `withMembers` false never reads member values from the directory.
struct GroupQuery {
  const scim::Filter* filter = nullptr;
  std::size_t startIndex = 1;
  std::size_t count = 100;
  std::optional<scim::AttrPath> sortBy;  // none: by displayName
  bool descending = false;
  bool withMembers = true;
  const AccountScope* scope = nullptr;  // none: every group and member
};

/// Groups (kind group, role, queue or account) as groupOfNames entries in their containers.
/// Thread-safe; failures are returned, not thrown. Member values are the SCIM ids (entryUUID) of
/// users or groups; an id that names neither is InvalidValue.
class GroupDirectory {
 public:
  virtual ~GroupDirectory() = default;

  /// `scope` (here and below), when set, limits what the caller sees: see AccountScope.
  virtual scim::Result<scim::GroupView> findGroup(std::string_view id, bool withMembers,
                                                  const AccountScope* scope = nullptr) = 0;
  /// Creates the group in the container of its kind; Uniqueness when the displayName is taken
  /// there.
  virtual scim::Result<scim::GroupView> createGroup(const scim::GroupInput& group,
                                                    const AccountScope* scope = nullptr) = 0;
  /// Replaces displayName (a rename), externalId and, when given, the whole member list, all or
  /// nothing. With a scope only the members the caller sees are replaced (the others stay), by
  /// value changes as in changeMembers, after the rest.
  virtual scim::Result<scim::GroupView> replaceGroup(std::string_view id,
                                                     const scim::GroupInput& group,
                                                     std::string_view ifMatch,
                                                     const AccountScope* scope = nullptr) = 0;
  virtual scim::Result<void> deleteGroup(std::string_view id, std::string_view ifMatch) = 0;
  virtual scim::Result<GroupPage> searchGroups(const GroupQuery& query) = 0;
  /// Adds and removes members with one LDAP modify of just those values, whatever the group's
  /// size: never a read-modify-write of the member list. Adding a member twice or removing a
  /// non-member is not an error (RFC 7644 3.5.2.1 / permissive modify).
  /// `beforeWrite`, when set, is called with the group as read (without members) before any
  /// other check on the request and before anything is written; its error is returned as it is
  /// and nothing changes. (The caller's permission depends on the group's kind: this spares it a
  /// read of its own.)
  using BeforeWrite = std::function<scim::Result<void>(const scim::GroupView& group)>;
  virtual scim::Result<scim::GroupView> changeMembers(std::string_view id,
                                                      const std::vector<std::string>& add,
                                                      const std::vector<std::string>& remove,
                                                      std::string_view ifMatch,
                                                      const AccountScope* scope = nullptr,
                                                      const BeforeWrite& beforeWrite = {}) = 0;
};

}  // namespace scimgate::ldap
