// SMS through an HTTP(S) webhook: POST {"to": ..., "text": ...}.
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <memory>
#include <mutex>
#include <sstream>

#include "mail/transport.h"

namespace scimgate::mail {
namespace {

// What of a provider's answer goes into an error: enough to recognise it, not a whole page.
constexpr std::size_t kMaxAnswerInError = 200;

class WebhookTransport : public Transport {
 public:
  explicit WebhookTransport(WebhookSettings settings) : settings_(std::move(settings)) {}

  Result<void> send(const Message& message) override {
    std::string where = "the SMS webhook";
    try {
      const Poco::URI uri(settings_.url);
      where = "the SMS webhook at " + uri.getScheme() + "://" + uri.getAuthority();
      if (uri.getScheme() != "http" && uri.getScheme() != "https") {
        return makeError(ErrorKind::InvalidValue, where + ": the URL must be http:// or https://");
      }
      std::unique_ptr<Poco::Net::HTTPClientSession> session;
      if (uri.getScheme() == "https") {
        static std::once_flag once;
        std::call_once(once, [] { Poco::Net::initializeSSL(); });
        Poco::Net::Context::Params params;
        params.loadDefaultCAs = true;
        params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        session =
            std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
      } else {
        session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
      }
      session->setTimeout(Poco::Timespan(static_cast<long>(settings_.timeoutMs / 1000),
                                         static_cast<long>(settings_.timeoutMs % 1000) * 1000));

      Poco::JSON::Object body;
      body.set("to", message.to);
      body.set("text", message.text);
      std::ostringstream json;
      body.stringify(json);
      const std::string payload = json.str();

      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery(),
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(payload.size()));
      if (!settings_.authorization.empty()) request.set("Authorization", settings_.authorization);
      session->sendRequest(request) << payload;

      Poco::Net::HTTPResponse response;
      std::istream& in = session->receiveResponse(response);
      std::string answer;
      Poco::StreamCopier::copyToString(in, answer);
      const int status = static_cast<int>(response.getStatus());
      if (status >= 200 && status < 300) return {};
      if (answer.size() > kMaxAnswerInError) answer.resize(kMaxAnswerInError);
      const std::string detail = where + " answered " + std::to_string(status) + " " +
                                 response.getReason() + (answer.empty() ? "" : ": " + answer);
      return makeError(
          status >= 400 && status < 500 ? ErrorKind::InvalidValue : ErrorKind::Unavailable, detail);
    } catch (const Poco::Exception& e) {
      return makeError(ErrorKind::Unavailable, "cannot reach " + where + ": " + e.displayText());
    }
  }

 private:
  WebhookSettings settings_;
};

}  // namespace

std::unique_ptr<Transport> makeWebhookTransport(const WebhookSettings& settings) {
  return std::make_unique<WebhookTransport>(settings);
}

}  // namespace scimgate::mail
