#pragma once

// What scimgate_bench measures with: its options, an LDAP connection bound as the gateway's
// service account, the users and groups bench/run.sh created, and an HTTP keep-alive session to
// the gateway.
#include <Poco/Net/HTTPClientSession.h>
#include <ldap.h>

#include <memory>
#include <string>
#include <vector>

namespace scimgate::bench {

struct Options {
  std::string url;
  std::string token;
  std::string ldapUrl;
  std::string bindDn;
  std::string bindPassword;
  std::string suffix;
  double seconds = 5.0;
  int warmup = 10;
  std::vector<int> concurrency{1, 16};
  std::vector<std::string> only;
  int slapdPid = 0;
  int gatewayPid = 0;
  /// A second gateway with the same config on the same directory (issue #19): the two-gateway
  /// row measures both against the first alone. Empty: no such row.
  std::string secondUrl;
};

/// Prints "scimgate_bench: <message>" to stderr and exits with status 1.
[[noreturn]] void fail(const std::string& message);

/// Prints the failure `what` (cut to 300 characters) if it is one of the first three since
/// forgetErrors(), so that an error count always comes with its cause.
void noteError(const std::string& what);

/// Starts counting the failures noteError prints from zero again (at the start of each cell).
void forgetErrors();

// ---- LDAP ------------------------------------------------------------------------------------

struct LdapDeleter {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
using LdapPtr = std::unique_ptr<LDAP, LdapDeleter>;

/// A connection to options.ldapUrl bound as options.bindDn; fail()s when that is not possible.
LdapPtr connectLdap(const Options& options);

/// One LDAPMod list: {op, attribute, values}.
class Mods {
 public:
  void add(int op, const std::string& attribute, std::vector<std::string> values);
  LDAPMod** get();

 private:
  struct Item {
    std::string attribute;
    std::vector<std::string> values;
    std::vector<berval> bervals;
    std::vector<berval*> pointers;
    LDAPMod mod{};
  };
  std::vector<std::unique_ptr<Item>> items_;
  std::vector<LDAPMod*> list_;
};

/// Whether rc is LDAP_SUCCESS; a failure is noted with the server's diagnostic message.
bool ldapOk(LDAP* ld, int rc, const std::string& what);

/// Searches and counts the entries; -1 on an LDAP error.
int ldapSearch(LDAP* ld, const std::string& base, int scope, const std::string& filter,
               const std::vector<std::string>& attributes);

/// The first `size` entries of a subtree search (RFC 2696 paged results, first page only), counted;
/// -1 on an LDAP error.
int ldapFirstPage(LDAP* ld, const std::string& base, const std::string& filter,
                  const std::vector<std::string>& attributes, int size);

struct User {
  std::string uid;
  std::string id;  // entryUUID
  std::string dn;
};

struct Group {
  std::string dn;
  std::string id;
};

struct Directory {
  std::vector<User> users;  // users[i] is bench-(i+1)
  Group small;
  Group big;
};

/// Every bench-NNNNNN user (uid, entryUUID, DN) and the two groups, read with paged results;
/// fail()s unless bench-000001..bench-100000 and both groups are there.
Directory readDirectory(const Options& options);

// ---- HTTP ------------------------------------------------------------------------------------

/// One keep-alive session to the gateway's SCIM base, authenticated with options.token.
class Http {
 public:
  explicit Http(const Options& options);

  /// Whether the status is `expected`; a failure is noted with its body.
  bool expect(int expected, const std::string& method, const std::string& path,
              const std::string& payload = "");

  /// Status code (0 when the request failed); the body in `body` when given.
  int request(const std::string& method, const std::string& path, const std::string& payload = "",
              std::string* body = nullptr);

 private:
  std::string token_;
  std::string base_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

}  // namespace scimgate::bench
