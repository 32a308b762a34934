#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <set>
#include <string>

namespace scimgate::scim {

/// A user's account state as the directory reports it (the extension's read-only `status`).
enum class UserStatus { Active, Inactive, Pending };

/// The facts about a User that decisions are made on, read once from its canonical attributes
/// (scim::User::attributes or a parsed request body), so that nobody digs them out by string key.
struct UserFacts {
  std::string userName;
  /// `roles[].value` as written (not checked against the configured names); nullopt when the
  /// attributes have no `roles` at all (for a write: "leave the roles as they are").
  std::optional<std::set<std::string>> roles;
  /// The extension's `accounts[].value`, lower-cased (ids compare without case); nullopt when the
  /// attributes carry no accounts list (for a write: "leave the accounts as they are").
  std::optional<std::set<std::string>> accounts;
  /// The `active` attribute when it is a boolean (what a write asks for); nullopt otherwise.
  std::optional<bool> active;
  /// The extension's `status` (what the directory says); Active when it is missing or unknown.
  UserStatus status = UserStatus::Active;
  /// The primary email, else the first one; "" when there is none.
  std::string primaryEmail;
  std::string givenName;
  std::string familyName;
  std::string displayName;

  bool isInactive() const { return status == UserStatus::Inactive; }
};

/// Reads the facts; never fails (values of the wrong type count as absent).
UserFacts userFactsOf(const Poco::JSON::Object& attributes);

}  // namespace scimgate::scim
