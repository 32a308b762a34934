// TLS to the directory (issue #17 item 2): each case starts its own slapd with a test CA
// (tools/slapd-env.sh start --tls), whose certificate names localhost and no IP address.
#include <ldap.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "ldap/directory.h"
#include "ldap/settings.h"
#include "support/slapd.h"

namespace scimgate {
namespace {

using testing::PrivateSlapd;
using testing::SlapdEnv;
using testing::SlapdTls;

// `url` with its host replaced by `host` (ldaps://localhost:N -> ldaps://127.0.0.1:N).
std::string withHost(const std::string& url, const std::string& host) {
  const auto start = url.find("://") + 3;
  const auto end = url.find(':', start);
  REQUIRE(end != std::string::npos);
  return url.substr(0, start) + host + url.substr(end);
}

// The gateway's settings for this slapd over `uri`, trusting its test CA.
ldap::Settings tlsSettings(const SlapdEnv& env, const std::string& uri) {
  ldap::Settings settings = env.ldapSettings();
  settings.uris = {uri};
  settings.tlsCaFile = env.tlsCaFile;
  return settings;
}

// Binds (a pooled connection) and searches the users: the demo administrator is there.
void requireWorks(const ldap::Settings& settings) {
  auto users = ldap::makeLdapDirectories(settings).users;
  auto page = users->searchUsers(ldap::UserQuery{});
  if (!page.ok()) FAIL(page.error().detail);
  REQUIRE(page->totalResults == 1);
  CHECK(page->users.front().attributes->getValue<std::string>("userName") == "demo-admin");
}

// Refused before any bind: Unavailable, with the reason in the detail.
std::string requireRefused(const ldap::Settings& settings) {
  auto users = ldap::makeLdapDirectories(settings).users;
  auto ping = users->ping();
  REQUIRE_FALSE(ping.ok());
  CHECK(ping.error().kind == scim::ErrorKind::Unavailable);
  INFO(ping.error().detail);
  CHECK(ping.error().detail.find("TLS failed") != std::string::npos);
  return ping.error().detail;
}

// A CA of its own in `dir`, which signed nothing the slapd has.
std::string makeForeignCa(const std::string& dir) {
  const std::string ca = dir + "/foreign-ca.pem";
  const std::string command =
      "openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '" + dir +
      "/foreign-ca-key.pem' -out '" + ca +
      "' -days 1 -subj '/CN=scimgate foreign test CA' > /dev/null 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  return ca;
}

// Sets an environment variable for the life of the object, then removes it.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnvironment() { ::unsetenv(name_); }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  const char* name_;
};

}  // namespace

TEST_CASE("over ldaps:// the gateway works with a certificate of the configured CA naming the host",
          "[ldap][slapd][openldap][tls]") {
  const PrivateSlapd slapd("tls-ldaps", false, SlapdTls::Offered);
  const SlapdEnv& env = slapd.env();
  REQUIRE(env.ldapsUrl.rfind("ldaps://localhost:", 0) == 0);
  requireWorks(tlsSettings(env, env.ldapsUrl));
}

TEST_CASE("over ldaps:// a host the certificate does not name is refused, saying why",
          "[ldap][slapd][openldap][tls]") {
  const PrivateSlapd slapd("tls-hostname", false, SlapdTls::Offered);
  const SlapdEnv& env = slapd.env();
  // The same server and CA: only the name differs (the certificate holds no IP address).
  const std::string detail = requireRefused(tlsSettings(env, withHost(env.ldapsUrl, "127.0.0.1")));
  CHECK(detail.find("ldaps://127.0.0.1:") != std::string::npos);
  CHECK(detail.find("certificate was refused") != std::string::npos);
  CHECK(detail.find("name the host as the URI writes it") != std::string::npos);
}

TEST_CASE("StartTLS works on ldap://localhost and is refused on ldap://127.0.0.1",
          "[ldap][slapd][openldap][tls]") {
  const PrivateSlapd slapd("tls-starttls", false, SlapdTls::Offered);
  const SlapdEnv& env = slapd.env();
  SECTION("localhost: the name in the certificate") {
    ldap::Settings settings = tlsSettings(env, withHost(env.url, "localhost"));
    settings.startTls = true;
    requireWorks(settings);
  }
  SECTION("127.0.0.1: not in the certificate") {
    ldap::Settings settings = tlsSettings(env, env.url);
    REQUIRE(env.url.rfind("ldap://127.0.0.1:", 0) == 0);
    settings.startTls = true;
    const std::string detail = requireRefused(settings);
    CHECK(detail.find("StartTLS failed") != std::string::npos);
    CHECK(detail.find("certificate was refused") != std::string::npos);
  }
  SECTION("without StartTLS the same URI stays plain LDAP, which this slapd also serves") {
    requireWorks(env.ldapSettings());
  }
}

TEST_CASE("a directory certificate the configured CA did not sign is refused",
          "[ldap][slapd][openldap][tls]") {
  const PrivateSlapd slapd("tls-foreign-ca", false, SlapdTls::Offered);
  const SlapdEnv& env = slapd.env();
  ldap::Settings settings = tlsSettings(env, env.ldapsUrl);
  SECTION("another CA in ldap.tls.caFile") {
    settings.tlsCaFile = makeForeignCa(env.dir);
    CHECK(requireRefused(settings).find("certificate was refused") != std::string::npos);
    SECTION("and StartTLS alike") {
      settings.uris = {withHost(env.url, "localhost")};
      settings.startTls = true;
      requireRefused(settings);
    }
  }
  SECTION("no ldap.tls.caFile: the system's CAs, which did not sign it either") {
    settings.tlsCaFile.clear();
    requireRefused(settings);
  }
}

TEST_CASE("the certificate is demanded even where libldap's process-wide default says never",
          "[ldap][slapd][openldap][tls]") {
  // libldap reads LDAPTLS_REQCERT (like ldap.conf's TLS_REQCERT) once, at its first use in the
  // process: first thing here, as CTest runs each case in a process of its own.
  const ScopedEnvironment lenient("LDAPTLS_REQCERT", "never");
  int processDefault = -1;
  REQUIRE(ldap_get_option(nullptr, LDAP_OPT_X_TLS_REQUIRE_CERT, &processDefault) ==
          LDAP_OPT_SUCCESS);
  {
    INFO("libldap was used before this case in this process: run it alone");
    REQUIRE(processDefault == LDAP_OPT_X_TLS_NEVER);
  }

  const PrivateSlapd slapd("tls-reqcert", false, SlapdTls::Offered);
  const SlapdEnv& env = slapd.env();
  SECTION("no ldap.tls.caFile: the system's CAs, which did not sign it") {
    ldap::Settings settings = tlsSettings(env, env.ldapsUrl);
    settings.tlsCaFile.clear();
    requireRefused(settings);
  }
  SECTION("a host the certificate does not name") {
    requireRefused(tlsSettings(env, withHost(env.ldapsUrl, "127.0.0.1")));
  }
}

TEST_CASE("a directory demanding a client certificate accepts the gateway only with one",
          "[ldap][slapd][openldap][tls]") {
  const PrivateSlapd slapd("tls-client-cert", false, SlapdTls::ClientCertDemanded);
  const SlapdEnv& env = slapd.env();
  REQUIRE(std::filesystem::exists(env.tlsClientCertFile));
  REQUIRE(std::filesystem::exists(env.tlsClientKeyFile));
  ldap::Settings settings = tlsSettings(env, env.ldapsUrl);
  SECTION("without ldap.tls.certFile: refused") {
    const std::string detail = requireRefused(settings);
    CHECK(detail.find("refused the handshake") != std::string::npos);
    CHECK(detail.find("client certificate") != std::string::npos);
  }
  SECTION("with ldap.tls.certFile and keyFile: works, over ldaps:// and StartTLS") {
    settings.tlsCertFile = env.tlsClientCertFile;
    settings.tlsKeyFile = env.tlsClientKeyFile;
    requireWorks(settings);
    settings.uris = {withHost(env.url, "localhost")};
    settings.startTls = true;
    requireWorks(settings);
  }
  SECTION("a key that does not match the certificate: the settings are refused, saying so") {
    settings.tlsCertFile = env.tlsClientCertFile;
    settings.tlsKeyFile = env.dir + "/tls/key.pem";  // the server's key
    auto ping = ldap::makeLdapDirectories(settings).users->ping();
    REQUIRE_FALSE(ping.ok());
    CHECK(ping.error().kind == scim::ErrorKind::Unavailable);
    CHECK(ping.error().detail.find("TLS settings cannot be used") != std::string::npos);
  }
}

}  // namespace scimgate
