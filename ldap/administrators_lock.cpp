#include "ldap/detail/administrators_lock.h"

#include <chrono>
#include <thread>

#include "ldap/detail/search.h"
#include "ldap/detail/util.h"

namespace scimgate::ldap::detail {
namespace {

using Clock = std::chrono::system_clock;
constexpr std::chrono::seconds kExpiry{30};
constexpr std::chrono::seconds kPatience{5};
constexpr char kExpiresPrefix[] = "scimgate administrators lock, expires ";

std::int64_t unixSeconds(Clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

class AdministratorsLease final : public HeldLock {
 public:
  AdministratorsLease(Pool& pool, std::string dn) : pool_(pool), dn_(std::move(dn)) {}
  ~AdministratorsLease() override {
    // A lock that cannot be removed expires on its own.
    (void)withConnection<void>(pool_, true, [&](LDAP* ld) -> Result<void> {
      const int rc = counted(OpKind::Delete,
                             [&] { return ldap_delete_ext_s(ld, dn_.c_str(), nullptr, nullptr); });
      if (rc == LDAP_SUCCESS || rc == LDAP_NO_SUCH_OBJECT) return {};
      return errorFromLdap(rc, "releasing the Administrators lock");
    });
  }
  AdministratorsLease(const AdministratorsLease&) = delete;
  AdministratorsLease& operator=(const AdministratorsLease&) = delete;

 private:
  Pool& pool_;
  std::string dn_;
};

// LDAP_SUCCESS when this caller added the lock entry, LDAP_ALREADY_EXISTS when it is taken.
Result<int> tryAdd(Pool& pool, const std::string& dn) {
  return withConnection<int>(pool, true, [&](LDAP* ld) -> Result<int> {
    const std::string expires =
        kExpiresPrefix + std::to_string(unixSeconds(Clock::now() + kExpiry));
    ModList mods({{LDAP_MOD_ADD, "objectClass", {"organizationalRole"}},
                  {LDAP_MOD_ADD, "cn", {"scimgate-administrators-lock"}},
                  {LDAP_MOD_ADD, "description", {expires}}});
    const int rc = counted(
        OpKind::Add, [&] { return ldap_add_ext_s(ld, dn.c_str(), mods.get(), nullptr, nullptr); });
    if (rc == LDAP_SUCCESS || rc == LDAP_ALREADY_EXISTS) return rc;
    return errorFromLdap(rc, "taking the Administrators lock");
  });
}

// Removes the lock entry when it has expired (its holder died), unless it changed meanwhile.
Result<void> breakExpired(Pool& pool, const std::string& dn) {
  std::vector<std::string> attributes = pool.settings().profile.versionAttributes();
  attributes.push_back("description");
  auto found = search(pool, {.base = dn,
                             .scope = LDAP_SCOPE_BASE,
                             .attributes = attributes,
                             .context = "reading the Administrators lock"});
  if (!found) return found.error();
  if (found->empty()) return {};  // released meanwhile
  const std::string description = firstOf(found->front().attributes, "description");
  std::int64_t expires = 0;
  if (description.rfind(kExpiresPrefix, 0) == 0) {
    try {
      expires = std::stoll(description.substr(sizeof(kExpiresPrefix) - 1));
    } catch (const std::exception&) {
      expires = 0;  // unreadable: treat as expired
    }
  }
  if (expires > unixSeconds(Clock::now())) return {};
  // Without the Assertion control (Profile::assertionControl) a lock taken again between this
  // read and the delete is removed too: its holder's changes may then overlap another's.
  const std::string csn = versionOf(pool.settings().profile, found->front().attributes);
  return withConnection<void>(pool, true, [&](LDAP* ld) -> Result<void> {
    ControlPtr assertion;
    auto controls = writeControls(ld, pool.settings().profile, csn, assertion);
    if (!controls) return controls.error();
    const int rc = counted(OpKind::Delete, [&] {
      return ldap_delete_ext_s(ld, dn.c_str(), controls->data(), nullptr);
    });
    if (rc == LDAP_SUCCESS || rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_ASSERTION_FAILED) return {};
    return errorFromLdap(rc, "breaking an expired Administrators lock");
  });
}

}  // namespace

Result<std::unique_ptr<HeldLock>> lockAdministrators(Pool& pool, const Containers& containers) {
  const std::string dn = "cn=scimgate-administrators-lock," + containers.roles;
  const auto giveUp = std::chrono::steady_clock::now() + kPatience;
  for (auto pause = std::chrono::milliseconds(5);;
       pause = std::min(pause * 2, std::chrono::milliseconds(100))) {
    auto added = tryAdd(pool, dn);
    if (!added) return added.error();
    if (*added == LDAP_SUCCESS)
      return std::unique_ptr<HeldLock>(std::make_unique<AdministratorsLease>(pool, dn));
    if (auto broken = breakExpired(pool, dn); !broken) return broken.error();
    if (std::chrono::steady_clock::now() >= giveUp) {
      return makeError(ErrorKind::Unavailable,
                       "another change that may remove an Administrator is in progress; try again");
    }
    std::this_thread::sleep_for(pause);
  }
}

}  // namespace scimgate::ldap::detail
