#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "gateway/tls.h"
#include "ldap/directory.h"
#include "policy/mfa/state_store.h"
#include "policy/permissions.h"
#include "scim/result.h"
#include "scim/user.h"

namespace scimgate::gateway {

/// Who makes a request: the principal policy/ decides about, and a name for the audit trail (a
/// token's or client's name, or the person's userName). Never a secret.
struct Caller {
  policy::Principal principal;
  std::string name;
  /// A session issued to a person who must enrol a second factor first (mfa.requireForRoles):
  /// only the enrolment endpoints accept it.
  bool enrolmentOnly = false;
  bool isPerson() const { return !principal.userId.empty(); }
};

/// Turns an Authorization header into a Caller (DESIGN 6): a provisioning client's static token
/// (hashed in config) or OAuth2 JWT, or a person's session token from /auth/login; without a
/// bearer credential, the TLS client certificate of a clientCertificates entry. A person's role
/// and accounts are read from the directory on every request, so a role change applies at once.
class Access {
 public:
  /// `store` (may be null) says which sessions a password reset ended.
  Access(const config::Config& config, ldap::Directory& directory,
         std::shared_ptr<policy::mfa::StateStore> store = nullptr);
  ~Access();
  Access(const Access&) = delete;
  Access& operator=(const Access&) = delete;

  /// Unauthorized (one message for every failure of a bearer credential) when no credential is
  /// valid. A bearer credential, when sent, decides alone; otherwise `certificate` (verified in
  /// the handshake) must match a clientCertificates entry.
  scim::Result<Caller> identify(const std::string& authorizationHeader,
                                const std::optional<PeerCertificate>& certificate = {}) const;

  /// A signed session token for the person with this id, valid for sessionSeconds().
  std::string issueSession(const std::string& userId, bool enrolmentOnly = false) const;
  int sessionSeconds() const;

  /// The person's sessions issued until now stop working (sign-out, a password reset): on every
  /// instance that shares the state store, or in this process only when there is none.
  scim::Result<void> endSessions(const std::string& userId) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scimgate::gateway
