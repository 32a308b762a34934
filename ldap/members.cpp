#include "ldap/detail/members.h"

#include <exception>

#include "ldap/detail/search.h"

namespace scimgate::ldap::detail {

std::vector<std::string> groupAttributes(const Profile& profile) {
  std::vector<std::string> names = {"cn",
                                    "scimgateExternalId",
                                    "scimgateGroupKind",
                                    profile.idAttribute,
                                    profile.versionAttribute,
                                    profile.createdAttribute,
                                    profile.modifiedAttribute};
  if (!profile.versionAlso.empty()) names.push_back(profile.versionAlso);
  return names;
}

GroupAfter MemberWriter::write(const std::string& dn, const MemberChange& change, bool alone) {
  if (faults_.fails(change.step)) return errorFromLdap(LDAP_UNWILLING_TO_PERFORM, change.context);
  if (alone) return writeAlone(dn, change);
  Pending pending{&change, std::nullopt};
  return writeCoalesced(dn, pending);
}

Result<void> MemberWriter::modify(const std::string& dn, const Mods& mods) {
  Write write;
  return send(dn, mods, write, "updating the group");
}

// ---- Member changes, merged while the group is being written (group commit) -----------------
//
// slapd's cost for a modify of a group grows with the group's size (back-mdb copies and rewrites
// the whole entry), not with the number of values changed. Member changes to one group that
// arrive while a modify of it is in flight wait, and the next writer sends all of them in one
// modify, in arrival order (LDAP applies a modify's changes in order, so the result is the same
// as one after the other). If that modify fails for any reason (a value that another request
// already added, a placeholder that went, the last member going), each change is written on its
// own as before, so merging never changes an outcome.

GroupAfter MemberWriter::writeCoalesced(const std::string& dn, Pending& pending) {
  const std::string key = lower(dn);
  std::unique_lock lock(queuesMutex_);
  queues_[key].waiting.push_back(&pending);
  // Wait while another writer is busy; it may take this change into its next modify.
  while (!pending.outcome && queues_[key].busy) queuesChanged_.wait(lock);
  if (pending.outcome) return std::move(*pending.outcome);
  GroupQueue& queue = queues_[key];
  queue.busy = true;
  std::vector<Pending*> batch = std::move(queue.waiting);
  queue.waiting.clear();
  lock.unlock();
  writeBatch(dn, batch);
  lock.lock();
  GroupQueue& after = queues_[key];
  after.busy = false;
  if (after.waiting.empty()) queues_.erase(key);
  queuesChanged_.notify_all();
  return std::move(*pending.outcome);
}

// Writes every change of the batch and sets its outcome; never throws (waiters depend on it).
void MemberWriter::writeBatch(const std::string& dn, const std::vector<Pending*>& batch) noexcept {
  try {
    if (batch.size() > 1 && writeMerged(dn, batch)) {
      pool_.stats().groupCommitBatch.observe(static_cast<double>(batch.size()), kBatchBounds);
      return;
    }
    for (Pending* pending : batch) {
      pool_.stats().groupCommitBatch.observe(1, kBatchBounds);
      pending->outcome = writeAlone(dn, *pending->change);
    }
  } catch (const std::exception& e) {
    for (Pending* pending : batch) {
      if (!pending->outcome) pending->outcome = makeError(ErrorKind::Internal, e.what());
    }
  }
}

// The whole batch in one modify, and every change's outcome set; false when the directory
// refused it (then nothing of it was applied).
bool MemberWriter::writeMerged(const std::string& dn, const std::vector<Pending*>& batch) {
  Mods mods;
  bool placeholder = false;
  bool adds = false;
  // A value an earlier change of the batch already adds (or removes) is left out of a later add
  // (or remove): one after the other, the later one changes nothing.
  std::map<std::string, bool> member;  // lower-case DN -> a member after the changes so far
  auto fresh = [&](const std::vector<std::string>& dns, bool adding) {
    std::vector<std::string> kept;
    for (const auto& value : dns) {
      auto [it, first] = member.try_emplace(lower(value), adding);
      if (first || it->second != adding) kept.push_back(value);
      it->second = adding;
    }
    return kept;
  };
  for (const Pending* pending : batch) {
    if (auto dns = fresh(pending->change->addDns, true); !dns.empty()) {
      mods.push_back({LDAP_MOD_ADD, {"member", dns}});
      adds = true;
    }
    if (auto dns = fresh(pending->change->removeDns, false); !dns.empty()) {
      mods.push_back({LDAP_MOD_DELETE, {"member", dns}});
    }
    placeholder = placeholder || mayHavePlaceholder(dn, pending->change->placeholder);
  }
  const bool dropPlaceholder = placeholder && adds;
  if (dropPlaceholder) mods.push_back({LDAP_MOD_DELETE, {"member", {kPlaceholder}}});
  Write write;
  bool sent = send(dn, mods, write, "updating the group").ok();
  if (!sent && dropPlaceholder && write.code == LDAP_NO_SUCH_ATTRIBUTE) {
    // Perhaps only the placeholder was not there (a join that did not read the group, or one
    // that went since the read): then the rest alone is what the changes one by one would do.
    mods.pop_back();
    sent = send(dn, mods, write, "updating the group").ok();
  }
  if (!sent) return false;
  if (dropPlaceholder) sawPlaceholder(dn, false);  // dropped, or found not there
  auto state = stateAfter(dn, write);
  for (Pending* pending : batch) pending->outcome = state;
  return true;
}

// One change on its own: one modify per direction, with the fallbacks of addMembers and
// removeMembers.
GroupAfter MemberWriter::writeAlone(const std::string& dn, const MemberChange& change) {
  Write write;
  if (!change.addDns.empty()) {
    const bool placeholder = mayHavePlaceholder(dn, change.placeholder);
    auto added = addMembers(dn, change.addDns, placeholder, write, change.context);
    if (!added) return added.error();
    if (placeholder) sawPlaceholder(dn, false);  // dropped, or found not there
  }
  if (!change.removeDns.empty()) {
    if (auto removed = removeMembers(dn, change.removeDns, write, change.context); !removed) {
      return removed.error();
    }
  }
  return stateAfter(dn, write);
}

// One modify adding the values, and dropping the empty-group placeholder when there may be one.
// Values already present make slapd refuse the whole modify; then each value is added on its own
// and the ones already there are skipped (RFC 7644: adding an existing member is not an error).
Result<void> MemberWriter::addMembers(const std::string& dn, const std::vector<std::string>& dns,
                                      bool placeholder, Write& write, const std::string& context) {
  if (placeholder) {
    auto result =
        send(dn, {{LDAP_MOD_ADD, {"member", dns}}, {LDAP_MOD_DELETE, {"member", {kPlaceholder}}}},
             write, context);
    if (result) return result;
    if (write.code == LDAP_TYPE_OR_VALUE_EXISTS) return addEach(dn, dns, write, context);
    if (write.code != LDAP_NO_SUCH_ATTRIBUTE) return result;
    // No placeholder (or it went since the read: someone added the first member): add alone.
  }
  // A placeholder that came back since the read (someone removed the last member) stays next to
  // the new members: readers skip it, and the next add that may see it drops it.
  auto result = send(dn, {{LDAP_MOD_ADD, {"member", dns}}}, write, context);
  if (result || write.code != LDAP_TYPE_OR_VALUE_EXISTS) return result;
  return addEach(dn, dns, write, context);
}

Result<void> MemberWriter::addEach(const std::string& dn, const std::vector<std::string>& dns,
                                   Write& write, const std::string& context) {
  for (const auto& one : dns) {
    auto single = send(dn, {{LDAP_MOD_ADD, {"member", {one}}}}, write, context);
    if (!single && write.code != LDAP_TYPE_OR_VALUE_EXISTS) return single;
  }
  return {};
}

// One modify deleting the values; when that would empty the group, the placeholder goes in with
// it (groupOfNames needs a member). Absent values are skipped one by one.
Result<void> MemberWriter::removeMembers(const std::string& dn, const std::vector<std::string>& dns,
                                         Write& write, const std::string& context) {
  auto result = send(dn, {{LDAP_MOD_DELETE, {"member", dns}}}, write, context);
  if (!result && write.code == LDAP_OBJECT_CLASS_VIOLATION &&
      pool_.settings().profile.emptyGroupPlaceholder) {
    result =
        send(dn, {{LDAP_MOD_DELETE, {"member", dns}}, {LDAP_MOD_ADD, {"member", {kPlaceholder}}}},
             write, context);
    if (result) sawPlaceholder(dn, true);
  }
  if (result || write.code != LDAP_NO_SUCH_ATTRIBUTE) return result;
  if (dns.size() == 1) return {};  // not a member (any more): nothing to remove
  for (const auto& one : dns) {
    if (auto single = removeMembers(dn, {one}, write, context); !single) return single;
  }
  return {};
}

bool MemberWriter::mayHavePlaceholder(const std::string& dn, Placeholder known) {
  if (!pool_.settings().profile.emptyGroupPlaceholder || known == Placeholder::Absent) return false;
  return known == Placeholder::Present || !seenWithout_.find(dn);
}

void MemberWriter::sawPlaceholder(const std::string& dn, bool present) {
  if (!pool_.settings().profile.emptyGroupPlaceholder) return;
  if (present) {
    seenWithout_.forget(dn);
  } else {
    seenWithout_.keep(dn, true);
  }
}

Result<void> MemberWriter::send(const std::string& dn, const Mods& changes, Write& write,
                                const std::string& context) {
  write.code = LDAP_SERVER_DOWN;  // until the directory answers
  return withConnection<void>(pool_, false, [&](LDAP* ld) -> Result<void> {
    std::vector<Change> list;
    for (const auto& [op, change] : changes) list.push_back({op, change.first, change.second});
    ModList mods(list);
    auto readBack = postReadControl(groupAttributes(pool_.settings().profile));
    if (!readBack) return readBack.error();
    LDAPControl* controls[] = {readBack->get(), nullptr};
    int msgid = 0;
    std::optional<Attributes> after;
    int rc = counted(OpKind::Modify, [&] {
      const int sent = ldap_modify_ext(ld, dn.c_str(), mods.get(), controls, nullptr, &msgid);
      return sent == LDAP_SUCCESS ? waitResult(ld, msgid, &after, nullptr) : sent;
    });
    if (pool_.settings().profile.memberDuplicatesRefused) {
      // AD's words for "that value is already there" and "that value is not there".
      bool deletes = false;
      for (const auto& [op, change] : changes) deletes = deletes || op == LDAP_MOD_DELETE;
      if (rc == LDAP_ALREADY_EXISTS) rc = LDAP_TYPE_OR_VALUE_EXISTS;
      if (rc == LDAP_UNWILLING_TO_PERFORM && deletes) rc = LDAP_NO_SUCH_ATTRIBUTE;
    }
    write.code = rc;
    if (rc != LDAP_SUCCESS) return errorFromLdap(rc, context);
    ++write.writes;
    write.after = std::move(after);
    return {};
  });
}

// The group after `write`: none when nothing was written, else the Post-Read result or a read.
GroupAfter MemberWriter::stateAfter(const std::string& dn, const Write& write) {
  if (write.writes == 0) return std::optional<RawEntry>();
  if (write.after && write.after->count(pool_.settings().profile.idAttribute)) {
    return std::optional<RawEntry>(RawEntry{dn, *write.after});
  }
  // A directory without Post-Read.
  auto now = search(pool_, {.base = dn,
                            .scope = LDAP_SCOPE_BASE,
                            .attributes = groupAttributes(pool_.settings().profile),
                            .sizeLimit = 2,
                            .what = "groups"});
  if (!now) return now.error();
  if (now->empty()) return makeError(ErrorKind::NotFound, "the group vanished after writing");
  return std::optional<RawEntry>(std::move(now->front()));
}

}  // namespace scimgate::ldap::detail
