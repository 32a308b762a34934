#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scimgate::ldap {

/// How the directory product keeps what the gateway relies on (DESIGN 4): a profile bundles the
/// differences; `profileNamed` gives each product's defaults, and config may override them.
struct Profile {
  enum class IdForm {
    Uuid,        // RFC 4122 text (OpenLDAP entryUUID): the SCIM id as stored
    NsUniqueId,  // 389's nsUniqueId: the same 32 hex digits grouped 8-8-8-8, shown as RFC 4122
  };
  std::string name = "openldap";
  std::string idAttribute = "entryUUID";
  IdForm idForm = IdForm::Uuid;
  /// Changes on every write of the entry: the ETag. `versionAlso`, when set, is appended to it
  /// ("<version>/<also>") for a directory where neither alone is enough.
  std::string versionAttribute = "entryCSN";
  std::string versionAlso;
  /// Whether writes can carry the Assertion control (RFC 4528) on the version, making an
  /// If-Match atomic. Without it the gateway compares the version it just read and then writes:
  /// a change landing between the two is not detected.
  bool assertionControl = true;
  /// The deactivation lock: `lockAttribute` holds `lockValue` while a user is deactivated, and
  /// the directory then refuses the user's binds (OpenLDAP ppolicy, 389 nsAccountLock).
  std::string lockAttribute = "pwdAccountLockedTime";
  std::string lockValue = "000001010000Z";
  /// The attributes the directory's lockout after failed binds sets; an unlock removes them.
  std::vector<std::string> lockoutAttributes = {"pwdAccountLockedTime"};
  /// Present once the user has a password (the directory sets it on every password write).
  std::string passwordSetAttribute = "pwdChangedTime";
  /// Passwords are written with the Password Modify extended operation (RFC 3062); false: by
  /// replacing userPassword (389 allows the operation only over TLS), which the directory hashes.
  bool passwordModifyOperation = true;
  /// groupOfNames must hold a member (OpenLDAP): an empty group keeps the zero-length DN.
  bool emptyGroupPlaceholder = true;
  /// A server-side sort key may name an ordering rule (uid has none in the standard schema, so
  /// OpenLDAP needs one). 389 orders by its own rules and silently leaves a list unsorted when
  /// the key names one.
  bool sortOrderingRules = true;

  /// The SCIM id (RFC 4122 text, lower case) of an id attribute value read from the directory.
  std::string idFromDirectory(std::string_view value) const;
  /// The LDAP filter finding the entry with this SCIM id; "" when `id` cannot be one.
  std::string filterForId(std::string_view id) const;
  /// The version (ETag value) of an entry, given the first value of each of its attributes.
  std::string versionFrom(const std::function<std::string(const std::string&)>& firstValue) const;
  /// The LDAP filter that holds while the entry is at `version` (for the Assertion control).
  std::string filterForVersion(const std::string& version) const;
  /// The attributes a read must ask for to know the version.
  std::vector<std::string> versionAttributes() const;
};

/// The defaults of "openldap" or "389ds"; none for another name.
std::optional<Profile> profileNamed(std::string_view name);

/// How the gateway reaches and lays out the directory. Filled by config/, validated there.
struct Settings {
  std::vector<std::string> uris;  // tried in order; the first that answers wins (failover)
  std::string bindDn;
  std::string bindPassword;  // secret: never logged
  std::string baseDn;
  std::string peopleDn;  // defaults to ou=people,<baseDn>
  std::string rolesDn;   // defaults to ou=roles,<baseDn>
  int poolSize = 4;
  /// The directory's limit on open server-side sort contexts (slapd: sssvlv-max). Each pooled
  /// connection is closed after min(8, sortContexts / poolSize) VLV pages, so together they never
  /// hold more than this many.
  int sortContexts = 32;
  /// TCP connect to a directory URI (LDAP_OPT_NETWORK_TIMEOUT).
  int connectTimeoutMs = 3000;
  /// Any one LDAP operation, the bind included (LDAP_OPT_TIMEOUT). A connection whose operation
  /// timed out is discarded, and the pool fails fast (503) until a fresh connection works again.
  int operationTimeoutMs = 3000;
  int acquireTimeoutMs = 2000;  // waiting for a free pooled connection
  int maxResults = 1000;        // entries one list may read before it answers tooMany
  std::vector<std::string> userObjectClasses = {"top", "person", "organizationalPerson",
                                                "inetOrgPerson", "scimgateUser"};
  /// SCIM path (as in a PATCH path) -> LDAP attribute. See ldap/mapping.h for the accepted forms.
  std::map<std::string, std::string> userMapping;
  /// The role names a User's `roles` may hold; each is the group cn=<name> under rolesDn.
  std::vector<std::string> roleNames = {"Administrator", "Manager", "Agent", "Viewer"};
  /// The role a new user gets when the create names none ("" = none). DESIGN 2: least privilege.
  std::string defaultRole = "Viewer";
  Profile profile;
};

/// The default OpenLDAP mapping of DESIGN 4.
std::map<std::string, std::string> defaultUserMapping();

}  // namespace scimgate::ldap
