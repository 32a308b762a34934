#pragma once

#include <string>

namespace scimgate::mail {

/// How a message reaches its recipient.
enum class Channel { Email, Sms };

/// One outgoing message, rendered and ready to send. For Sms only `to` (a phone number) and
/// `text` are used.
struct Message {
  Channel channel = Channel::Email;
  std::string to;  // an email address (Email) or a phone number (Sms)
  std::string subject;
  std::string text;  // the plain-text body (always present)
  std::string html;  // the HTML body; "" = text only
};

}  // namespace scimgate::mail
