#pragma once

#include <map>
#include <string>
#include <vector>

namespace scimgate::ldap {

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
};

/// The default OpenLDAP mapping of DESIGN 4.
std::map<std::string, std::string> defaultUserMapping();

}  // namespace scimgate::ldap
