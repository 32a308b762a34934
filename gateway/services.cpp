#include "gateway/services.h"

#include <stdexcept>

namespace scimgate::gateway {
namespace {

// The state store is there when the config has an mfa section (its key is then set); throws when
// it cannot be opened, a start-up error.
std::shared_ptr<policy::mfa::StateStore> openStore(const config::Config& config) {
  if (config.mfa.settings.encryptionKey.empty()) return nullptr;
  auto store = policy::mfa::openStateStore(config.mfa.store);
  if (!store) {
    throw std::runtime_error("the MFA state store cannot be opened: " + store.error().detail);
  }
  return std::shared_ptr<policy::mfa::StateStore>(std::move(*store));
}

std::unique_ptr<policy::mfa::MfaService> makeMfa(
    const config::Config& config, const std::shared_ptr<policy::mfa::StateStore>& store) {
  if (!store) return nullptr;
  return std::make_unique<policy::mfa::MfaService>(store, config.mfa.settings);
}

// The console's files, read once; throws when the configured folder cannot be read (a start-up
// error: config checked that it has an index.html).
ConsoleAssets loadConsole(const config::Config& config) {
  if (config.server.consoleDir.empty()) return {};
  auto assets = ConsoleAssets::load(config.server.consoleDir);
  if (!assets) throw std::runtime_error(assets.error().detail);
  return std::move(*assets);
}

}  // namespace

Services::Services(const config::Config& cfg, ldap::Directory& dir, ldap::GroupDirectory& grp)
    : config(cfg),
      directory(dir),
      groups(grp),
      store(openStore(cfg)),
      access(cfg, dir, store),
      matrix(policy::parsePermissionMatrix(cfg.auth.permissions).matrix),
      audit(cfg.auth.auditPath),
      passwords(cfg.passwords),
      mfa(makeMfa(cfg, store)),
      throttle(store, cfg.auth.throttle),
      forgotThrottle(store, cfg.auth.forgotThrottle, "forgot"),
      clientWrites(!cfg.ldap.readUris.empty(), store),
      mailer(cfg.mail.enabled && store ? std::make_unique<Mailer>(cfg, store, audit) : nullptr),
      console(loadConsole(cfg)) {
  metrics.setLdapStats(dir.stats());
  if (mailer) {
    metrics.setOutboxSize([outbox = store]() -> std::optional<std::int64_t> {
      auto pending = outbox->pendingMessages();
      if (!pending) return std::nullopt;
      return *pending;
    });
  }
}

}  // namespace scimgate::gateway
