// The SMTP transport against a real SMTP server (tools/smtp-sink.py on aiosmtpd).
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

#include "mail/transport.h"
#include "support/smtp.h"

namespace mail = scimgate::mail;
using scimgate::ErrorKind;
using scimgate::testing::sinkOptions;
using scimgate::testing::SmtpSink;
using scimgate::testing::SmtpSinkOptions;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

mail::SmtpSettings settingsFor(const SmtpSink& sink, mail::Security security) {
  mail::SmtpSettings settings;
  settings.host = "127.0.0.1";
  settings.port = sink.port();
  settings.security = security;
  settings.from = "scimgate test <no-reply@scimgate.test>";
  settings.timeoutMs = 5000;
  return settings;
}

mail::Message aMessage(const std::string& to = "ada@example.com") {
  mail::Message message;
  message.to = to;
  message.subject = "Your invitation";
  message.text = "Hello Ada,\nopen https://scim.example.com/invite#abc\n";
  message.html = "<p>Hello Ada,</p><p><a href=\"https://scim.example.com/invite#abc\">open</a></p>";
  return message;
}

}  // namespace

TEST_CASE("plain SMTP delivers From, To, Subject, the text and the HTML body") {
  SmtpSink sink;
  auto transport = mail::makeSmtpTransport(settingsFor(sink, mail::Security::None));
  auto sent = transport->send(aMessage());
  INFO((sent.ok() ? "" : sent.error().detail));
  REQUIRE(sent.ok());

  auto messages = sink.waitForMessages(1, kWait);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].from == "scimgate test <no-reply@scimgate.test>");
  CHECK(messages[0].envelopeFrom == "no-reply@scimgate.test");
  CHECK(messages[0].to == std::vector<std::string>{"ada@example.com"});
  CHECK(messages[0].subject == "Your invitation");
  CHECK(messages[0].text == "Hello Ada,\nopen https://scim.example.com/invite#abc\n");
  CHECK(messages[0].html.find("<a href=\"https://scim.example.com/invite#abc\">open</a>") !=
        std::string::npos);
  CHECK(messages[0].messageId.find("@scimgate.test>") != std::string::npos);
  CHECK_FALSE(messages[0].date.empty());
}

TEST_CASE("a message without HTML is sent as text only") {
  SmtpSink sink;
  auto transport = mail::makeSmtpTransport(settingsFor(sink, mail::Security::None));
  auto message = aMessage();
  message.html.clear();
  REQUIRE(transport->send(message).ok());
  auto messages = sink.waitForMessages(1, kWait);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].text == message.text);
  CHECK(messages[0].html.empty());
}

TEST_CASE("every line of what is sent ends in CRLF (no bare LF, RFC 5321 2.3.8)") {
  SmtpSink sink;
  auto transport = mail::makeSmtpTransport(settingsFor(sink, mail::Security::None));
  for (bool withHtml : {false, true}) {
    auto message = aMessage();
    message.text = "one\ntwo\r\nthree\n";
    if (!withHtml) message.html.clear();
    REQUIRE(transport->send(message).ok());
  }
  REQUIRE(sink.waitForMessages(2, kWait).size() == 2);
  for (const char* name : {"/mail/1.eml", "/mail/2.eml"}) {
    std::ifstream in(sink.dir() + name, std::ios::binary);
    const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(raw);
    REQUIRE_FALSE(raw.empty());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\n') REQUIRE((i > 0 && raw[i - 1] == '\r'));
    }
  }
  CHECK(sink.messages()[0].text == "one\ntwo\nthree\n");
}

TEST_CASE("a UTF-8 name survives in the subject, the body and the From name") {
  SmtpSink sink;
  auto settings = settingsFor(sink, mail::Security::None);
  settings.from = "Zoë's Gateway <no-reply@scimgate.test>";
  auto transport = mail::makeSmtpTransport(settings);
  auto message = aMessage();
  message.subject = "Willkommen, Jürgen Øster 山田";
  message.text = "Hallo Jürgen Øster 山田,\n";
  message.html = "<p>Hallo Jürgen Øster 山田</p>";
  auto sent = transport->send(message);
  INFO((sent.ok() ? "" : sent.error().detail));
  REQUIRE(sent.ok());
  auto messages = sink.waitForMessages(1, kWait);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].subject == "Willkommen, Jürgen Øster 山田");
  CHECK(messages[0].text == "Hallo Jürgen Øster 山田,\n");
  CHECK(messages[0].html.find("Jürgen Øster 山田") != std::string::npos);
  CHECK(messages[0].from.find("Zoë's Gateway") != std::string::npos);
}

TEST_CASE("a line break in the subject cannot add a header") {
  SmtpSink sink;
  auto transport = mail::makeSmtpTransport(settingsFor(sink, mail::Security::None));
  auto message = aMessage();
  message.subject = "Hello\r\nBcc: victim@example.com";
  REQUIRE(transport->send(message).ok());
  auto messages = sink.waitForMessages(1, kWait);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].to == std::vector<std::string>{"ada@example.com"});
  CHECK(messages[0].subject.find("Hello") == 0);
}

TEST_CASE("a line break in the recipient is refused before connecting") {
  SmtpSink sink;
  auto transport = mail::makeSmtpTransport(settingsFor(sink, mail::Security::None));
  auto sent = transport->send(aMessage("ada@example.com\r\nRCPT TO:<other@example.com>"));
  REQUIRE_FALSE(sent.ok());
  CHECK(sent.error().kind == ErrorKind::InvalidValue);
  CHECK(sink.messages().empty());
}

TEST_CASE("STARTTLS with the server's certificate as caFile") {
  SmtpSink sink(sinkOptions(SmtpSinkOptions::Tls::StartTls));
  auto settings = settingsFor(sink, mail::Security::StartTls);
  settings.caFile = sink.certificateFile();
  auto sent = mail::makeSmtpTransport(settings)->send(aMessage());
  INFO((sent.ok() ? "" : sent.error().detail));
  REQUIRE(sent.ok());
  REQUIRE(sink.waitForMessages(1, kWait).size() == 1);
}

TEST_CASE("STARTTLS refuses a certificate it cannot verify, and sends nothing") {
  SmtpSink sink(sinkOptions(SmtpSinkOptions::Tls::StartTls));
  auto settings = settingsFor(sink, mail::Security::StartTls);  // the system CAs only
  auto sent = mail::makeSmtpTransport(settings)->send(aMessage());
  REQUIRE_FALSE(sent.ok());
  CHECK(sent.error().kind == ErrorKind::Unavailable);
  INFO(sent.error().detail);
  CHECK(sent.error().detail.find(std::to_string(sink.port())) != std::string::npos);
  CHECK(sink.messages().empty());

  SECTION("unless verification is switched off") {
    settings.verifyCertificate = false;
    auto unverified = mail::makeSmtpTransport(settings)->send(aMessage());
    INFO((unverified.ok() ? "" : unverified.error().detail));
    CHECK(unverified.ok());
  }
}

TEST_CASE("STARTTLS against a server that does not offer it fails instead of sending in clear") {
  SmtpSink sink;
  auto sent =
      mail::makeSmtpTransport(settingsFor(sink, mail::Security::StartTls))->send(aMessage());
  REQUIRE_FALSE(sent.ok());
  INFO(sent.error().detail);
  CHECK(sink.messages().empty());
}

TEST_CASE("implicit TLS with the server's certificate as caFile") {
  SmtpSink sink(sinkOptions(SmtpSinkOptions::Tls::Implicit));
  auto settings = settingsFor(sink, mail::Security::Tls);
  settings.caFile = sink.certificateFile();
  auto sent = mail::makeSmtpTransport(settings)->send(aMessage());
  INFO((sent.ok() ? "" : sent.error().detail));
  REQUIRE(sent.ok());
  REQUIRE(sink.waitForMessages(1, kWait).size() == 1);

  SECTION("and without the CA the handshake fails") {
    settings.caFile.clear();
    auto refused = mail::makeSmtpTransport(settings)->send(aMessage());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::Unavailable);
  }
}

TEST_CASE("AUTH with the right password sends, with a wrong one names the refusal") {
  SmtpSink sink(sinkOptions(SmtpSinkOptions::Tls::StartTls, "mailer:S3cret-pass"));
  auto settings = settingsFor(sink, mail::Security::StartTls);
  settings.caFile = sink.certificateFile();
  settings.username = "mailer";
  settings.password = "S3cret-pass";
  auto sent = mail::makeSmtpTransport(settings)->send(aMessage());
  INFO((sent.ok() ? "" : sent.error().detail));
  REQUIRE(sent.ok());
  REQUIRE(sink.waitForMessages(1, kWait).size() == 1);

  settings.password = "wrong-Passw0rd";
  auto refused = mail::makeSmtpTransport(settings)->send(aMessage());
  REQUIRE_FALSE(refused.ok());
  INFO(refused.error().detail);
  CHECK(refused.error().kind == ErrorKind::InvalidValue);  // 535
  CHECK(refused.error().detail.find("535") != std::string::npos);
  CHECK(refused.error().detail.find("wrong-Passw0rd") == std::string::npos);
  CHECK(refused.error().detail.find("S3cret-pass") == std::string::npos);
  CHECK(sink.messages().size() == 1);
}

TEST_CASE("AUTH over plain SMTP works to a loopback relay, and is refused to any other host") {
  SmtpSink sink(sinkOptions(SmtpSinkOptions::Tls::None, "mailer:S3cret-pass"));
  auto settings = settingsFor(sink, mail::Security::None);
  settings.username = "mailer";
  settings.password = "S3cret-pass";
  auto sent = mail::makeSmtpTransport(settings)->send(aMessage());
  INFO((sent.ok() ? "" : sent.error().detail));
  REQUIRE(sent.ok());

  settings.host = "smtp.example.com";
  auto refused = mail::makeSmtpTransport(settings)->send(aMessage());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::InvalidValue);
  CHECK(refused.error().detail.find("S3cret-pass") == std::string::npos);
}

TEST_CASE("a server that is down is Unavailable (retry later)") {
  SmtpSink sink;
  auto settings = settingsFor(sink, mail::Security::None);
  sink.stop();
  const auto started = std::chrono::steady_clock::now();
  auto sent = mail::makeSmtpTransport(settings)->send(aMessage());
  REQUIRE_FALSE(sent.ok());
  CHECK(sent.error().kind == ErrorKind::Unavailable);
  CHECK(sent.error().detail.find(std::to_string(sink.port())) != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));

  sink.start();
  REQUIRE(mail::makeSmtpTransport(settings)->send(aMessage()).ok());
  CHECK(sink.waitForMessages(1, kWait).size() == 1);
}

TEST_CASE("a recipient refused with 550 is a permanent failure naming the answer") {
  SmtpSink sink(sinkOptions(SmtpSinkOptions::Tls::None, "", "nobody"));
  auto sent = mail::makeSmtpTransport(settingsFor(sink, mail::Security::None))
                  ->send(aMessage("nobody@example.com"));
  REQUIRE_FALSE(sent.ok());
  INFO(sent.error().detail);
  CHECK(sent.error().kind == ErrorKind::InvalidValue);
  CHECK(sent.error().detail.find("550") != std::string::npos);
  CHECK(sent.error().detail.find("Hello Ada") == std::string::npos);  // never the body
  CHECK(sink.messages().empty());
}
