#pragma once
// What gateway tests do over and over: create users and groups, log people in, read an error's
// detail, and put a decorator in front of the real directory.

#include <chrono>
#include <string>
#include <string_view>

#include "ldap/directory.h"
#include "support/gateway.h"

namespace scimgate::testing {

/// The password every test person gets (meets the default rules).
inline constexpr char kPassword[] = "Correct-Horse-42!";

/// Creates a user through the gateway (name, primary email <name>@example.com, `extra` appended
/// to the JSON object, e.g. `,"active":false`); fails the test unless 201. Returns the id.
std::string createUser(const Endpoint& gw, const std::string& name, const std::string& extra = "");
/// Creates a group of that kind ("queue", "account", "group"); returns the id.
std::string createGroup(const Endpoint& gw, const std::string& name, const std::string& kind);
/// Logs a person in; fails the test unless 200. Returns the session token.
std::string loginAs(const Endpoint& gw, const std::string& name, const std::string& password);
/// A POST of a JSON body (application/json, as the console and people's browsers send); `token`
/// "" sends no Authorization header.
Reply postJson(const Endpoint& gw, const std::string& path, const std::string& body,
               const std::string& token = "");
/// POST /auth/login with this userName and password (as a person's browser sends it).
Reply tryLogin(const Endpoint& gw, const std::string& name, const std::string& password,
               const std::map<std::string, std::string>& headers = {});
/// POST /auth/login with this userName, password and, unless "", second-factor code.
Reply tryLoginWithCode(const Endpoint& gw, const std::string& name, const std::string& password,
                       const std::string& code = "");
/// The RFC 6238 code of a base32 TOTP secret at now + `offset`.
std::string totpCodeAt(const std::string& secretBase32, std::chrono::seconds offset);
/// A person with kPassword and that role, logged in: their session token.
std::string person(const Endpoint& gw, const std::string& name, const std::string& role,
                   const std::string& extra = "");
/// The "detail" of an error answer ("" when there is none).
std::string errorDetail(const Reply& reply);

/// A directory that hands every call to the real one: decorators for faults the directory cannot
/// produce on demand derive from it and override only what they change.
class ForwardingDirectory : public ldap::Directory {
 public:
  explicit ForwardingDirectory(ldap::Directory& real) : real_(real) {}

  scim::Result<scim::User> findUser(std::string_view id) override;
  scim::Result<scim::User> createUser(const scim::User& user,
                                      const std::optional<std::string>& password) override;
  scim::Result<scim::User> replaceUser(std::string_view id, const scim::User& user,
                                       const std::optional<std::string>& password,
                                       std::string_view ifMatch,
                                       const scim::User* current) override;
  scim::Result<void> deleteUser(std::string_view id, std::string_view ifMatch) override;
  scim::Result<ldap::UserPage> searchUsers(const ldap::UserQuery& query) override;
  scim::Result<void> ping() override;
  scim::Result<std::string> verifyPassword(std::string_view userName,
                                           std::string_view password) override;
  scim::Result<void> setPassword(std::string_view id, std::string_view password) override;
  scim::Result<void> changeOwnPassword(std::string_view userName, std::string_view current,
                                       std::string_view next) override;
  scim::Result<void> unlockUser(std::string_view id) override;
  scim::Result<std::unique_ptr<ldap::HeldLock>> lockAdministratorChanges() override;
  scim::Result<std::size_t> countActiveInRole(std::string_view role) override;

 protected:
  ldap::Directory& real_;
};

}  // namespace scimgate::testing
