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
    Guid,        // AD's objectGUID: 16 bytes, the first three fields little-endian; shown as the
                 // usual GUID string and searched byte by byte (\xx)
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
  /// The entry's DN as an attribute a filter can name (OpenLDAP and 389 entryDN).
  std::string dnAttribute = "entryDN";
  /// When the entry was created and last changed (meta.created, meta.lastModified).
  std::string createdAttribute = "createTimestamp";
  std::string modifiedAttribute = "modifyTimestamp";
  /// Users: the object class a user entry has (filters), the classes a new one gets, and the
  /// attribute of its RDN, whose value is the userName.
  std::string userClass = "inetOrgPerson";
  std::vector<std::string> userObjectClasses = {"top", "person", "organizationalPerson",
                                                "inetOrgPerson", "scimgateUser"};
  std::string userRdnAttribute = "uid";
  /// cn (and sn) are derived from the names when a user has none (inetOrgPerson requires them);
  /// false where cn is the RDN (AD), which only a rename changes.
  bool deriveCn = true;
  /// AD: each user also gets sAMAccountName (the pre-Windows 2000 logon name), derived from
  /// userName: the part before '@', at most 20 characters, none of AD's forbidden ones.
  bool accountNames = false;
  /// Groups: their object class, and the classes a new one gets.
  std::string groupClass = "groupOfNames";
  std::vector<std::string> groupObjectClasses = {"top", "groupOfNames", "scimgateGroup"};
  /// The deactivation lock: `lockAttribute` holds `lockValue` while a user is deactivated, and
  /// the directory then refuses the user's binds (OpenLDAP ppolicy, 389 nsAccountLock). With
  /// `lockBit` (AD: 2 in userAccountControl) the lock is that bit of the attribute's number.
  std::string lockAttribute = "pwdAccountLockedTime";
  std::string lockValue = "000001010000Z";
  int lockBit = 0;
  /// AD: a new user is created locked (disabled) and stays so until it has a password.
  bool lockUntilPassword = false;
  /// The attributes the directory's lockout after failed binds sets; an unlock removes them, or
  /// sets them to `lockoutClearValue` when there is one (AD: lockoutTime 0).
  std::vector<std::string> lockoutAttributes = {"pwdAccountLockedTime"};
  std::string lockoutClearValue;
  /// Present once the user has a password (the directory sets it on every password write); a
  /// value of "0" counts as absent (AD's pwdLastSet).
  std::string passwordSetAttribute = "pwdChangedTime";
  /// Passwords are written with the Password Modify extended operation (RFC 3062); false: by
  /// writing `passwordAttribute` (389 allows the operation only over TLS: userPassword, which the
  /// directory hashes; AD: unicodePwd, the password quoted in UTF-16LE).
  bool passwordModifyOperation = true;
  std::string passwordAttribute = "userPassword";
  /// Mail must be unique and the directory cannot check it (AD): the gateway searches before it
  /// writes, which a concurrent write of the same address can slip past. Elsewhere the directory
  /// checks, where it is set up to (OpenLDAP's unique overlay, 389's uniqueness plugin).
  bool gatewayChecksMail = false;
  /// The directory can match externalId with case (the shipped schema's caseExactMatch); AD's
  /// string syntaxes ignore case, so there the gateway checks the case of what it finds.
  bool caseExactMatching = true;
  /// AD refuses adding a member that is there (68) and removing one that is not (53) even in
  /// one-value modifies; the gateway then treats them as already done.
  bool memberDuplicatesRefused = false;
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
  /// Whether `value` of lockAttribute is the deactivation lock.
  bool isLocked(const std::string& value) const;
  /// The values of lockAttribute that lock (or unlock) an entry where it is now `value`.
  std::vector<std::string> lockValues(const std::string& value, bool lock) const;
  /// Whether `value` of passwordSetAttribute says the user has a password.
  bool hasPassword(const std::string& value) const;
  /// The filter that finds the user entries.
  std::string userFilter() const { return "(objectClass=" + userClass + ")"; }
  std::string groupFilter() const { return "(objectClass=" + groupClass + ")"; }
};

/// The defaults of "openldap", "389ds" or "activedirectory"; none for another name.
std::optional<Profile> profileNamed(std::string_view name);

/// How the gateway reaches and lays out the directory. Filled by config/, validated there.
struct Settings {
  std::vector<std::string> uris;  // tried in order; the first that answers wins (failover)
  /// After a failover to a later URI, how often a background check tries the earlier ones
  /// again; once one answers, new work goes back to it and connections to the later URI are
  /// closed as they are returned (failback). 0 = stay on the later URI until it breaks.
  int failbackSeconds = 30;
  /// Directory replicas (OpenLDAP consumers or other providers) that may serve the reads of GET
  /// requests; writes, and every read made on the way to a write, go to `uris`. Empty: all to
  /// `uris`. Tried in order like `uris`.
  std::vector<std::string> readUris;
  /// How often the replica's contextCSN is compared with the providers' (read-your-writes).
  int replicaCheckMs = 200;
  /// A replica not known to hold what the providers held this long ago serves no reads.
  int replicaMaxLagMs = 5000;
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
  /// How long a group's id, name and kind (what a user's answer shows of its memberOf) are kept
  /// before they are read again; 0 = read on every request. Memberships are always read fresh.
  int groupCacheSeconds = 60;
  /// Empty: the profile's (Profile::userObjectClasses).
  std::vector<std::string> userObjectClasses;
  /// TLS to the directory (ldaps:// URIs, or StartTLS on ldap:// ones): the server's certificate
  /// must chain to `tlsCaFile` (PEM; empty: the system's) and name the host it was reached as
  /// (the host in the URI; libldap checks "localhost" as this machine's own name). Always
  /// enforced, whatever ldap.conf or LDAPTLS_REQCERT say; a refused certificate is Unavailable.
  std::string tlsCaFile;
  bool startTls = false;
  /// The gateway's client certificate (PEM, chaining to a CA the directory trusts) and its private
  /// key (PEM, unencrypted), presented in every TLS session, for a directory that demands one.
  /// Both or neither (config/ checks); empty: none presented.
  std::string tlsCertFile;
  std::string tlsKeyFile;
  /// SCIM path (as in a PATCH path) -> LDAP attribute. See ldap/mapping.h for the accepted forms.
  std::map<std::string, std::string> userMapping;
  /// The role names a User's `roles` may hold; each is the group cn=<name> under rolesDn.
  std::vector<std::string> roleNames = {"Administrator", "Manager", "Agent", "Viewer"};
  /// The role a new user gets when the create names none ("" = none). DESIGN 2: least privilege.
  std::string defaultRole = "Viewer";
  Profile profile;
};

/// The default mapping of DESIGN 4 (OpenLDAP, 389); on AD userName is userPrincipalName.
std::map<std::string, std::string> defaultUserMapping(const Profile& profile = Profile{});

}  // namespace scimgate::ldap
