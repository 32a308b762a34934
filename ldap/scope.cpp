#include "ldap/detail/scope.h"

#include "ldap/detail/search.h"
#include "ldap/escape.h"

namespace scimgate::ldap::detail {

Result<ScopeFilters> scopeFilters(Pool& pool, const Containers& containers,
                                  const std::set<std::string>* accounts,
                                  const std::string& alsoUserId) {
  ScopeFilters filters;
  if (accounts == nullptr) return filters;
  const Profile& profile = pool.settings().profile;
  std::string accountIds;
  for (const auto& id : *accounts) accountIds += idFilter(profile, id);
  filters.groups = "(|(&(scimgateGroupKind=*)(!(scimgateGroupKind=account)))" + accountIds + ")";
  auto dns = accountDnsById(pool, containers, {accounts->begin(), accounts->end()}, false);
  if (!dns) return dns.error();
  std::string inScope;
  for (const auto& [id, dn] : *dns) inScope += "(memberOf=" + escapeFilterValue(dn) + ")";
  inScope += idFilter(profile, alsoUserId);
  filters.users = inScope.empty() ? "(!(objectClass=*))" : "(|" + inScope + ")";
  filters.members = "(|(&" + profile.groupFilter() + filters.groups + ")" + inScope + ")";
  return filters;
}

Result<std::map<std::string, std::string>> accountDnsById(Pool& pool, const Containers& containers,
                                                          const std::vector<std::string>& ids,
                                                          bool strict) {
  const Profile& profile = pool.settings().profile;
  std::string filter = "(&" + profile.groupFilter() + "(|";
  bool any = false;
  for (const auto& id : ids) {
    const std::string byId = idFilter(profile, id);
    if (byId.empty()) {
      if (strict) return makeError(ErrorKind::InvalidValue, "no account with id '" + id + "'");
      continue;
    }
    filter += byId;
    any = true;
  }
  std::map<std::string, std::string> byId;
  if (!any) return byId;
  filter += "))";
  auto found = search(pool, {.base = containers.accounts,
                             .filter = filter,
                             .attributes = {profile.idAttribute},
                             .context = "finding the accounts"});
  if (!found) return found.error();
  for (const auto& account : *found) byId[idOf(profile, account.attributes)] = account.dn;
  return byId;
}

}  // namespace scimgate::ldap::detail
