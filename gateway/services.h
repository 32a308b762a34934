#pragma once

#include <memory>

#include "config/config.h"
#include "gateway/access.h"
#include "gateway/audit.h"
#include "gateway/client_writes.h"
#include "gateway/console_assets.h"
#include "gateway/mailer.h"
#include "gateway/metrics.h"
#include "ldap/directory.h"
#include "ldap/group_directory.h"
#include "policy/mfa/mfa.h"
#include "policy/mfa/throttle.h"
#include "policy/password_policy.h"
#include "policy/permissions.h"

namespace scimgate::gateway {

/// What the handlers work with, built once per server from the configuration and the borrowed
/// directories. Thread-safe as its parts are.
struct Services {
  /// Throws when the MFA state store cannot be opened (a start-up error).
  Services(const config::Config& config, ldap::Directory& directory, ldap::GroupDirectory& groups);

  config::Config config;
  ldap::Directory& directory;
  ldap::GroupDirectory& groups;
  /// The state store (mfa.store); null when the config has no mfa section.
  std::shared_ptr<policy::mfa::StateStore> store;
  Access access;
  policy::PermissionMatrix matrix;
  AuditLog audit;
  policy::PasswordRules passwords;
  /// Null when MFA is off (the config has no mfa section).
  std::unique_ptr<policy::mfa::MfaService> mfa;
  /// Password guessing limits; counts in `store`, or in memory without one.
  policy::mfa::LoginThrottle throttle;
  /// "Forgot password" requests per login and per address (auth.forgotThrottle).
  policy::mfa::LoginThrottle forgotThrottle;
  /// Each client's last write, for reads from directory replicas (ldap.readUris).
  ClientWrites clientWrites;
  /// Invitations, reset links and sent codes; null without a mail section.
  std::unique_ptr<Mailer> mailer;
  /// The web console's files (server.consoleDir); empty without one.
  ConsoleAssets console;
  /// What /metrics shows (served by Server when the config has a metrics section).
  metrics::GatewayMetrics metrics;
};

}  // namespace scimgate::gateway
