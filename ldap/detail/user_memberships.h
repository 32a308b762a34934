#pragma once
// The groups a user's request joins and leaves: roles and accounts (a create, a replace) and
// every queue (a deactivation), all through the one member writer. Internal to ldap/.

#include <Poco/JSON/Object.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ldap/detail/context.h"
#include "ldap/mapping.h"

namespace scimgate::ldap::detail {

class UserMemberships {
 public:
  /// Joining or leaving one group.
  struct Change {
    std::string groupDn;
    bool join = true;
  };
  using DnSet = std::set<std::string, AttrNameLess>;

  explicit UserMemberships(Context& context) : context_(context) {}

  /// The role groups `roles` names; nullopt when the resource has no `roles` (they stay as they
  /// are, so a PUT from a client that does not manage roles keeps them). A new user without
  /// roles gets the configured default role. An unknown role is InvalidValue naming the roles.
  Result<std::optional<DnSet>> wantedRoles(const Poco::JSON::Object& user, bool creating) const;
  /// The account groups the extension's `accounts` names (by Group id); nullopt when absent. An
  /// id that is no account's is InvalidValue.
  Result<std::optional<DnSet>> wantedAccounts(const Poco::JSON::Object& user);
  /// The joins and leaves that turn the current role and account memberships (`memberOf`) into
  /// the wanted ones (a nullopt side is left alone).
  std::vector<Change> plan(const std::vector<std::string>& memberOf,
                           const std::optional<DnSet>& roles,
                           const std::optional<DnSet>& accounts) const;
  /// Applies the changes in order; on a failure the ones already made are reversed and the error
  /// names the step that failed.
  Result<void> apply(const std::string& userDn, const std::vector<Change>& changes);
  /// Reverses changes made, last first.
  void undo(const std::string& userDn, const std::vector<Change>& done);
  /// Removes the user from every queue group in `memberOf` (the user's, as read); the leaves
  /// made. On a failure the queues already left are joined again and the error is returned.
  Result<std::vector<Change>> leaveQueues(const std::string& userDn,
                                          const std::vector<std::string>& memberOf);
  /// A user's memberOf values after `changes` were made, as the memberof overlay keeps them.
  static void follow(std::vector<std::string>& memberOf, const std::vector<Change>& changes);

 private:
  std::string describe(const Change& change) const;
  Result<void> applyOne(const Change& change, const std::string& userDn);

  Context& context_;
};

}  // namespace scimgate::ldap::detail
