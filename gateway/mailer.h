#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"
#include "gateway/audit.h"
#include "mail/message.h"
#include "policy/mfa/state_store.h"

namespace scimgate::gateway {

/// Reaching people (issue #14): renders a template, puts the message in the state store's outbox
/// (so a mail server that is down delays it but loses nothing, and of several gateway instances
/// exactly one sends it), and runs the dispatcher that delivers the outbox. Every delivery,
/// retry and give-up is written to the audit trail (recipient and subject, never the body).
/// Thread-safe.
class Mailer {
 public:
  /// Throws std::runtime_error for templates that cannot be loaded (a start-up error).
  Mailer(const config::Config& config, std::shared_ptr<policy::mfa::StateStore> store,
         AuditLog& audit);
  ~Mailer();
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  /// Queues template `templateName` for `to` with these values (productName is added);
  /// Unavailable when the outbox cannot take it, InvalidValue for an SMS without a webhook.
  Result<void> send(mail::Channel channel, std::string_view templateName, const std::string& to,
                    const std::map<std::string, std::string>& values);

  /// An absolute link to `path` ("/console/#/...") under server.publicUrl.
  std::string link(std::string_view path) const;

  /// Whether SMS can be sent (mail.sms.url is set).
  bool canText() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// "a***@example.com", "+44 *** *** 12": enough for a person to recognise their own address.
std::string maskAddress(std::string_view address);

}  // namespace scimgate::gateway
