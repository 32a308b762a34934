#include "mail/dispatcher.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <exception>
#include <optional>

namespace scimgate::mail {
namespace {

// Messages claimed per pass; the rest wait for the next pass (at once when a pass was full).
constexpr std::size_t kClaimLimit = 50;

}  // namespace

std::int64_t retryDelaySeconds(const RetrySettings& retry, std::int64_t attempt) {
  const std::int64_t first = std::max(retry.firstDelaySeconds, 1);
  const std::int64_t max = std::max<std::int64_t>(retry.maxDelaySeconds, first);
  std::int64_t delay = first;
  // Doubling stops at the cap, so a large attempt count cannot overflow.
  for (std::int64_t n = 1; n < attempt && delay < max; ++n) delay *= 2;
  return std::min(delay, max);
}

Dispatcher::Dispatcher(Outbox& outbox, Transport& email, Transport* sms, RetrySettings retry,
                       std::function<void(const DeliveryEvent&)> onEvent,
                       std::function<std::int64_t()> clock)
    : outbox_(outbox),
      email_(email),
      sms_(sms),
      retry_(retry),
      onEvent_(std::move(onEvent)),
      clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
}

Dispatcher::~Dispatcher() { stop(); }

Result<std::size_t> Dispatcher::runOnce() {
  const std::int64_t claimedAt = clock_();
  auto claimed = outbox_.claimDue(claimedAt, retry_.leaseSeconds, kClaimLimit);
  if (!claimed.ok()) return claimed.error();

  std::optional<Error> storeError;  // the first one; the other messages are still tried
  for (const auto& queued : claimed.value()) {
    // Only while at least half the lease is left: in a pass slowed down by a mail server that
    // does not answer, another instance may claim a message again once its lease ran out, and
    // both would send it. The rest wait for the lease to end and are claimed again.
    if (clock_() - claimedAt >= retry_.leaseSeconds / 2) break;
    DeliveryEvent event;
    event.id = queued.id;
    event.channel = queued.message.channel;
    event.to = queued.message.to;
    event.subject = queued.message.subject;
    event.attempt = queued.attempts + 1;

    Transport* transport = queued.message.channel == Channel::Email ? &email_ : sms_;
    Result<void> sent =
        transport != nullptr
            ? transport->send(queued.message)
            : Result<void>(makeError(ErrorKind::InvalidValue,
                                     "no SMS webhook is configured (mail.sms.url)"));
    Result<void> marked;
    if (sent.ok()) {
      event.outcome = DeliveryEvent::Outcome::Sent;
      marked = outbox_.markSent(queued.id, clock_());
    } else {
      event.error = sent.error().detail;
      const bool permanent = sent.error().kind == ErrorKind::InvalidValue;
      if (permanent || event.attempt >= retry_.maxAttempts) {
        event.outcome = DeliveryEvent::Outcome::GivenUp;
        marked = outbox_.markFailed(queued.id, std::nullopt, event.error);
      } else {
        event.outcome = DeliveryEvent::Outcome::Retrying;
        marked = outbox_.markFailed(queued.id, clock_() + retryDelaySeconds(retry_, event.attempt),
                                    event.error);
      }
    }
    if (!marked.ok() && !storeError) storeError = marked.error();
    if (onEvent_) onEvent_(event);
  }
  if (storeError) return *storeError;
  return claimed.value().size();
}

void Dispatcher::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Dispatcher::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeUp_.notify_all();
}

void Dispatcher::stop() {
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    thread = std::move(thread_);
  }
  wakeUp_.notify_all();
  if (thread.joinable()) thread.join();
}

void Dispatcher::loop() {
  while (true) {
    // A store error is not fatal: the next poll tries again. Nor is an exception from an
    // outbox or event handler: escaping this thread it would end the process.
    bool full = false;
    try {
      auto pass = runOnce();
      full = pass.ok() && pass.value() >= kClaimLimit;
    } catch (const std::exception&) {
    }
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    if (!full) {
      wakeUp_.wait_for(lock, std::chrono::milliseconds(retry_.pollMilliseconds),
                       [this] { return stopping_ || woken_; });
    }
    woken_ = false;
    if (stopping_) return;
  }
}

}  // namespace scimgate::mail
