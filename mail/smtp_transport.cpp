// SMTP (RFC 5321) through Poco::Net: plain, STARTTLS (RFC 3207) or implicit TLS (RFC 8314).
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/PartSource.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/Timespan.h>
#include <Poco/UUIDGenerator.h>

#include <cctype>
#include <mutex>

#include "mail/transport.h"

namespace scimgate::mail {
namespace {

using Poco::Net::Context;
using Poco::Net::MailMessage;
using Poco::Net::SMTPClientSession;

void initializeSslOnce() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

bool isLoopback(const std::string& host) {
  if (host == "localhost") return true;
  Poco::Net::IPAddress address;
  return Poco::Net::IPAddress::tryParse(host, address) && address.isLoopback();
}

bool isAscii(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool hasLineBreak(const std::string& text) {
  return text.find_first_of("\r\n") != std::string::npos;
}

// "Name <address>" with a non-ASCII name: the name as an RFC 2047 encoded word (Poco leaves
// header encoding to the caller).
std::string encodedMailbox(const std::string& mailbox) {
  if (isAscii(mailbox)) return mailbox;
  const auto open = mailbox.rfind('<');
  if (open == std::string::npos) return mailbox;  // a bare address: nothing to encode
  std::string name = mailbox.substr(0, open);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return MailMessage::encodeWord(name, "UTF-8") + " " + mailbox.substr(open);
}

// SMTP allows no bare LF (RFC 5321 2.3.8; servers that guard against SMTP smuggling refuse it),
// and Poco's quoted-printable encoder passes line ends through as they are: CRLF everywhere.
std::string withCrlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

// The domain of the From address, for the Message-ID.
std::string domainOf(const std::string& mailbox) {
  const auto at = mailbox.rfind('@');
  if (at == std::string::npos) return "scimgate.invalid";
  std::string domain = mailbox.substr(at + 1);
  if (const auto close = domain.find('>'); close != std::string::npos) domain.erase(close);
  return domain.empty() ? "scimgate.invalid" : domain;
}

// The SMTP reply code in an SMTPException: Poco passes it as the exception's code; older
// versions only put the reply text into the message, so fall back to its first 3-digit number.
int replyCode(const Poco::Exception& e) {
  if (e.code() >= 200 && e.code() < 600) return e.code();
  const std::string text = e.message();
  for (std::size_t i = 0; i + 3 <= text.size(); ++i) {
    if ((i == 0 || !std::isdigit(static_cast<unsigned char>(text[i - 1]))) &&
        std::isdigit(static_cast<unsigned char>(text[i])) && text[i] >= '2' && text[i] <= '5' &&
        std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(text[i + 2])) &&
        (i + 3 == text.size() || !std::isdigit(static_cast<unsigned char>(text[i + 3])))) {
      return std::stoi(text.substr(i, 3));
    }
  }
  return 0;
}

// Poco's session builds the STARTTLS socket with the session's host name, which is empty when
// the session is made over a socket we connected ourselves (we do, for the connect timeout):
// the certificate would then be checked against the peer's IP address instead of the configured
// host. So STARTTLS is done here, as SecureSMTPClientSession::startTLS does it, with the name.
class Session : public SMTPClientSession {
 public:
  using SMTPClientSession::SMTPClientSession;

  /// false when the server does not accept STARTTLS.
  bool startTls(const std::string& host, Context::Ptr context) {
    std::string response;
    if (!isPositiveCompletion(sendCommand("STARTTLS", response))) return false;
    Poco::Net::SecureStreamSocket secure =
        Poco::Net::SecureStreamSocket::attach(socket(), host, std::move(context));
    socket() = secure;
    return true;
  }
};

class SmtpTransport : public Transport {
 public:
  explicit SmtpTransport(SmtpSettings settings) : settings_(std::move(settings)) {}

  Result<void> send(const Message& message) override {
    if (message.to.empty() || hasLineBreak(message.to)) {
      return makeError(ErrorKind::InvalidValue,
                       "the recipient address is empty or has a line break");
    }
    if (settings_.from.empty() || hasLineBreak(settings_.from)) {
      return makeError(ErrorKind::InvalidValue, "the From address is empty or has a line break");
    }
    if (!settings_.username.empty() && settings_.security == Security::None &&
        !isLoopback(settings_.host)) {
      return makeError(ErrorKind::InvalidValue,
                       "refusing to send the SMTP password unencrypted to " + settings_.host +
                           ": use security starttls or tls");
    }
    const std::string server = settings_.host + ":" + std::to_string(settings_.port);
    try {
      return deliver(message);
    } catch (const Poco::Net::SMTPException& e) {
      const int code = replyCode(e);
      const auto kind = code >= 500 ? ErrorKind::InvalidValue : ErrorKind::Unavailable;
      return makeError(kind, "SMTP server " + server + " refused: " + scrubbed(e.displayText()));
    } catch (const Poco::TimeoutException&) {
      return makeError(ErrorKind::Unavailable, "SMTP server " + server + " timed out");
    } catch (const Poco::Exception& e) {
      // Connection refused, name not found, TLS handshake or certificate failures: may pass.
      return makeError(ErrorKind::Unavailable, "cannot deliver through SMTP server " + server +
                                                   ": " + scrubbed(e.displayText()));
    } catch (const std::exception& e) {
      return makeError(ErrorKind::Unavailable,
                       "cannot deliver through SMTP server " + server + ": " + e.what());
    }
  }

 private:
  Result<void> deliver(const Message& message) {
    const Poco::Timespan timeout(static_cast<long>(settings_.timeoutMs / 1000),
                                 static_cast<long>(settings_.timeoutMs % 1000) * 1000);
    Poco::Net::StreamSocket plain;
    plain.connect(
        Poco::Net::SocketAddress(settings_.host, static_cast<Poco::UInt16>(settings_.port)),
        timeout);
    plain.setReceiveTimeout(timeout);
    plain.setSendTimeout(timeout);

    Context::Ptr context;
    if (settings_.security != Security::None) context = makeContext();
    Poco::Net::StreamSocket socket = plain;
    if (settings_.security == Security::Tls) {
      // The handshake and the certificate check happen here, before the greeting.
      socket = Poco::Net::SecureStreamSocket::attach(plain, settings_.host, context);
    }

    Session session(socket);
    session.setTimeout(timeout);
    session.login();  // greeting, EHLO
    if (settings_.security == Security::StartTls) {
      if (!session.startTls(settings_.host, context)) {
        return makeError(ErrorKind::Unavailable, "SMTP server " + settings_.host + ":" +
                                                     std::to_string(settings_.port) +
                                                     " does not offer STARTTLS");
      }
    }
    if (!settings_.username.empty()) {
      // EHLO again (RFC 3207 4.2 after STARTTLS), then AUTH PLAIN, which every server that
      // offers AUTH supports (RFC 4954).
      session.login(SMTPClientSession::AUTH_PLAIN, settings_.username, settings_.password);
    } else if (settings_.security == Security::StartTls) {
      session.login();  // EHLO again over TLS
    }
    MailMessage mail;
    fillMailMessage(message, mail);
    session.sendMessage(mail);
    try {
      session.close();  // QUIT; the message is already accepted
    } catch (const Poco::Exception&) {
    }
    return {};
  }

  Context::Ptr makeContext() const {
    initializeSslOnce();
    Context::Params params;
    params.caLocation = settings_.caFile;
    params.loadDefaultCAs = settings_.caFile.empty();
    params.verificationMode =
        settings_.verifyCertificate ? Context::VERIFY_RELAXED : Context::VERIFY_NONE;
    Context::Ptr context = new Context(Context::TLS_CLIENT_USE, params);
    context->requireMinimumProtocol(Context::PROTO_TLSV1_2);
    return context;
  }

  // MailMessage cannot be copied: filled in place.
  void fillMailMessage(const Message& message, MailMessage& mail) const {
    mail.setSender(encodedMailbox(settings_.from));
    mail.addRecipient(
        Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, message.to));
    std::string subject = message.subject;
    for (auto& c : subject) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    mail.setSubject(isAscii(subject) ? subject : MailMessage::encodeWord(subject, "UTF-8"));
    mail.setDate(Poco::Timestamp());
    mail.set("Message-ID", "<" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString() +
                               "@" + domainOf(settings_.from) + ">");
    const std::string textType = "text/plain; charset=UTF-8";
    if (message.html.empty()) {
      mail.setContentType(textType);
      mail.setContent(withCrlf(message.text), MailMessage::ENCODING_QUOTED_PRINTABLE);
    } else {
      // Poco writes the parts under the Content-Type set here (multipart/mixed otherwise).
      mail.setContentType("multipart/alternative");
      mail.addContent(new Poco::Net::StringPartSource(withCrlf(message.text), textType),
                      MailMessage::ENCODING_QUOTED_PRINTABLE);
      mail.addContent(
          new Poco::Net::StringPartSource(withCrlf(message.html), "text/html; charset=UTF-8"),
          MailMessage::ENCODING_QUOTED_PRINTABLE);
    }
  }

  // A server's answer could in theory echo what we sent; never let the password through.
  std::string scrubbed(std::string text) const {
    if (settings_.password.empty()) return text;
    for (auto at = text.find(settings_.password); at != std::string::npos;
         at = text.find(settings_.password, at)) {
      text.replace(at, settings_.password.size(), "***");
    }
    return text;
  }

  SmtpSettings settings_;
};

}  // namespace

std::unique_ptr<Transport> makeSmtpTransport(const SmtpSettings& settings) {
  return std::make_unique<SmtpTransport>(settings);
}

}  // namespace scimgate::mail
