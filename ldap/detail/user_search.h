#pragma once
// User lists: sorted and paged by the directory (Server Side Sort + VLV); a filter the directory
// cannot answer is evaluated here over the candidates it selects. Internal to ldap/.

#include <ldap.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ldap/detail/context.h"
#include "ldap/detail/sorted_page.h"
#include "ldap/detail/user_entries.h"
#include "ldap/directory.h"

namespace scimgate::ldap::detail {

class UserSearch {
 public:
  UserSearch(Context& context, UserEntries& entries);

  /// Users matching the query (see Directory::searchUsers).
  Result<UserPage> search(const UserQuery& query);

 private:
  Result<std::string> scopeFilter(const UserQuery& query);
  /// The mapping's LDAP filter, with the attributes the mapping cannot hold answered here too: the
  /// extension's `status` (scimgateStatus; none is active) and `roles` (memberOf a role group).
  Result<std::string> toLdapFilter(const scim::Filter& filter) const;
  std::optional<std::string> statusOrRoleFilter(const scim::Filter& node) const;
  static Result<void> checkFilterable(const scim::Filter& filter);
  static Result<void> checkSubAttributes(const scim::Filter& inner, const scim::AttributeDef& def);
  std::optional<std::string> narrowing(const scim::Filter& filter) const;
  static bool mentionsCaseExact(const scim::Filter& filter);
  Result<UserPage> searchInMemory(const UserQuery& query);
  /// `userName`, `id` or `externalId` eq a string: what identity providers ask before each
  /// create. One plain search (no sort, no VLV context on the server), sorted and paged here.
  static bool isUniqueEquality(const scim::Filter& filter);
  /// The users `filter` finds (at most ldap.maxResults, else tooMany), those `evaluate` (may be
  /// null) matches, sorted and paged here as `query` asks.
  Result<UserPage> sortHere(const std::string& filter, const UserQuery& query,
                            const scim::Filter* evaluate);
  static std::string sortValue(const Poco::JSON::Object& resource, const scim::AttrPath& path);
  Result<SortKey> sortKeyFor(const scim::AttrPath& path) const;
  Result<UserPage> searchPage(LDAP* ld, const std::string& filter, const SortKey& key,
                              const UserQuery& query);

  Pool& pool_;
  const Containers& containers_;
  UserEntries& entries_;
};

}  // namespace scimgate::ldap::detail
