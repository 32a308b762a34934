#include "gateway/account_scope.h"

#include <Poco/JSON/Array.h>

#include "scim/schema.h"
#include "scim/user_facts.h"

namespace scimgate::gateway {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Array::Ptr accountsOf(const Object& user) {
  auto ext = user.getObject(std::string(scim::kScimgateUserSchema));
  if (!ext || !ext->has("accounts") || ext->get("accounts").type() != typeid(Array::Ptr)) {
    return nullptr;
  }
  return ext->getArray("accounts");
}

}  // namespace

bool inAccountsOf(const policy::Principal& principal, const std::string& accountId) {
  for (const auto& mine : principal.accounts) {
    if (scim::equalsIgnoreCase(mine, accountId)) return true;
  }
  return false;
}

void hideOtherAccounts(const policy::Principal& principal, Object& user) {
  if (principal.allAccounts) return;
  auto all = accountsOf(user);
  if (!all) return;
  Array::Ptr shown = new Array;
  for (unsigned i = 0; i < all->size(); ++i) {
    auto account = all->getObject(i);
    if (account && inAccountsOf(principal, account->optValue<std::string>("value", ""))) {
      shown->add(account);
    }
  }
  user.getObject(std::string(scim::kScimgateUserSchema))->set("accounts", shown);
}

void keepOtherAccounts(const policy::Principal& principal, const Object& before, Object& after) {
  if (principal.allAccounts) return;
  auto list = accountsOf(after);
  auto old = accountsOf(before);
  if (!list || !old) return;
  const auto listed = scim::userFactsOf(after).accounts.value_or(std::set<std::string>{});
  for (unsigned i = 0; i < old->size(); ++i) {
    auto account = old->getObject(i);
    if (!account) continue;
    std::string id = account->optValue<std::string>("value", "");
    for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!inAccountsOf(principal, id) && !listed.count(id)) list->add(account);
  }
}

std::optional<ldap::AccountScope> groupScopeOf(const policy::Principal& principal) {
  if (principal.allAccounts) return std::nullopt;
  return ldap::AccountScope{principal.accounts, principal.userId};
}

}  // namespace scimgate::gateway
