// Caller identification (gateway/access) for provisioning clients: no directory is involved, and
// the one given here fails the test if anything asks it.

#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Timestamp.h>

#include <catch2/catch.hpp>

#include "config/config.h"
#include "gateway/access.h"
#include "ldap/directory.h"

namespace config = scimgate::config;
namespace gateway = scimgate::gateway;
namespace ldap = scimgate::ldap;
namespace scim = scimgate::scim;
using scimgate::ErrorKind;

namespace {

// Machine clients are identified from the configuration alone.
class UntouchedDirectory final : public ldap::Directory {
 public:
  template <typename T>
  static scim::Result<T> touched() {
    FAIL("identifying a provisioning client read the directory");
    return scim::makeError(ErrorKind::Internal, "touched");
  }
  scim::Result<scim::User> findUser(std::string_view) override { return touched<scim::User>(); }
  scim::Result<scim::User> createUser(const scim::User&,
                                      const std::optional<std::string>&) override {
    return touched<scim::User>();
  }
  scim::Result<scim::User> replaceUser(std::string_view, const scim::User&,
                                       const std::optional<std::string>&, std::string_view,
                                       const scim::User*) override {
    return touched<scim::User>();
  }
  scim::Result<void> deleteUser(std::string_view, std::string_view) override {
    FAIL("touched");
    return {};
  }
  scim::Result<ldap::UserPage> searchUsers(const ldap::UserQuery&) override {
    return touched<ldap::UserPage>();
  }
  scim::Result<void> ping() override { return {}; }
  scim::Result<std::string> verifyPassword(std::string_view, std::string_view) override {
    return touched<std::string>();
  }
  scim::Result<void> setPassword(std::string_view, std::string_view) override {
    FAIL("touched");
    return {};
  }
  scim::Result<void> changeOwnPassword(std::string_view, std::string_view,
                                       std::string_view) override {
    FAIL("touched");
    return {};
  }
  scim::Result<void> unlockUser(std::string_view) override {
    FAIL("touched");
    return {};
  }
  scim::Result<std::unique_ptr<ldap::HeldLock>> lockAdministratorChanges() override {
    return touched<std::unique_ptr<ldap::HeldLock>>();
  }
  scim::Result<std::size_t> countActiveInRole(std::string_view) override {
    return touched<std::size_t>();
  }
};

constexpr char kSecret[] = "a-shared-secret-of-at-least-32-bytes!!";

std::string jwt(const std::string& issuer, const std::string& audience, long lifetime,
                const std::string& key = kSecret) {
  Poco::JWT::Token token;
  token.setIssuer(issuer);
  token.setAudience(audience);
  token.setSubject("client");
  Poco::Timestamp now;
  token.setIssuedAt(now);
  token.setExpiration(now + lifetime * Poco::Timestamp::resolution());
  return Poco::JWT::Signer(key).sign(token, Poco::JWT::Signer::ALGO_HS256);
}

}  // namespace

TEST_CASE("provisioning clients are identified by token or JWT, with their role and scope",
          "[gateway][access]") {
  config::Config cfg;
  cfg.tokens.push_back({"entra", config::sha256Hex("entra-token-123"), "Administrator", {"*"}});
  cfg.tokens.push_back({"tenant", config::sha256Hex("tenant-token-456"), "Manager", {"acme"}});
  config::JwtClientSettings client;
  client.name = "okta-oauth";
  client.issuer = "https://idp.example.com";
  client.audience = "scimgate";
  client.algorithm = "HS256";
  client.secret = kSecret;
  client.role = "Agent";
  cfg.jwtClients.push_back(client);
  UntouchedDirectory directory;
  gateway::Access access(cfg, directory);

  SECTION("static tokens") {
    auto entra = access.identify("Bearer entra-token-123");
    REQUIRE(entra.ok());
    CHECK(entra->name == "entra");
    CHECK(entra->principal.role == scimgate::policy::Role::Administrator);
    CHECK(entra->principal.allAccounts);
    CHECK_FALSE(entra->isPerson());
    auto tenant = access.identify("bearer   tenant-token-456 ");
    REQUIRE(tenant.ok());
    CHECK(tenant->principal.role == scimgate::policy::Role::Manager);
    CHECK_FALSE(tenant->principal.allAccounts);
    CHECK(tenant->principal.accounts == std::set<std::string>{"acme"});
  }
  SECTION("JWT clients: issuer, audience, expiry and key are checked") {
    auto good = access.identify("Bearer " + jwt("https://idp.example.com", "scimgate", 300));
    REQUIRE(good.ok());
    CHECK(good->name == "okta-oauth");
    CHECK(good->principal.role == scimgate::policy::Role::Agent);
    for (const auto& bad :
         {jwt("https://evil.example.com", "scimgate", 300),
          jwt("https://idp.example.com", "other", 300),
          jwt("https://idp.example.com", "scimgate", -600),
          jwt("https://idp.example.com", "scimgate", 300, "another-key-entirely-0123456789ab")}) {
      CHECK(access.identify("Bearer " + bad).error().kind == ErrorKind::Unauthorized);
    }
  }
  SECTION("anything else is one Unauthorized") {
    for (const char* header :
         {"", "Bearer", "Basic ZW50cmE6eA==", "Bearer entra-token-12", "Bearer a.b.c"}) {
      auto caller = access.identify(header);
      REQUIRE_FALSE(caller.ok());
      CHECK(caller.error().kind == ErrorKind::Unauthorized);
      CHECK(caller.error().detail ==
            "a valid bearer token is required (Authorization: Bearer ...)");
    }
  }
  SECTION("a session token is signed by the gateway and names a person") {
    const std::string session = access.issueSession("0b6f-user");
    CHECK(std::count(session.begin(), session.end(), '.') == 2);
    CHECK(access.sessionSeconds() == cfg.auth.sessionSeconds);
  }
}
