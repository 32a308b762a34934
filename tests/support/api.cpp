#include "support/api.h"

#include <catch2/catch.hpp>

#include "policy/mfa/totp.h"

namespace scimgate::testing {

std::string createUser(const Endpoint& gw, const std::string& name, const std::string& extra) {
  auto reply = gw.request(
      "POST", "/scim/v2/Users",
      R"({"userName":")" + name + R"(","name":{"givenName":"Grace","familyName":"Hopper"},)" +
          R"("emails":[{"value":")" + name + R"(@example.com","primary":true}])" + extra + "}");
  CAPTURE(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

std::string createGroup(const Endpoint& gw, const std::string& name, const std::string& kind) {
  auto reply =
      gw.request("POST", "/scim/v2/Groups",
                 R"({"displayName":")" + name +
                     R"(","urn:scimgate:params:scim:schemas:extension:2.0:Group":{"kind":")" +
                     kind + R"("}})");
  CAPTURE(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

Reply postJson(const Endpoint& gw, const std::string& path, const std::string& body,
               const std::string& token) {
  return gw.request("POST", path, body, token, "application/json");
}

namespace {

std::string loginBody(const std::string& name, const std::string& password,
                      const std::string& code) {
  return R"({"userName":")" + name + R"(","password":")" + password + R"(")" +
         (code.empty() ? "" : R"(,"code":")" + code + R"(")") + "}";
}

}  // namespace

Reply tryLogin(const Endpoint& gw, const std::string& name, const std::string& password,
               const std::map<std::string, std::string>& headers) {
  return gw.requestWith(headers, "POST", "/auth/login", loginBody(name, password, ""), "",
                        "application/json");
}

Reply tryLoginWithCode(const Endpoint& gw, const std::string& name, const std::string& password,
                       const std::string& code) {
  return postJson(gw, "/auth/login", loginBody(name, password, code));
}

std::string totpCodeAt(const std::string& secretBase32, std::chrono::seconds offset) {
  const auto secret = policy::mfa::base32Decode(secretBase32);
  REQUIRE(secret.has_value());
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return policy::mfa::generateTotp(*secret, now + offset);
}

std::string loginAs(const Endpoint& gw, const std::string& name, const std::string& password) {
  auto reply = tryLogin(gw, name, password);
  CAPTURE(reply.body);
  REQUIRE(reply.status == 200);
  return reply.json()->getValue<std::string>("token");
}

std::string person(const Endpoint& gw, const std::string& name, const std::string& role,
                   const std::string& extra) {
  createUser(gw, name,
             R"(,"password":")" + std::string(kPassword) + R"(","roles":[{"value":")" + role +
                 R"("}])" + extra);
  return loginAs(gw, name, kPassword);
}

std::string errorDetail(const Reply& reply) {
  auto json = reply.json();
  return json ? json->optValue<std::string>("detail", "") : "";
}

scim::Result<scim::User> ForwardingDirectory::findUser(std::string_view id) {
  return real_.findUser(id);
}
scim::Result<scim::User> ForwardingDirectory::createUser(
    const scim::User& user, const std::optional<std::string>& password) {
  return real_.createUser(user, password);
}
scim::Result<scim::User> ForwardingDirectory::replaceUser(
    std::string_view id, const scim::User& user, const std::optional<std::string>& password,
    std::string_view ifMatch, const scim::User* current) {
  return real_.replaceUser(id, user, password, ifMatch, current);
}
scim::Result<void> ForwardingDirectory::deleteUser(std::string_view id, std::string_view ifMatch) {
  return real_.deleteUser(id, ifMatch);
}
scim::Result<ldap::UserPage> ForwardingDirectory::searchUsers(const ldap::UserQuery& query) {
  return real_.searchUsers(query);
}
scim::Result<void> ForwardingDirectory::ping() { return real_.ping(); }
scim::Result<std::string> ForwardingDirectory::verifyPassword(std::string_view userName,
                                                              std::string_view password) {
  return real_.verifyPassword(userName, password);
}
scim::Result<void> ForwardingDirectory::setPassword(std::string_view id,
                                                    std::string_view password) {
  return real_.setPassword(id, password);
}
scim::Result<void> ForwardingDirectory::changeOwnPassword(std::string_view userName,
                                                          std::string_view current,
                                                          std::string_view next) {
  return real_.changeOwnPassword(userName, current, next);
}
scim::Result<void> ForwardingDirectory::unlockUser(std::string_view id) {
  return real_.unlockUser(id);
}
scim::Result<std::unique_ptr<ldap::HeldLock>> ForwardingDirectory::lockAdministratorChanges() {
  return real_.lockAdministratorChanges();
}
scim::Result<std::size_t> ForwardingDirectory::countActiveInRole(std::string_view role) {
  return real_.countActiveInRole(role);
}

}  // namespace scimgate::testing
