#pragma once
// What the user and group directories of one process share. Internal to ldap/.

#include <memory>

#include "ldap/detail/containers.h"
#include "ldap/detail/group_names.h"
#include "ldap/detail/members.h"
#include "ldap/detail/pool.h"
#include "ldap/directory.h"
#include "ldap/faults.h"
#include "ldap/group_directory.h"
#include "ldap/mapping.h"

namespace scimgate::ldap::detail {

/// One pool of bound connections, so that ldap.poolSize and ldap.sortContexts hold for the user
/// and group directories together, the container DNs both work with, the test seam, and one
/// writer of member values, so that a user's joins and a group's member changes to the same
/// group go out merged (group commit).
struct Context {
  Context(const Settings& settings, Faults injected)
      : pool(settings),
        containers(settings),
        faults(std::move(injected)),
        members(pool, faults),
        groupNames(settings.groupCacheSeconds) {}

  Pool pool;
  Containers containers;
  Faults faults;
  MemberWriter members;   // every write of a group's member values, users' joins and leaves too
  GroupNames groupNames;  // the groups users' answers name, for ldap.groupCacheSeconds
};

/// The libldap Directory (users) over a shared context.
std::unique_ptr<Directory> makeUserDirectory(std::shared_ptr<Context> context, UserMapping mapping);
/// The libldap GroupDirectory over a shared context.
std::unique_ptr<GroupDirectory> makeGroupDirectory(std::shared_ptr<Context> context);

}  // namespace scimgate::ldap::detail
