#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "gateway/facts.h"
#include "gateway/reply.h"
#include "gateway/request.h"
#include "gateway/services.h"
#include "policy/changes.h"
#include "policy/permissions.h"
#include "scim/user.h"

namespace scimgate::gateway {

// The user a request acts on, and the facts about it that need the directory.

/// The facts policy needs about an existing user, for this caller; the Administrator count is
/// read from the directory when the user is an active Administrator.
scim::Result<policy::Target> targetOf(Services& services, const Caller& caller,
                                      const scim::User& user);

/// What removing these members from the Administrator role group takes away; unknown counts when
/// the directory cannot tell (the policy then refuses).
policy::AdministratorFacts administratorFactsOf(Services& services,
                                                const std::vector<std::string>& remove);

/// A user a request acts on, with the facts about it.
struct Loaded {
  scim::User user;
  policy::Target target;
  /// Held until the request is done when the write may take an Administrator away.
  std::shared_ptr<ldap::HeldLock> administratorsLock;
};

/// Whether a request of this kind on this target may take an Administrator away, so that it must
/// count them and write under the directory's Administrators lock: every deletion (the user may
/// have become an Administrator since it was read), and other user writes when the user is an
/// active Administrator.
bool mayRemoveAdministrator(policy::Operation operation, const policy::Target& target);

/// Takes the Administrators lock and reads the user and its facts again under it (what was read
/// before may be stale). The loaded user with the lock, or the reply to send.
std::variant<Loaded, Reply> reloadLocked(Services& services, Request& request, Loaded loaded);

/// Loads the user a request acts on, after checking the caller may do `operation` at all (403
/// whether or not the user exists) and that the user is in the caller's scope (else 404). The
/// refusal or error is returned as the reply to send. When the request may take an Administrator
/// away (mayRemoveAdministrator), the user is loaded under the Administrators lock.
std::variant<Loaded, Reply> loadTarget(Services& services, Request& request, const std::string& id,
                                       policy::Operation operation);

/// The password rules (issue #5): one 400 invalidValue listing every unmet rule, or nullopt.
/// With `confirmation`, the confirmation must match too.
std::optional<scim::Error> passwordProblems(const Services& services, const std::string& password,
                                            const scim::UserFacts& user,
                                            const std::string* confirmation = nullptr);

/// The refusal of a password sent where one's own password cannot be set.
scim::Error ownPasswordHere();

}  // namespace scimgate::gateway
