#pragma once

#include <memory>

#include "common/result.h"
#include "mail/message.h"
#include "mail/settings.h"

namespace scimgate::mail {

/// Delivers one message now. Thread-safe (each send uses its own connection). Unavailable for a
/// failure that may pass (no connection, timeout, a 4xx answer): retry later. InvalidValue for a
/// permanent refusal (a 5xx answer to the recipient or the message): retrying will not help.
/// Error details name the server's answer but never a password or the message body.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<void> send(const Message& message) = 0;
};

/// SMTP (RFC 5321) with Poco's SMTPClientSession / SecureSMTPClientSession: STARTTLS or implicit
/// TLS as configured, AUTH LOGIN/PLAIN when a username is set (only over TLS unless security is
/// None), a multipart/alternative message when there is HTML.
std::unique_ptr<Transport> makeSmtpTransport(const SmtpSettings& settings);

/// SMS through an HTTP(S) webhook: POST {"to": ..., "text": ...} as JSON; 2xx is delivered,
/// 4xx permanent, 5xx and connection failures may pass.
std::unique_ptr<Transport> makeWebhookTransport(const WebhookSettings& settings);

}  // namespace scimgate::mail
