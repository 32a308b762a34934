#pragma once

#include <string>

namespace scimgate::mail {

/// How the SMTP connection is protected.
enum class Security {
  None,      // plain SMTP (only for a local relay or a test sink)
  StartTls,  // RFC 3207: plain connect, then STARTTLS before anything else is sent (default)
  Tls,       // implicit TLS from the first byte (RFC 8314 "submissions", port 465)
};

/// The outgoing mail server.
struct SmtpSettings {
  std::string host = "127.0.0.1";
  int port = 25;
  Security security = Security::StartTls;
  std::string username;  // "" = no authentication
  std::string password;  // secret: never logged
  /// The From header and envelope sender, e.g. "scimgate <no-reply@example.com>".
  std::string from;
  int timeoutMs = 10000;  // connect and each command
  bool verifyCertificate = true;
  std::string caFile;  // "" = the system's CAs
};

/// The HTTP endpoint that turns a JSON {"to", "text"} POST into an SMS (an SMS provider's API or
/// a small relay in front of it). Unset url = no SMS.
struct WebhookSettings {
  std::string url;
  std::string authorization;  // sent as the Authorization header when set (secret)
  int timeoutMs = 10000;
};

/// Retries of a message whose delivery failed for a reason that may pass (server down, 4xx).
struct RetrySettings {
  int firstDelaySeconds = 30;  // then doubling ...
  int maxDelaySeconds = 3600;  // ... up to this
  int maxAttempts = 20;        // then the message is given up (and audited)
  int leaseSeconds = 120;      // a claimed message is sent by nobody else for this long
  int pollMilliseconds = 1000;
};

/// Everything about reaching people (issue #14).
struct Settings {
  SmtpSettings smtp;
  WebhookSettings sms;
  RetrySettings retry;
  /// The operator's templates folder: a file there replaces the shipped template of that name.
  std::string templatesDir;
  /// The shipped templates (installed with the binary); set by config.
  std::string defaultTemplatesDir;
  /// Shown in every message ("{{productName}}").
  std::string productName = "scimgate";
};

}  // namespace scimgate::mail
