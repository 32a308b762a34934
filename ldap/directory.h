#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/faults.h"
#include "ldap/group_directory.h"
#include "ldap/settings.h"
#include "ldap/stats.h"
#include "scim/filter.h"
#include "scim/result.h"
#include "scim/user.h"

namespace scimgate::ldap {

using scim::Result;

/// One page of a user list. `totalResults` counts every match, not just this page.
struct UserPage {
  std::size_t totalResults = 0;
  std::vector<scim::User> users;
};

/// A list request: an optional filter (null = all users), an optional sort attribute and 1-based
/// index pagination. Sorting and paging happen in the directory (Server Side Sort + VLV).
struct UserQuery {
  const scim::Filter* filter = nullptr;
  std::size_t startIndex = 1;
  std::size_t count = 100;
  std::optional<scim::AttrPath> sortBy;  // none: by userName, which is unique, so pages are stable
  bool descending = false;
  /// The SCIM attributes the caller will show (scim::neededAttributes); none = all. Only the LDAP
  /// attributes behind them are requested.
  std::optional<std::vector<std::string>> attributes;
  /// Account scope (DESIGN 6): only users in at least one of these accounts (ids of account
  /// groups), plus `alsoUserId` when set. none = every user.
  std::optional<std::set<std::string>> inAccounts;
  std::string alsoUserId;
};

/// Something held until it is destroyed (Directory::lockAdministratorChanges).
class HeldLock {
 public:
  virtual ~HeldLock() = default;
};

/// Users as the gateway sees them. Thread-safe; failures are returned, not thrown.
class Directory {
 public:
  virtual ~Directory() = default;
  /// What this directory counts about its LDAP traffic (shared with the group directory of
  /// the same pool), read-only; null when it does not count (test doubles).
  virtual const Stats* stats() const { return nullptr; }

  /// The user with this SCIM id (entryUUID); NotFound when there is none.
  virtual Result<scim::User> findUser(std::string_view id) = 0;
  /// Adds the user and, when given, sets its password with the Password Modify extended operation
  /// (RFC 3062) so the server hashes it. Uniqueness when userName or email is taken. A failed
  /// password set removes the new entry again: a create is all or nothing.
  virtual Result<scim::User> createUser(const scim::User& user,
                                        const std::optional<std::string>& password) = 0;
  /// Replaces the user's data with `user.attributes` (a full canonical User). A changed userName
  /// renames the entry (the id stays). `ifMatch` ("" = unconditional, "*" = exists, or an ETag) is
  /// enforced atomically with the Assertion control (RFC 4528): PreconditionFailed when the entry
  /// changed. The new state comes back through the Post-Read control (RFC 4527).
  /// `current`, when set, is this user as the caller just read it with findUser, on the same
  /// thread: the directory then works from the entry it read for that, if it still has it at
  /// that version (the last few reads of each thread are kept), instead of reading it again.
  virtual Result<scim::User> replaceUser(std::string_view id, const scim::User& user,
                                         const std::optional<std::string>& password,
                                         std::string_view ifMatch,
                                         const scim::User* current = nullptr) = 0;
  /// Removes the user entry; NotFound when there is none, PreconditionFailed when `ifMatch` (an
  /// ETag, "*" or "") no longer matches.
  virtual Result<void> deleteUser(std::string_view id, std::string_view ifMatch = {}) = 0;
  /// Users matching the query. A filter on an attribute the mapping does not know is InvalidFilter.
  virtual Result<UserPage> searchUsers(const UserQuery& query) = 0;
  /// Whether the directory answers right now (for /readyz).
  virtual Result<void> ping() = 0;

  /// The id of the user with this userName and password, checked by binding to the directory as
  /// that user, so the directory's own lockout and the deactivation lock apply. An unknown user, a
  /// wrong password and a locked account are the same Unauthorized.
  virtual Result<std::string> verifyPassword(std::string_view userName,
                                             std::string_view password) = 0;
  /// Sets the password of the user with this id (Password Modify, RFC 3062) as the gateway's
  /// service account: an administrator's reset, which the directory's own policy lets through.
  virtual Result<void> setPassword(std::string_view id, std::string_view password) = 0;
  /// The user changes their own password: Password Modify sent on a connection bound as the user
  /// with `current`, so the directory applies its policy for users (ppolicy: history, minimum
  /// age, its quality rules). Unauthorized when `current` does not bind; InvalidValue with the
  /// directory's reason when it refuses the new password.
  virtual Result<void> changeOwnPassword(std::string_view userName, std::string_view current,
                                         std::string_view next) = 0;
  /// Lifts the lockout the directory's password policy set after failed logins (an
  /// administrator's deliberate unlock; provisioning writes never lift it). Nothing to do when
  /// the user is not locked; InvalidValue when the user is deactivated (reactivate instead).
  virtual Result<void> unlockUser(std::string_view id) = 0;
  /// Held while a change that may take Administrators away (demotion, deactivation, deletion,
  /// removal from the role group) counts them and writes, so that two such changes cannot each
  /// count the other's Administrator and remove the last two: one at a time across every
  /// gateway sharing the directory (a lock entry in the directory). Unavailable when another
  /// holds it for long.
  virtual Result<std::unique_ptr<HeldLock>> lockAdministratorChanges() = 0;
  /// How many users that are not deactivated hold the role (member of its role group).
  virtual Result<std::size_t> countActiveInRole(std::string_view role) = 0;
};

/// While one lives, read-only LDAP operations made on this thread may be served by a directory
/// replica (Settings::readUris), provided the replica is known to hold everything the providers
/// held at `writtenAtMs` plus a second (the instances' clocks may differ that much): the time
/// (unix milliseconds) of the calling client's last write, 0 when it has none. Without replicas
/// it changes nothing. The gateway opens one for each reading request.
class ReplicaReads {
 public:
  explicit ReplicaReads(std::int64_t writtenAtMs);
  ~ReplicaReads();
  ReplicaReads(const ReplicaReads&) = delete;
  ReplicaReads& operator=(const ReplicaReads&) = delete;

 private:
  std::optional<std::int64_t> previous_;
};

/// The user and group directories of one process.
struct Directories {
  std::unique_ptr<Directory> users;
  std::unique_ptr<GroupDirectory> groups;
};

/// The libldap implementations of both, sharing one pool of bound connections: ldap.poolSize and
/// ldap.sortContexts hold for users and groups together. `faults` is for tests (none in
/// production). Throws std::invalid_argument (its message names the path) for a user mapping
/// the schema cannot take.
Directories makeLdapDirectories(const Settings& settings, Faults faults = {});

}  // namespace scimgate::ldap
