#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "mail/outbox.h"
#include "mail/settings.h"
#include "mail/transport.h"

namespace scimgate::mail {

/// What happened to one message, for the audit trail (no body, no secret).
struct DeliveryEvent {
  std::int64_t id = 0;
  Channel channel = Channel::Email;
  std::string to;
  std::string subject;
  enum class Outcome { Sent, Retrying, GivenUp } outcome = Outcome::Sent;
  std::int64_t attempt = 0;  // 1 for the first attempt
  std::string error;         // "" when sent
};

/// Delivers what the outbox holds: claims due messages, sends each through its channel's
/// transport, and marks it sent, or failed with the next attempt after a doubling delay
/// (retry.firstDelaySeconds, ... up to retry.maxDelaySeconds), or given up after
/// retry.maxAttempts or a permanent refusal. A message for a channel without a transport (SMS
/// with no webhook) is given up at once.
class Dispatcher {
 public:
  /// `sms` may be null. `clock` returns unix seconds (tests pass their own); `onEvent` is called
  /// for every attempt.
  Dispatcher(Outbox& outbox, Transport& email, Transport* sms, RetrySettings retry,
             std::function<void(const DeliveryEvent&)> onEvent,
             std::function<std::int64_t()> clock = nullptr);
  ~Dispatcher();  // stops the thread
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  /// One pass: claims and delivers what is due now. The number of messages attempted.
  Result<std::size_t> runOnce();
  /// Runs passes on a thread of its own every retry.pollMilliseconds (and at once after wake()).
  void start();
  /// Asks the thread for a pass now (after an enqueue).
  void wake();
  /// Stops the thread after the pass in progress.
  void stop();

 private:
  void loop();

  Outbox& outbox_;
  Transport& email_;
  Transport* sms_;
  RetrySettings retry_;
  std::function<void(const DeliveryEvent&)> onEvent_;
  std::function<std::int64_t()> clock_;
  std::mutex mutex_;
  std::condition_variable wakeUp_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

/// The delay before attempt `attempt + 1` after `attempt` failures (1-based), per `retry`.
std::int64_t retryDelaySeconds(const RetrySettings& retry, std::int64_t attempt);

}  // namespace scimgate::mail
