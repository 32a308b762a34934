#pragma once
// Writing the member values of groupOfNames entries: the one path for a group's member changes
// and for the groups a user's request joins and leaves. Internal to ldap/.

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ldap/detail/group_names.h"
#include "ldap/detail/pool.h"
#include "ldap/detail/util.h"
#include "ldap/faults.h"

namespace scimgate::ldap::detail {

/// groupOfNames requires a member: an empty group holds the zero-length DN, which readers skip.
inline constexpr char kPlaceholder[] = "";

/// The attributes of a group entry that reads ask for and writes return (Post-Read): never its
/// member values.
std::vector<std::string> groupAttributes(const Profile& profile);

/// What the writer knows of a group's empty-group placeholder.
enum class Placeholder {
  Absent,   // the caller's read of the group saw none
  Present,  // the caller's read saw it
  Unknown,  // not read (a user's join): dropped if there, as if Present
};

/// A change of one group's member values: DNs to add, then DNs to remove.
struct MemberChange {
  std::vector<std::string> addDns;
  std::vector<std::string> removeDns;
  Placeholder placeholder = Placeholder::Unknown;
  std::string step;     // for the fault seam: "join role <group DN>"...
  std::string context;  // for errors: "updating the group", "join role <group DN>"...
};

/// The group after a member write; none when nothing had to change.
using GroupAfter = Result<std::optional<RawEntry>>;

/// Adds and removes member values with one LDAP modify per direction, whatever the group's size:
/// never a read-modify-write of the member list. Adding a member twice or removing a non-member
/// is not an error (RFC 7644 3.5.2.1 / permissive modify). The first member replaces the
/// placeholder in the same modify, and the last one leaves it behind. Thread-safe.
class MemberWriter {
 public:
  MemberWriter(Pool& pool, const Faults& faults)
      : pool_(pool), faults_(faults), seenWithout_(pool.settings().groupCacheSeconds) {}
  MemberWriter(const MemberWriter&) = delete;
  MemberWriter& operator=(const MemberWriter&) = delete;

  /// Writes `change` to the group `dn`. Changes that reach a group while it is being written go
  /// out together in the next modify (group commit), in arrival order; if that modify fails, each
  /// is written alone, so merging never changes an outcome. `alone` writes this one by itself
  /// (a request checked against its own read). A group that does not exist is NotFound.
  GroupAfter write(const std::string& dn, const MemberChange& change, bool alone = false);

  using Mods = std::vector<std::pair<int, std::pair<std::string, std::vector<std::string>>>>;

  /// One modify of the group (any attributes); its errors read "updating the group: ...".
  Result<void> modify(const std::string& dn, const Mods& mods);

 private:
  // The modifies of one change: how many succeeded, the group as the last one left it (Post-Read
  // control, if the server returned it), and the libldap code of the last one.
  struct Write {
    int writes = 0;
    std::optional<Attributes> after;
    int code = 0;
  };
  struct Pending {
    const MemberChange* change;
    std::optional<GroupAfter> outcome;  // set by whoever writes it
  };
  struct GroupQueue {
    bool busy = false;  // a writer is sending a modify of this group
    std::vector<Pending*> waiting;
  };

  GroupAfter writeCoalesced(const std::string& dn, Pending& pending);
  void writeBatch(const std::string& dn, const std::vector<Pending*>& batch) noexcept;
  bool writeMerged(const std::string& dn, const std::vector<Pending*>& batch);
  GroupAfter writeAlone(const std::string& dn, const MemberChange& change);
  Result<void> addMembers(const std::string& dn, const std::vector<std::string>& dns,
                          bool placeholder, Write& write, const std::string& context);
  Result<void> addEach(const std::string& dn, const std::vector<std::string>& dns, Write& write,
                       const std::string& context);
  Result<void> removeMembers(const std::string& dn, const std::vector<std::string>& dns,
                             Write& write, const std::string& context);
  Result<void> send(const std::string& dn, const Mods& mods, Write& write,
                    const std::string& context);
  GroupAfter stateAfter(const std::string& dn, const Write& write);
  /// Whether the writer may have to drop the placeholder for a change that did not read the group
  /// (Unknown): not when it saw the group without one in the last groupCacheSeconds (#18: a join
  /// to a big role then sends no modify that is bound to fail). A placeholder that another
  /// writer (refint) put back meanwhile stays next to the members until then: readers skip it.
  bool mayHavePlaceholder(const std::string& dn, Placeholder known);
  void sawPlaceholder(const std::string& dn, bool present);

  Pool& pool_;
  const Faults& faults_;
  std::mutex queuesMutex_;
  std::condition_variable queuesChanged_;
  std::map<std::string, GroupQueue> queues_;  // by lower-case group DN, while changes are queued
  KeptByDn<bool> seenWithout_;                // groups a write saw without the placeholder
};

}  // namespace scimgate::ldap::detail
