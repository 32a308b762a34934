#pragma once
// libldap helpers shared by the user and group directories. Internal to ldap/.

#include <ldap.h>

#include <cctype>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ldap/detail/pool.h"
#include "ldap/detail/text.h"
#include "ldap/escape.h"
#include "ldap/mapping.h"
#include "scim/result.h"

namespace scimgate::ldap::detail {

using scim::ErrorKind;
using scim::makeError;
using scim::Result;

// The first value of an attribute, or "".
inline std::string firstOf(const Attributes& attributes, const std::string& name) {
  auto it = attributes.find(name);
  return it == attributes.end() || it->second.empty() ? std::string() : it->second.front();
}

// The SCIM id of an entry read with the profile's id attribute: RFC 4122 text, lower case.
inline std::string idOf(const Profile& profile, const Attributes& attributes) {
  return profile.idFromDirectory(firstOf(attributes, profile.idAttribute));
}

// The filter finding the entry with this SCIM id; "" when `id` cannot be one (not found).
inline std::string idFilter(const Profile& profile, std::string_view id) {
  return profile.filterForId(id);
}

// The entry's version, as its ETag shows it.
inline std::string versionOf(const Profile& profile, const Attributes& attributes) {
  return profile.versionFrom([&](const std::string& name) { return firstOf(attributes, name); });
}

inline std::string diagnostic(LDAP* ld) {
  char* message = nullptr;
  ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message);
  std::string text = message != nullptr ? message : "";
  ldap_memfree(message);
  return text;
}

// One entry of a search result, as attribute -> values, and its DN.
struct RawEntry {
  std::string dn;
  Attributes attributes;
};

inline RawEntry readEntry(LDAP* ld, LDAPMessage* entry) {
  RawEntry out;
  if (char* dn = ldap_get_dn(ld, entry)) {
    out.dn = dn;
    ldap_memfree(dn);
  }
  BerElement* ber = nullptr;
  for (char* name = ldap_first_attribute(ld, entry, &ber); name != nullptr;
       name = ldap_next_attribute(ld, entry, ber)) {
    berval** values = ldap_get_values_len(ld, entry, name);
    auto& target = out.attributes[name];
    for (int i = 0; values != nullptr && values[i] != nullptr; ++i) {
      target.emplace_back(values[i]->bv_val, values[i]->bv_len);
    }
    ldap_value_free_len(values);
    ldap_memfree(name);
  }
  if (ber != nullptr) ber_free(ber, 0);
  return out;
}

// The CSN inside an ETag (`W/"csn"` or `"csn"`); "" for "*" or nothing.
inline std::string csnFromEtag(std::string_view etag) {
  std::string_view text = etag;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text == "*") return {};
  if (text.rfind("W/", 0) == 0) text.remove_prefix(2);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  return std::string(text);
}

// If-Match against the entry just read: PreconditionFailed naming the `kind` of resource ("user",
// "group") when `csn` (csnFromEtag's; "" = no condition) is not the entry's version.
inline Result<void> matchesVersion(const Profile& profile, const Attributes& attributes,
                                   const std::string& csn, std::string_view kind) {
  if (csn.empty() || versionOf(profile, attributes) == csn) return {};
  return makeError(
      ErrorKind::PreconditionFailed,
      "the " + std::string(kind) + " changed since that ETag was issued; read it again");
}

struct ControlDeleter {
  void operator()(LDAPControl* control) const { ldap_control_free(control); }
};
using ControlPtr = std::unique_ptr<LDAPControl, ControlDeleter>;

// RFC 4528 Assertion control: the operation only applies while the entry's version is unchanged.
inline Result<ControlPtr> assertionControl(LDAP* ld, const Profile& profile,
                                           const std::string& csn) {
  std::string filter = profile.filterForVersion(csn);
  LDAPControl* control = nullptr;
  const int rc = ldap_create_assertion_control(ld, filter.data(), 1, &control);
  if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "preparing the ETag check");
  return ControlPtr(control);
}

// RFC 4527 Post-Read control asking for `attributes`.
inline Result<ControlPtr> postReadControl(const std::vector<std::string>& attributes) {
  BerElement* ber = ber_alloc_t(LBER_USE_DER);
  if (ber == nullptr) return makeError(ErrorKind::Internal, "out of memory");
  std::vector<std::string> names = attributes;
  std::vector<char*> pointers;
  for (auto& n : names) pointers.push_back(n.data());
  pointers.push_back(nullptr);
  berval value{0, nullptr};
  const bool ok =
      ber_printf(ber, "{v}", pointers.data()) != -1 && ber_flatten2(ber, &value, 1) != -1;
  ber_free(ber, 1);
  if (!ok) return makeError(ErrorKind::Internal, "cannot encode the post-read control");
  LDAPControl* control = nullptr;
  const int rc = ldap_control_create(LDAP_CONTROL_POST_READ, 0, &value, 1, &control);
  ber_memfree(value.bv_val);
  if (rc != LDAP_SUCCESS) return errorFromLdap(rc, "preparing the post-read control");
  return ControlPtr(control);
}

// RFC 4527: the control value is a SearchResultEntry (dn and attributes).
inline std::optional<Attributes> parsePostRead(LDAPControl* control) {
  if (control == nullptr) return std::nullopt;
  BerElement* ber = ber_init(&control->ldctl_value);
  if (ber == nullptr) return std::nullopt;
  Attributes out;
  berval dn{0, nullptr};
  bool ok = ber_scanf(ber, "{m{" /*}}*/, &dn) != LBER_ERROR;
  berval name{0, nullptr};
  while (ok && ber_scanf(ber, "{m" /*}*/, &name) != LBER_ERROR) {
    BerVarray values = nullptr;
    if (ber_scanf(ber, "[W]", &values) == LBER_ERROR) break;
    auto& target = out[std::string(name.bv_val, name.bv_len)];
    for (int i = 0; values != nullptr && values[i].bv_val != nullptr; ++i) {
      target.emplace_back(values[i].bv_val, values[i].bv_len);
    }
    ber_bvarray_free(values);
    if (ber_scanf(ber, /*{*/ "}") == LBER_ERROR) break;
  }
  ber_free(ber, 1);
  if (!ok) return std::nullopt;
  return out;
}

// Waits for the result of an asynchronous operation; returns its code and, if asked, the
// server's Post-Read entry.
inline int waitResult(LDAP* ld, int msgid, std::optional<Attributes>* postRead,
                      std::string* diagnostic) {
  LDAPMessage* raw = nullptr;
  if (ldap_result(ld, msgid, LDAP_MSG_ALL, nullptr, &raw) <= 0) {
    int rc = LDAP_SERVER_DOWN;
    ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
    return rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc;
  }
  MessagePtr message(raw);
  int rc = LDAP_OTHER;
  char* text = nullptr;
  LDAPControl** controls = nullptr;
  if (ldap_parse_result(ld, message.get(), &rc, nullptr, &text, nullptr, &controls, 0) !=
      LDAP_SUCCESS) {
    return LDAP_OTHER;
  }
  if (diagnostic != nullptr && text != nullptr) *diagnostic = text;
  ldap_memfree(text);
  if (postRead != nullptr && controls != nullptr) {
    *postRead = parsePostRead(ldap_control_find(LDAP_CONTROL_POST_READ, controls, nullptr));
  }
  ldap_controls_free(controls);
  return rc;
}

// NULL-terminated char* arrays for libldap, owning their strings.
class CStrings {
 public:
  explicit CStrings(const std::vector<std::string>& values) : values_(values) {
    for (auto& v : values_) pointers_.push_back(v.data());
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }

 private:
  std::vector<std::string> values_;
  std::vector<char*> pointers_;
};

/// One LDAP modification: operation (LDAP_MOD_ADD / DELETE / REPLACE), attribute, values.
struct Change {
  int op;
  std::string attribute;
  std::vector<std::string> values;
};

/// The NULL-terminated LDAPMod array libldap's add and modify take, owning everything it points
/// to.
// Values go as bervals (LDAP_MOD_BVALUES): binary ones, such as AD's UTF-16 unicodePwd, may
// hold NUL bytes.
class ModList {
 public:
  explicit ModList(const std::vector<Change>& changes) : changes_(changes), mods_(changes.size()) {
    for (std::size_t i = 0; i < changes_.size(); ++i) {
      auto& values = values_.emplace_back();
      for (auto& value : changes_[i].values) {
        values.push_back(berval{static_cast<ber_len_t>(value.size()), value.data()});
      }
      auto& pointers = valuePointers_.emplace_back();
      for (auto& value : values) pointers.push_back(&value);
      pointers.push_back(nullptr);
      mods_[i].mod_op = changes_[i].op | LDAP_MOD_BVALUES;
      mods_[i].mod_type = changes_[i].attribute.data();
      mods_[i].mod_bvalues = pointers.data();
      pointers_.push_back(&mods_[i]);
    }
    pointers_.push_back(nullptr);
  }
  ModList(const ModList&) = delete;
  ModList& operator=(const ModList&) = delete;

  LDAPMod** get() { return pointers_.data(); }

 private:
  std::vector<Change> changes_;
  std::deque<std::vector<berval>> values_;  // a deque: its elements never move
  std::deque<std::vector<berval*>> valuePointers_;
  std::vector<LDAPMod> mods_;
  std::vector<LDAPMod*> pointers_;
};

/// Runs an operation on a connection of `pool` (see withConnection).
template <typename T>
Result<T> withConnectionOn(Pool& pool, bool retryable,
                           const std::function<Result<T>(LDAP*)>& operation) {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool.acquire();
    if (!lease) return lease.error();
    int rc = LDAP_SUCCESS;
    auto result = operation(lease->get());
    ldap_get_option(lease->get(), LDAP_OPT_RESULT_CODE, &rc);
    if (!isConnectionLost(rc)) return result;
    // A timed-out operation leaves its request pending on the connection: never reuse it. A
    // directory that let it time out is hung: fail fast until it answers again.
    if (rc == LDAP_TIMEOUT) pool.noteUnresponsive();
    lease->discard();
    if (!retryable || attempt > 0) return result;
  }
}

/// Runs an operation on a pooled connection. A lost connection is discarded; read-only
/// operations (`retryable`) are retried once on a fresh one (writes are not: they may have been
/// applied). A read-only operation goes to a replica when the thread's ldap::ReplicaReads allows
/// it, and to the providers when the replica is unavailable.
template <typename T>
Result<T> withConnection(Pool& pool, bool retryable,
                         const std::function<Result<T>(LDAP*)>& operation) {
  if (retryable) {
    if (Pool* replica = pool.replicaForRead()) {
      auto result = withConnectionOn<T>(*replica, true, operation);
      if (result.ok() || result.error().kind != scim::ErrorKind::Unavailable) {
        pool.stats().replicaReads.fetch_add(1, std::memory_order_relaxed);
        return result;
      }
      pool.stats().providerReads.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return withConnectionOn<T>(pool, retryable, operation);
}

/// The request controls for a write: the Assertion control when `csn` is set and the directory
/// has it (its ownership goes to `holder`), then `extra`, NULL-terminated for libldap. Without
/// the control the caller has compared the version it read: see Profile::assertionControl.
inline Result<std::vector<LDAPControl*>> writeControls(LDAP* ld, const Profile& profile,
                                                       const std::string& csn, ControlPtr& holder,
                                                       std::vector<LDAPControl*> extra = {}) {
  std::vector<LDAPControl*> controls;
  if (!csn.empty() && profile.assertionControl) {
    auto made = assertionControl(ld, profile, csn);
    if (!made) return made.error();
    holder = std::move(*made);
    controls.push_back(holder.get());
  }
  controls.insert(controls.end(), extra.begin(), extra.end());
  controls.push_back(nullptr);
  return controls;
}

}  // namespace scimgate::ldap::detail
