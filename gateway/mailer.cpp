#include "gateway/mailer.h"

#include <stdexcept>
#include <utility>

#include "gateway/handlers.h"
#include "mail/dispatcher.h"
#include "mail/outbox.h"
#include "mail/templates.h"
#include "mail/transport.h"

namespace scimgate::gateway {
namespace {

std::string channelName(mail::Channel channel) {
  return channel == mail::Channel::Sms ? "sms" : "email";
}

// mail/ knows no state store and policy/ no mail: the gateway joins them here.
class StoreOutbox final : public mail::Outbox {
 public:
  explicit StoreOutbox(std::shared_ptr<policy::mfa::StateStore> store) : store_(std::move(store)) {}

  Result<std::int64_t> enqueue(const mail::Message& message, std::int64_t now) override {
    return store_->enqueueMessage({0, channelName(message.channel), message.to, message.subject,
                                   message.text, message.html, 0},
                                  now);
  }

  Result<std::vector<mail::QueuedMessage>> claimDue(std::int64_t now, std::int64_t leaseSeconds,
                                                    std::size_t limit) override {
    auto claimed = store_->claimDueMessages(now, leaseSeconds, limit);
    if (!claimed.ok()) return claimed.error();
    std::vector<mail::QueuedMessage> messages;
    for (auto& record : *claimed) {
      mail::Message message;
      message.channel = record.channel == "sms" ? mail::Channel::Sms : mail::Channel::Email;
      message.to = std::move(record.recipient);
      message.subject = std::move(record.subject);
      message.text = std::move(record.text);
      message.html = std::move(record.html);
      messages.push_back({record.id, std::move(message), record.attempts});
    }
    return messages;
  }

  Result<void> markSent(std::int64_t id, std::int64_t now) override {
    return store_->markMessageSent(id, now);
  }

  Result<void> markFailed(std::int64_t id, std::optional<std::int64_t> nextAttempt,
                          const std::string& error) override {
    return store_->markMessageFailed(id, nextAttempt, error);
  }

  Result<std::int64_t> pendingCount() override { return store_->pendingMessages(); }

 private:
  std::shared_ptr<policy::mfa::StateStore> store_;
};

std::string outcomeName(mail::DeliveryEvent::Outcome outcome) {
  switch (outcome) {
    case mail::DeliveryEvent::Outcome::Sent:
      return "success";
    case mail::DeliveryEvent::Outcome::Retrying:
      return "retrying";
    case mail::DeliveryEvent::Outcome::GivenUp:
      return "failed";
  }
  return "failed";
}

mail::Templates loadTemplates(const mail::Settings& settings) {
  auto templates = mail::Templates::load(settings.defaultTemplatesDir, settings.templatesDir);
  if (!templates) throw std::runtime_error("mail templates: " + templates.error().detail);
  return templates->withProductName(settings.productName);
}

}  // namespace

struct Mailer::Impl {
  Impl(const config::Config& config, std::shared_ptr<policy::mfa::StateStore> store,
       AuditLog& auditLog)
      : publicUrl(config.server.publicUrl),
        templates(loadTemplates(config.mail.settings)),
        outbox(std::move(store)),
        email(mail::makeSmtpTransport(config.mail.settings.smtp)),
        sms(config.mail.settings.sms.url.empty()
                ? nullptr
                : mail::makeWebhookTransport(config.mail.settings.sms)),
        audit(auditLog),
        dispatcher(outbox, *email, sms.get(), config.mail.settings.retry,
                   [this](const mail::DeliveryEvent& event) { record(event); }) {
    while (!publicUrl.empty() && publicUrl.back() == '/') publicUrl.pop_back();
    dispatcher.start();
  }

  void record(const mail::DeliveryEvent& event) {
    AuditRecord entry;
    entry.principal = "scimgate";
    entry.operation = event.channel == mail::Channel::Sms ? "sms.deliver" : "mail.deliver";
    entry.target = maskAddress(event.to);
    entry.outcome = outcomeName(event.outcome);
    entry.attributes = {"outbox:" + std::to_string(event.id),
                        "attempt:" + std::to_string(event.attempt), "subject:" + event.subject};
    entry.reason = event.error;
    audit.record(entry);
  }

  std::string publicUrl;
  mail::Templates templates;
  StoreOutbox outbox;
  std::unique_ptr<mail::Transport> email;
  std::unique_ptr<mail::Transport> sms;
  AuditLog& audit;
  mail::Dispatcher dispatcher;  // last: stopped first, while everything it uses still exists
};

Mailer::Mailer(const config::Config& config, std::shared_ptr<policy::mfa::StateStore> store,
               AuditLog& audit)
    : impl_(std::make_unique<Impl>(config, std::move(store), audit)) {}

Mailer::~Mailer() = default;

Result<void> Mailer::send(mail::Channel channel, std::string_view templateName,
                          const std::string& to, const std::map<std::string, std::string>& values) {
  if (channel == mail::Channel::Sms && !impl_->sms) {
    return makeError(ErrorKind::InvalidValue,
                     "this gateway sends no SMS (config: mail.sms.url); use email instead");
  }
  auto message = impl_->templates.render(templateName, values);
  if (!message) return message.error();
  message->channel = channel;
  message->to = to;
  auto queued = impl_->outbox.enqueue(*message, unixSeconds());
  if (!queued) return queued.error();
  impl_->dispatcher.wake();
  return {};
}

std::string Mailer::link(std::string_view path) const {
  return impl_->publicUrl + std::string(path);
}

bool Mailer::canText() const { return impl_->sms != nullptr; }

std::string maskAddress(std::string_view address) {
  if (auto at = address.find('@'); at != std::string_view::npos) {
    return std::string(address.substr(0, at > 0 ? 1 : 0)) + "***" + std::string(address.substr(at));
  }
  // A phone number: its last two digits.
  if (address.size() <= 2) return "***";
  return "***" + std::string(address.substr(address.size() - 2));
}

}  // namespace scimgate::gateway
