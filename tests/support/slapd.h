#pragma once

#include <map>
#include <string>
#include <vector>

#include "ldap/settings.h"

namespace scimgate::testing {

/// A running throwaway slapd, as described by the env file tools/slapd-env.sh writes.
struct SlapdEnv {
  std::string dir;
  std::string url;
  std::string suffix;
  std::string bindDn;
  std::string bindPassword;
  std::string rootDn;
  std::string rootPassword;
  std::string profile = "openldap";  // SLAPD_PROFILE: which directory product this is
  std::string ldapsUrl;              // SLAPD_LDAPS_URL, where the directory offers one
  std::string tlsCaFile;             // SLAPD_TLS_CA: the CA of its certificate
  std::string tlsClientCertFile;     // SLAPD_TLS_CLIENT_CERT, SLAPD_TLS_CLIENT_KEY: a client
  std::string tlsClientKeyFile;      // certificate and key signed by that CA (slapd-env.sh --tls)

  /// Gateway settings for this directory.
  ldap::Settings ldapSettings() const;
};

/// The CTest fixture's slapd (path in SCIMGATE_TEST_SLAPD_ENV). Fails the test with a clear
/// message when the fixture did not run: a skipped directory test would hide a broken install.
const SlapdEnv& fixtureSlapd();

/// What a private slapd offers besides plain LDAP (tools/slapd-env.sh start --tls, and
/// --tls-verify-client): ldaps:// and StartTLS with a test CA's certificate naming localhost (not
/// 127.0.0.1), and maybe a demand for a client certificate.
enum class SlapdTls { None, Offered, ClientCertDemanded };

/// Starts a private slapd in `dir` (for tests that stop and restart their own server); `empty`
/// leaves out the demo administrator.
SlapdEnv startSlapd(const std::string& dir, bool empty = false, SlapdTls tls = SlapdTls::None);
/// Stops the slapd in `dir`, keeping its data; `restartSlapd` starts it again on the same port.
void stopSlapd(const SlapdEnv& env);
void restartSlapd(const SlapdEnv& env);
/// Replaces the first `from` in the slapd.conf of a private slapd with `to` (the test fails when
/// there is none) and restarts it, so that the change applies.
/// The pid of the slapd running in `env.dir`, from the pid file tools/slapd-env.sh writes (it
/// changes at each restart); the test fails when there is none.
int slapdPid(const SlapdEnv& env);
/// Sends `signal` to that slapd only (SIGSTOP, SIGCONT, SIGKILL...).
void signalSlapd(const SlapdEnv& env, int signal);

void reconfigureSlapd(const SlapdEnv& env, const std::string& from, const std::string& to);

/// A private slapd of one test, in a fresh temporary directory named after `name`; stopped and
/// wiped however the test ends.
class PrivateSlapd {
 public:
  explicit PrivateSlapd(const std::string& name, bool empty = false, SlapdTls tls = SlapdTls::None);
  ~PrivateSlapd();
  PrivateSlapd(const PrivateSlapd&) = delete;
  PrivateSlapd& operator=(const PrivateSlapd&) = delete;

  const SlapdEnv& env() const { return env_; }

 private:
  std::string dir_;
  SlapdEnv env_;
};

/// Two private directories replicating each other: slapd in multi-provider replication
/// (tools/slapd-env.sh --server-id, --peer), each in a fresh temporary directory named after
/// `name`: the first loaded with the base tree, the second filled from it by replication, both with
/// the same passwords. Stopped and wiped however the test ends.
class ReplicatedSlapds {
 public:
  /// `secondSyncSeconds` > 0: the second polls the first every that many seconds
  /// (slapd-env.sh --sync-interval) instead of staying connected: a replica that lags.
  explicit ReplicatedSlapds(const std::string& name, int secondSyncSeconds = 0);
  /// OpenLDAP providers (as above), or two 389-DS suppliers (tools/389ds-env.sh start, start,
  /// replicate: the second initialised from the first, an agreement each way).
  enum class Product { OpenLdap, Ds389 };
  ReplicatedSlapds(const std::string& name, Product product, int secondSyncSeconds = 0);
  ~ReplicatedSlapds();
  ReplicatedSlapds(const ReplicatedSlapds&) = delete;
  ReplicatedSlapds& operator=(const ReplicatedSlapds&) = delete;

  const SlapdEnv& first() const { return first_; }
  const SlapdEnv& second() const { return second_; }

 private:
  std::string script_;  // the tools/ script that runs them
  std::string firstDir_;
  std::string secondDir_;
  SlapdEnv first_;
  SlapdEnv second_;
};

/// A raw LDAP read as the directory manager, bypassing the gateway: attribute -> values of the
/// entries matching `filter` under `base`. Used to check what really landed in the directory.
struct LdapEntry {
  std::string dn;
  std::map<std::string, std::vector<std::string>> attributes;
  std::string first(const std::string& name) const;
};
std::vector<LdapEntry> ldapSearch(const SlapdEnv& env, const std::string& base,
                                  const std::string& filter,
                                  const std::vector<std::string>& attributes = {"*", "+"});

/// Replaces `attribute` of the entry `dn` with `values`, as the directory manager (for tests that
/// set up what only a directory administrator can, such as the password policy).
void ldapReplaceAsRoot(const SlapdEnv& env, const std::string& dn, const std::string& attribute,
                       const std::vector<std::string>& values);

/// Adds the entry `dn` with these attributes, as the directory manager.
void ldapAddAsRoot(const SlapdEnv& env, const std::string& dn,
                   const std::map<std::string, std::vector<std::string>>& attributes);

/// The fixture directory's profile (SLAPD_PROFILE), and what differs with it: the raw filter for
/// the entry with a SCIM id, the SCIM id and the version (ETag value) of a raw entry read with
/// every attribute, and the deactivation lock's attribute and value.
const ldap::Profile& fixtureProfile();
std::string byId(const std::string& id);
std::string idOf(const LdapEntry& entry);
std::string versionOf(const LdapEntry& entry);
std::string lockAttribute();
std::string lockValue();
/// Whether the raw entry (read with lockAttribute()) carries the deactivation lock.
bool isLocked(const LdapEntry& entry);
/// The raw filter for the user with this userName (uid on OpenLDAP, userPrincipalName on AD).
std::string userNameFilter(const std::string& userName);
std::string userNameAttribute();
/// The values in lower case (DNs as different directories spell them).
std::vector<std::string> lowerAll(std::vector<std::string> values);

/// A random lower-case suffix so tests sharing one directory never collide.
std::string uniqueSuffix();

/// The DN of the user with this userName in the fixture's directory.
std::string userDn(const std::string& userName);

}  // namespace scimgate::testing
