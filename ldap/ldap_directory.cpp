#include <ldap.h>

#include <array>
#include <functional>
#include <mutex>
#include <set>

#include "ldap/detail/administrators_lock.h"
#include "ldap/detail/context.h"
#include "ldap/detail/passwords.h"
#include "ldap/detail/pool.h"
#include "ldap/detail/search.h"
#include "ldap/detail/user_entries.h"
#include "ldap/detail/user_memberships.h"
#include "ldap/detail/user_search.h"
#include "ldap/detail/util.h"
#include "ldap/directory.h"
#include "ldap/escape.h"
#include "ldap/mapping.h"

namespace scimgate::ldap {
namespace {

using namespace detail;  // shared libldap helpers (ldap/detail/util.h)
using scim::ErrorKind;
using scim::makeError;

class LdapDirectory final : public Directory {
 public:
  LdapDirectory(std::shared_ptr<Context> context, UserMapping mapping)
      : context_(std::move(context)),
        pool_(context_->pool),
        containers_(context_->containers),
        entries_(*context_, std::move(mapping)),
        search_(*context_, entries_),
        memberships_(*context_) {}

  const Stats* stats() const override { return &context_->pool.stats(); }

  Result<scim::User> findUser(std::string_view id) override {
    auto found = entries_.read(id);  // kept for a replace that follows
    if (!found) return found.error();
    return entries_.toUser(*found);
  }

  Result<scim::User> createUser(const scim::User& user,
                                const std::optional<std::string>& password) override {
    Attributes attributes = entries_.mapping().toLdap(*user.attributes);
    const std::string userName = user.attributes->optValue<std::string>("userName", "");
    if (userName.empty()) {
      return makeError(ErrorKind::InvalidValue, "attribute 'userName' is required");
    }
    if (auto fits = checkRdnValue("userName", userName); !fits) return fits.error();
    const std::string dn = makeRdn(profile().userRdnAttribute, userName) + "," + peopleDn();
    if (!profile().deriveCn) attributes["cn"] = {userName};  // the RDN's value
    if (profile().accountNames) {
      auto account = freeAccountName(userName, "");
      if (!account) return account.error();
      attributes["sAMAccountName"] = {*account};
    }
    // Roles and accounts are checked before anything is written: a refused one writes nothing.
    auto roles = memberships_.wantedRoles(*user.attributes, true);
    if (!roles) return roles.error();
    auto accounts = memberships_.wantedAccounts(*user.attributes);
    if (!accounts) return accounts.error();
    attributes["objectClass"] = pool_.settings().userObjectClasses.empty()
                                    ? profile().userObjectClasses
                                    : pool_.settings().userObjectClasses;
    const bool active = user.attributes->optValue<bool>("active", true);
    attributes[kStatusAttribute] = {!active ? "inactive" : password ? "active" : "pending"};
    // AD: created disabled, enabled once it has its password (Windows refuses an enabled account
    // without one).
    const bool unlockAfterPassword = active && password && profile().lockUntilPassword;
    if (!active || profile().lockUntilPassword) {
      attributes[profile().lockAttribute] = profile().lockValues("", true);
    }

    if (auto free = checkMailFree(attributes, ""); !free) return free.error();
    auto added = withConnection(false, [&](LDAP* ld) -> Result<void> {
      std::vector<Change> changes;
      for (const auto& [name, vals] : attributes) changes.push_back({LDAP_MOD_ADD, name, vals});
      ModList mods(changes);
      const int rc = counted(OpKind::Add, [&] {
        return ldap_add_ext_s(ld, dn.c_str(), mods.get(), nullptr, nullptr);
      });
      if (rc == LDAP_SUCCESS) return {};
      if (rc == LDAP_ALREADY_EXISTS && profile().accountNames &&
          lower(diagnostic(ld)).find("samaccountname") != std::string::npos) {
        return makeError(ErrorKind::Uniqueness,
                         "the directory already has an account named '" +
                             attributes["sAMAccountName"].front() +
                             "' (sAMAccountName, from the start of userName): choose a userName "
                             "that differs in its first 20 characters before '@'");
      }
      if (rc == LDAP_ALREADY_EXISTS) {
        return makeError(ErrorKind::Uniqueness, "userName '" + userName + "' is taken");
      }
      if (rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness,
                         "userName or email is already used by another user");
      }
      return errorFromLdap(rc, "creating the user");
    });
    if (!added) return added.error();

    // All or nothing: a user whose password or memberships could not be set is removed again
    // (refint takes it out of the groups it had joined).
    auto removeAgain = [&] {
      (void)withConnection(false, [&](LDAP* ld) -> Result<void> {
        counted(OpKind::Delete,
                [&] { return ldap_delete_ext_s(ld, dn.c_str(), nullptr, nullptr); });
        return {};
      });
    };
    if (password) {
      if (auto set = resetPassword(pool_, dn, *password); !set) {
        removeAgain();
        return set.error();
      }
    }
    if (unlockAfterPassword) {
      auto enabled =
          modifyEntry(dn,
                      {{profile().lockAttribute,
                        profile().lockValues(attributes[profile().lockAttribute].front(), false)}},
                      "", nullptr);
      if (!enabled) {
        removeAgain();
        return enabled.error();
      }
    }
    const auto changes = memberships_.plan({}, *roles, *accounts);
    if (auto joined = memberships_.apply(dn, changes); !joined) {
      removeAgain();
      return joined.error();
    }
    auto created = entries_.readByDn(dn);
    if (!created) return created.error();
    return entries_.toUser(*created);
  }

  Result<void> deleteUser(std::string_view id, std::string_view ifMatch) override {
    const std::string csn = csnFromEtag(ifMatch);
    auto guard = guardVersionCheck(id, csn);
    auto found = entries_.findEntry(id);
    if (!found) return found.error();
    // With the Assertion control the directory checks it atomically with the delete.
    if (!profile().assertionControl) {
      if (auto same = matchesVersion(profile(), found->attributes, csn, "user"); !same) {
        return same.error();
      }
    }
    return withConnection(false, [&](LDAP* ld) -> Result<void> {
      ControlPtr assertion;
      auto controls = writeControls(ld, profile(), csn, assertion);
      if (!controls) return controls.error();
      const int rc = counted(OpKind::Delete, [&] {
        return ldap_delete_ext_s(ld, found->dn.c_str(), controls->data(), nullptr);
      });
      if (rc == LDAP_SUCCESS) return {};
      if (rc == LDAP_NO_SUCH_OBJECT) return makeError(ErrorKind::NotFound, "no such user");
      return errorFromLdap(rc, "deleting the user");
    });
  }

  Result<scim::User> replaceUser(std::string_view id, const scim::User& user,
                                 const std::optional<std::string>& password,
                                 std::string_view ifMatch, const scim::User* current) override {
    const std::string csn = csnFromEtag(ifMatch);
    auto guard = guardVersionCheck(id, csn);
    // Under that guard the version must be read now, not taken from the caller's earlier read.
    auto found = guard.owns_lock() ? entries_.findEntry(id) : readForReplace(id, current);
    if (!found) return found.error();
    const Attributes& old = found->attributes;
    if (!profile().assertionControl) {
      // No Assertion control: compared with the entry just read (see Profile::assertionControl).
      if (auto same = matchesVersion(profile(), old, csn, "user"); !same) return same.error();
    }
    Attributes wanted = entries_.mapping().toLdap(*user.attributes);
    const std::string newUid = user.attributes->optValue<std::string>("userName", "");
    if (newUid.empty()) {
      return makeError(ErrorKind::InvalidValue, "attribute 'userName' is required");
    }
    const std::string& rdnAttribute = profile().userRdnAttribute;
    const std::string oldUid = firstOf(old, rdnAttribute);
    const bool rename = newUid != oldUid;
    if (!profile().deriveCn) wanted.erase("cn");  // the RDN: only the rename changes it
    if (rename && profile().accountNames) {
      auto account = freeAccountName(newUid, found->dn);
      if (!account) return account.error();
      wanted["sAMAccountName"] = {*account};
    }
    auto roles = memberships_.wantedRoles(*user.attributes, false);
    if (!roles) return roles.error();
    auto accounts = memberships_.wantedAccounts(*user.attributes);
    if (!accounts) return accounts.error();
    auto memberOf = old.find("memberOf");
    const auto memberships = memberships_.plan(
        memberOf == old.end() ? std::vector<std::string>{} : memberOf->second, *roles, *accounts);

    // Status: `active` decides inactive; otherwise a user with a password is active, one without
    // is still pending (invited).
    const bool active = user.attributes->optValue<bool>("active", true);
    const bool hasPassword =
        password.has_value() || profile().hasPassword(firstOf(old, profile().passwordSetAttribute));
    const std::string oldStatus = firstOf(old, kStatusAttribute);
    std::string status = "inactive";
    if (active) status = hasPassword ? "active" : (oldStatus == "active" ? "active" : "pending");
    wanted[kStatusAttribute] = {status};
    // Deactivation sets the permanent lock, replacing a lock the password policy set for failed
    // logins (that one would expire while the user is deactivated). Only a reactivation removes
    // the permanent lock; any other write leaves the lock as it is, so a provisioning sync never
    // lifts the directory's lockout (unlockUser does, on purpose).
    // AD also keeps a pending user locked (disabled) until it has a password.
    const std::string& lockAttribute = profile().lockAttribute;
    const std::string lockNow = firstOf(old, lockAttribute);
    const bool locked = profile().isLocked(lockNow);
    auto lockedAs = [&](const std::string& s) {
      return s == "inactive" || (profile().lockUntilPassword && s == "pending");
    };
    if (lockedAs(status) && !locked) {
      wanted[lockAttribute] = profile().lockValues(lockNow, true);
    } else if (!lockedAs(status) && lockedAs(oldStatus) && locked) {
      wanted[lockAttribute] = profile().lockValues(lockNow, false);
    }

    // Every attribute the mapping owns is replaced (or removed) when its values changed.
    std::set<std::string, AttrNameLess> managed;
    for (const auto& name : entries_.mapping().readAttributes(profile())) managed.insert(name);
    for (const char* name : {"sn", kResourceAttribute, kStatusAttribute}) managed.insert(name);
    if (profile().deriveCn) managed.insert("cn");
    for (const std::string& name :
         {profile().idAttribute, profile().versionAttribute, profile().versionAlso,
          profile().createdAttribute, profile().modifiedAttribute, rdnAttribute}) {
      managed.erase(name);
    }
    if (wanted.count(lockAttribute)) managed.insert(lockAttribute);
    if (wanted.count("sAMAccountName")) managed.insert("sAMAccountName");
    std::vector<std::pair<std::string, std::vector<std::string>>> changes;
    for (const auto& name : managed) {
      auto w = wanted.find(name);
      auto o = old.find(name);
      const std::vector<std::string> none;
      const auto& newValues = w == wanted.end() ? none : w->second;
      const auto& oldValues = o == old.end() ? none : o->second;
      if (newValues != oldValues) changes.emplace_back(name, newValues);
    }

    for (const auto& [name, values] : changes) {
      if (scim::equalsIgnoreCase(name, "mail")) {
        if (auto free = checkMailFree(wanted, found->dn); !free) return free.error();
      }
    }
    std::string dn = found->dn;
    // The entry as the last write left it (Post-Read control), so that the answer needs no read:
    // as read when nothing is written to it (a membership changes only its memberOf).
    std::optional<Attributes> postRead = old;
    // AD enables an account only once it has a password: the password goes first there.
    const bool passwordFirst = password && profile().lockUntilPassword;
    if (passwordFirst) {
      if (auto set = resetPassword(pool_, dn, *password); !set) return set.error();
      postRead.reset();
    }
    if (rename) {
      // slapd does not honour the Assertion control on modrdn, so the version is checked against
      // the entry just read; the modify below carries no assertion because the rename moved it on.
      if (auto same = matchesVersion(profile(), old, csn, "user"); !same) return same.error();
      auto renamed = renameEntry(dn, newUid, "", &postRead);
      if (!renamed) return renamed.error();
      dn = *renamed;
    }
    // Every step below that fails undoes the ones before it: never half-applied.
    auto undoModify = [&] {
      if (changes.empty()) return;
      std::vector<std::pair<std::string, std::vector<std::string>>> undo;
      for (const auto& [name, values] : changes) {
        auto before = old.find(name);
        undo.emplace_back(name, before == old.end() ? std::vector<std::string>{} : before->second);
      }
      (void)modifyEntry(dn, undo, "", nullptr);
    };
    auto undoRename = [&] {
      if (rename) (void)renameEntry(dn, oldUid, "", nullptr);  // put the old name back
    };
    if (!changes.empty()) {
      auto modified = modifyEntry(dn, changes, rename ? "" : csn, &postRead);
      if (!modified) {
        undoRename();
        return modified.error();
      }
    } else if (!rename && !csn.empty()) {
      // Nothing to write, but the caller's ETag must still be current.
      if (auto same = matchesVersion(profile(), old, csn, "user"); !same) return same.error();
    }
    // Roles and accounts the request changes: one single-value modify per group.
    if (!memberships.empty()) {
      if (auto applied = memberships_.apply(dn, memberships); !applied) {
        undoModify();
        undoRename();
        return applied.error();
      }
      if (postRead) UserMemberships::follow((*postRead)["memberOf"], memberships);
    }
    // DESIGN 2: deactivation also removes the user from every queue, in the same request. It
    // comes after the (ETag-checked) modify because leaving a queue changes the user's memberOf;
    // if it fails, everything before is undone.
    if (status == "inactive" && oldStatus != "inactive") {
      auto left = memberships_.leaveQueues(
          dn, memberOf == old.end() ? std::vector<std::string>{} : memberOf->second);
      if (!left) {
        memberships_.undo(dn, memberships);
        undoModify();
        undoRename();
        return left.error();
      }
      if (postRead) UserMemberships::follow((*postRead)["memberOf"], *left);
    }
    if (password && !passwordFirst) {
      if (auto set = resetPassword(pool_, dn, *password); !set) return set.error();
      postRead.reset();  // the Password Modify operation changed the entry and has no Post-Read
    }
    if (postRead && postRead->count(profile().idAttribute))
      return entries_.toUser(RawEntry{dn, *postRead});
    auto now = entries_.readByDn(dn);
    if (!now) return now.error();
    return entries_.toUser(*now);
  }

  Result<UserPage> searchUsers(const UserQuery& query) override { return search_.search(query); }

  Result<void> ping() override {
    return withConnection(true, [&](LDAP* ld) -> Result<void> {
      // The root DSE: cheap, always readable, and proves the bound connection works.
      LDAPMessage* raw = nullptr;
      char noAttrs[] = LDAP_NO_ATTRS;
      char* attrs[] = {noAttrs, nullptr};
      timeval timeout{2, 0};
      const int rc = counted(OpKind::Search, [&] {
        return ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, nullptr,
                                 nullptr, &timeout, 1, &raw);
      });
      MessagePtr result(raw);
      if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "checking the directory");
      return {};
    });
  }

  Result<std::string> verifyPassword(std::string_view userName,
                                     std::string_view password) override {
    const std::string dn = makeRdn(profile().userRdnAttribute, userName) + "," + peopleDn();
    const int rc = pool_.bindAs(dn, std::string(password));
    if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_NO_SUCH_OBJECT ||
        rc == LDAP_INVALID_DN_SYNTAX || rc == LDAP_UNWILLING_TO_PERFORM ||
        rc == LDAP_INAPPROPRIATE_AUTH || rc == LDAP_CONSTRAINT_VIOLATION) {
      // 389 answers a locked-out account's bind with constraintViolation ("Exceed password
      // retry limit") and a deactivated one's with unwillingToPerform.
      return makeError(ErrorKind::Unauthorized, "invalid credentials");
    }
    if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "checking the password");
    auto entry = entries_.readByDn(dn);
    if (!entry) return entry.error();
    // A pending or deactivated user cannot log in, even where the directory has no lock.
    if (const auto status = lower(firstOf(entry->attributes, kStatusAttribute));
        status == "inactive" || status == "pending") {
      return makeError(ErrorKind::Unauthorized, "invalid credentials");
    }
    return idOf(profile(), entry->attributes);
  }

  Result<void> changeOwnPassword(std::string_view userName, std::string_view current,
                                 std::string_view next) override {
    const std::string dn = makeRdn(profile().userRdnAttribute, userName) + "," + peopleDn();
    return detail::changeOwnPassword(pool_, dn, current, next);
  }

  Result<void> setPassword(std::string_view id, std::string_view password) override {
    auto found = entries_.findEntry(id);
    if (!found) return found.error();
    if (auto set = resetPassword(pool_, found->dn, std::string(password)); !set) return set.error();
    // A pending (invited) user becomes active once it has a password.
    if (lower(firstOf(found->attributes, kStatusAttribute)) == "pending") {
      std::vector<std::pair<std::string, std::vector<std::string>>> activate = {
          {kStatusAttribute, {"active"}}};
      const std::string lockNow = firstOf(found->attributes, profile().lockAttribute);
      if (profile().lockUntilPassword && profile().isLocked(lockNow)) {
        activate.emplace_back(profile().lockAttribute, profile().lockValues(lockNow, false));
      }
      return modifyEntry(found->dn, activate, "", nullptr);
    }
    return {};
  }

  Result<void> unlockUser(std::string_view id) override {
    auto found = entries_.findEntry(id);
    if (!found) return found.error();
    if (lower(firstOf(found->attributes, kStatusAttribute)) == "inactive") {
      return makeError(ErrorKind::InvalidValue,
                       "the user is deactivated, not locked out: reactivate them (active: true)");
    }
    // The lockout's bookkeeping goes (ppolicy clears the failure count with the lock itself).
    std::vector<std::pair<std::string, std::vector<std::string>>> clear;
    const std::string& cleared = profile().lockoutClearValue;
    for (const auto& name : profile().lockoutAttributes) {
      const std::string value = firstOf(found->attributes, name);
      if (value.empty() || value == cleared) continue;
      clear.emplace_back(
          name, cleared.empty() ? std::vector<std::string>{} : std::vector<std::string>{cleared});
    }
    if (clear.empty()) return {};
    return modifyEntry(found->dn, clear, "", nullptr);
  }

  Result<std::unique_ptr<HeldLock>> lockAdministratorChanges() override {
    return detail::lockAdministrators(pool_, containers_);
  }

  Result<std::size_t> countActiveInRole(std::string_view role) override {
    const std::string group = makeRdn("cn", std::string(role)) + "," + containers_.roles;
    const std::string filter = "(&" + profile().userFilter() +
                               "(memberOf=" + escapeFilterValue(group) + ")(!(" + kStatusAttribute +
                               "=inactive)))";
    auto users = detail::search(
        pool_, {.base = peopleDn(), .filter = filter, .context = "counting the role's users"});
    if (!users) return users.error();
    return users->size();
  }

 private:
  const Profile& profile() const { return pool_.settings().profile; }
  const std::string& peopleDn() const { return containers_.people; }

  // Without the Assertion control an If-Match is a compare of the version read just before the
  // write: writers of one entry through this gateway take turns from that read to their write,
  // so two with the same ETag cannot both win here (other gateway instances can still interleave:
  // README). Locked only for a write that carries an ETag, on one of a fixed set of mutexes.
  std::unique_lock<std::mutex> guardVersionCheck(std::string_view id, const std::string& csn) {
    if (csn.empty() || profile().assertionControl) return {};
    const std::size_t stripe = std::hash<std::string>{}(lower(id)) % versionGuards_.size();
    return std::unique_lock(versionGuards_[stripe]);
  }

  // The entry as the caller's findUser read it (`current`), when this thread still has that read
  // at that version; else read now.
  Result<RawEntry> readForReplace(std::string_view id, const scim::User* current) {
    if (current != nullptr && scim::equalsIgnoreCase(current->id, id)) {
      if (auto kept = entries_.recall(id, csnFromEtag(current->meta.version))) return *kept;
    }
    return entries_.findEntry(id);
  }

  // AD: the logon name (sAMAccountName) for userName that no other account than `self` (a DN)
  // has: accountNameFor's, else its fallback. Unique across users and groups, so searched from
  // the base. A concurrent create of a like name can still take it first (then AD says so).
  Result<std::string> freeAccountName(const std::string& userName, const std::string& self) {
    auto first = accountNameFor(userName);
    if (!first) return first.error();
    const std::string second = accountNameFallback(userName, *first);
    auto taken =
        detail::search(pool_, {.base = containers_.base,
                               .filter = "(|(sAMAccountName=" + escapeFilterValue(*first) +
                                         ")(sAMAccountName=" + escapeFilterValue(second) + "))",
                               .attributes = {"sAMAccountName"},
                               .context = "choosing the account's logon name"});
    if (!taken) return taken.error();
    for (const std::string& candidate : {*first, second}) {
      bool free = true;
      for (const auto& entry : *taken) {
        if (scim::equalsIgnoreCase(firstOf(entry.attributes, "sAMAccountName"), candidate)) {
          free = free && scim::equalsIgnoreCase(entry.dn, self);
        }
      }
      if (free) return candidate;
    }
    return makeError(ErrorKind::Uniqueness, "the directory already has accounts named '" + *first +
                                                "' and '" + second +
                                                "' (sAMAccountName, from the start of userName)");
  }

  // Where the directory does not keep mail unique: Uniqueness when another user than `self` (a
  // DN) has one of the addresses in `attributes`.
  Result<void> checkMailFree(const Attributes& attributes, const std::string& self) {
    if (!profile().gatewayChecksMail) return {};
    auto mail = attributes.find("mail");
    if (mail == attributes.end() || mail->second.empty()) return {};
    std::string any;
    for (const auto& address : mail->second) any += "(mail=" + escapeFilterValue(address) + ")";
    auto others =
        detail::search(pool_, {.base = peopleDn(),
                               .filter = "(&" + profile().userFilter() + "(|" + any + "))",
                               .attributes = {"mail"},
                               .sizeLimit = 2,
                               .context = "checking the email is free"});
    if (!others) {
      if (others.error().kind == ErrorKind::TooMany) {
        return makeError(ErrorKind::Uniqueness, "email is already used by another user");
      }
      return others.error();
    }
    for (const auto& other : *others) {
      if (!scim::equalsIgnoreCase(other.dn, self)) {
        return makeError(ErrorKind::Uniqueness, "email is already used by another user");
      }
    }
    return {};
  }

  // Renames the entry to uid=newUid; its new DN. `postRead`, when set, receives the entry as
  // renamed (Post-Read control) if the server returns it, else none.
  Result<std::string> renameEntry(const std::string& dn, const std::string& newUid,
                                  const std::string& csn, std::optional<Attributes>* postRead) {
    if (auto fits = checkRdnValue("userName", newUid); !fits) return fits.error();
    return withConnection<std::string>(false, [&](LDAP* ld) -> Result<std::string> {
      const std::string newRdn = makeRdn(profile().userRdnAttribute, newUid);
      std::vector<LDAPControl*> extra;
      ControlPtr readBack;
      if (postRead != nullptr) {
        auto made = postReadControl(entries_.readAttributes());
        if (!made) return made.error();
        readBack = std::move(*made);
        extra.push_back(readBack.get());
        postRead->reset();
      }
      ControlPtr assertion;
      auto controls = writeControls(ld, profile(), csn, assertion, extra);
      if (!controls) return controls.error();
      // Renaming keeps the entry (and its entryUUID, the SCIM id); the old uid value goes.
      int msgid = 0;
      int rc = ldap_rename(ld, dn.c_str(), newRdn.c_str(), nullptr, 1, controls->data(), nullptr,
                           &msgid);
      if (rc == LDAP_SUCCESS) rc = waitResult(ld, msgid, postRead, nullptr);
      if (rc == LDAP_ALREADY_EXISTS || rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness, "userName '" + newUid + "' is taken");
      }
      if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "renaming the user");
      return newRdn + "," + peopleDn();
    });
  }

  // Replaces the attributes' values; `postRead`, when set, receives the entry as modified
  // (Post-Read control) if the server returns it, else none.
  Result<void> modifyEntry(
      const std::string& dn,
      const std::vector<std::pair<std::string, std::vector<std::string>>>& changes,
      const std::string& csn, std::optional<Attributes>* postRead) {
    return withConnection(false, [&](LDAP* ld) -> Result<void> {
      std::vector<Change> list;
      for (const auto& [name, values] : changes) list.push_back({LDAP_MOD_REPLACE, name, values});
      ModList mods(list);
      auto readBack = postReadControl(entries_.readAttributes());
      if (!readBack) return readBack.error();
      ControlPtr assertion;
      auto controls = writeControls(ld, profile(), csn, assertion, {readBack->get()});
      if (!controls) return controls.error();
      int msgid = 0;
      std::string why;
      if (postRead != nullptr) postRead->reset();
      int rc = counted(OpKind::Modify, [&] {
        const int sent =
            ldap_modify_ext(ld, dn.c_str(), mods.get(), controls->data(), nullptr, &msgid);
        return sent == LDAP_SUCCESS ? waitResult(ld, msgid, postRead, &why) : sent;
      });
      if (rc == LDAP_SUCCESS) return {};
      // slapd's unique overlay runs its duplicate search with the request's controls, so a
      // taken value under an Assertion control comes back as assertionFailed ("unique_search
      // failed") rather than constraintViolation.
      if (rc == LDAP_ASSERTION_FAILED && why.find("unique") != std::string::npos) {
        rc = LDAP_CONSTRAINT_VIOLATION;
      }
      if (rc == LDAP_CONSTRAINT_VIOLATION) {
        return makeError(ErrorKind::Uniqueness, "email is already used by another user");
      }
      return errorFromLdap(rc, "updating the user");
    });
  }

  template <typename T>
  Result<T> withConnection(bool retryable, const std::function<Result<T>(LDAP*)>& operation) {
    return detail::withConnection<T>(pool_, retryable, operation);
  }
  Result<void> withConnection(bool retryable, const std::function<Result<void>(LDAP*)>& op) {
    return withConnection<void>(retryable, op);
  }

  std::array<std::mutex, 64> versionGuards_;
  std::shared_ptr<Context> context_;
  Pool& pool_;
  const Containers& containers_;
  UserEntries entries_;
  UserSearch search_;
  UserMemberships memberships_;
};

}  // namespace

namespace detail {

std::unique_ptr<Directory> makeUserDirectory(std::shared_ptr<Context> context,
                                             UserMapping mapping) {
  return std::make_unique<LdapDirectory>(std::move(context), std::move(mapping));
}

}  // namespace detail

}  // namespace scimgate::ldap
