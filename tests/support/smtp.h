#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace scimgate::testing {

/// One message as tools/smtp-sink.py kept it (its .json file, MIME decoded).
struct SinkMessage {
  std::string from;  // the From header as decoded text
  std::string envelopeFrom;
  std::vector<std::string> to;  // envelope recipients
  std::string subject;          // decoded
  std::string messageId;
  std::string date;
  std::string text;  // the text/plain body, "\n" line ends
  std::string html;  // the text/html body, "" when none
};

/// What a sink offers besides plain SMTP.
struct SmtpSinkOptions {
  enum class Tls { None, StartTls, Implicit } tls = Tls::None;
  std::string auth;        // "user:password": AUTH accepted only for these; "" = no AUTH
  std::string rejectRcpt;  // recipients containing this get 550; "" = none
};

/// Options in one expression (designated initializers would warn about the members left out).
inline SmtpSinkOptions sinkOptions(SmtpSinkOptions::Tls tls, std::string auth = "",
                                   std::string rejectRcpt = "") {
  SmtpSinkOptions options;
  options.tls = tls;
  options.auth = std::move(auth);
  options.rejectRcpt = std::move(rejectRcpt);
  return options;
}

/// A real SMTP server (tools/smtp-sink.py on aiosmtpd, run with /usr/bin/python3) on a free
/// port of 127.0.0.1, in a fresh temporary folder of its own; stopped and wiped by the
/// destructor. A TLS sink uses a self-signed certificate for 127.0.0.1 made with openssl.
class SmtpSink {
 public:
  explicit SmtpSink(SmtpSinkOptions options = {});
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  int port() const { return port_; }
  /// Stops the server (only its own process), keeping the messages.
  void stop();
  /// Starts it again on the same port and waits until the port accepts connections.
  void start();
  bool running() const { return pid_ > 0; }

  /// The kept messages, in the order of arrival.
  std::vector<SinkMessage> messages() const;
  /// Polls until there are at least `count` messages or `timeout` passed; what there is.
  std::vector<SinkMessage> waitForMessages(std::size_t count,
                                           std::chrono::milliseconds timeout) const;
  /// The PEM certificate of a TLS sink (a CA file that trusts it).
  std::string certificateFile() const { return dir_ + "/cert.pem"; }
  const std::string& dir() const { return dir_; }

 private:
  void launch(int port);

  SmtpSinkOptions options_;
  std::string dir_;
  int port_ = 0;
  int pid_ = 0;
};

}  // namespace scimgate::testing
