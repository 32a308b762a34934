// The dispatcher against a real SMTP server, with an outbox of our own in memory (the Outbox
// interface is ours; the gateway's SQL outbox has its own tests).
#include "mail/dispatcher.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mail/transport.h"
#include "support/smtp.h"

namespace mail = scimgate::mail;
using scimgate::ErrorKind;
using scimgate::Result;
using scimgate::testing::sinkOptions;
using scimgate::testing::SmtpSink;
using scimgate::testing::SmtpSinkOptions;
using Outcome = mail::DeliveryEvent::Outcome;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

class MemoryOutbox : public mail::Outbox {
 public:
  struct Row {
    std::int64_t id = 0;
    mail::Message message;
    std::int64_t attempts = 0;
    std::int64_t nextAttempt = 0;
    std::int64_t leaseUntil = 0;
    bool sent = false;
    bool givenUp = false;
    std::string error;
  };

  Result<std::int64_t> enqueue(const mail::Message& message, std::int64_t now) override {
    std::lock_guard lock(mutex_);
    if (broken_) return brokenError();
    rows_.push_back(
        Row{static_cast<std::int64_t>(rows_.size()) + 1, message, 0, now, 0, false, false, ""});
    return rows_.back().id;
  }

  Result<std::vector<mail::QueuedMessage>> claimDue(std::int64_t now, std::int64_t leaseSeconds,
                                                    std::size_t limit) override {
    std::lock_guard lock(mutex_);
    if (throwing_ > 0) {
      --throwing_;
      throw std::runtime_error("a bug in an outbox");
    }
    if (broken_) return brokenError();
    std::vector<mail::QueuedMessage> due;
    for (auto& row : rows_) {
      if (due.size() >= limit) break;
      if (row.sent || row.givenUp || row.nextAttempt > now || row.leaseUntil > now) continue;
      row.leaseUntil = now + leaseSeconds;
      due.push_back({row.id, row.message, row.attempts});
    }
    return due;
  }

  Result<void> markSent(std::int64_t id, std::int64_t) override {
    std::lock_guard lock(mutex_);
    if (broken_) return brokenError();
    auto& row = rows_.at(static_cast<std::size_t>(id - 1));
    row.sent = true;
    ++row.attempts;
    row.leaseUntil = 0;
    return {};
  }

  Result<void> markFailed(std::int64_t id, std::optional<std::int64_t> nextAttempt,
                          const std::string& error) override {
    std::lock_guard lock(mutex_);
    if (broken_) return brokenError();
    auto& row = rows_.at(static_cast<std::size_t>(id - 1));
    ++row.attempts;
    row.leaseUntil = 0;
    row.error = error;
    if (nextAttempt) {
      row.nextAttempt = *nextAttempt;
    } else {
      row.givenUp = true;
    }
    return {};
  }

  Result<std::int64_t> pendingCount() override {
    std::lock_guard lock(mutex_);
    std::int64_t count = 0;
    for (const auto& row : rows_) count += (!row.sent && !row.givenUp) ? 1 : 0;
    return count;
  }

  Row row(std::int64_t id) {
    std::lock_guard lock(mutex_);
    return rows_.at(static_cast<std::size_t>(id - 1));
  }
  void throwOnNextClaims(int count) {
    std::lock_guard lock(mutex_);
    throwing_ = count;
  }
  void setBroken(bool broken) {
    std::lock_guard lock(mutex_);
    broken_ = broken;
  }

 private:
  static scimgate::Error brokenError() {
    return scimgate::makeError(ErrorKind::Unavailable, "the state store is down");
  }

  std::mutex mutex_;
  std::vector<Row> rows_;
  bool broken_ = false;
  int throwing_ = 0;
};

// What the dispatcher reported, thread-safe.
struct Events {
  std::mutex mutex;
  std::vector<mail::DeliveryEvent> items;
  std::function<void(const mail::DeliveryEvent&)> recorder() {
    return [this](const mail::DeliveryEvent& event) {
      std::lock_guard lock(mutex);
      items.push_back(event);
    };
  }
  std::vector<mail::DeliveryEvent> all() {
    std::lock_guard lock(mutex);
    return items;
  }
};

mail::SmtpSettings smtpFor(const SmtpSink& sink) {
  mail::SmtpSettings settings;
  settings.port = sink.port();
  settings.security = mail::Security::None;
  settings.from = "scimgate <no-reply@scimgate.test>";
  settings.timeoutMs = 3000;
  return settings;
}

mail::Message email(const std::string& to = "ada@example.com") {
  mail::Message message;
  message.to = to;
  message.subject = "Your code";
  message.text = "123456\n";
  return message;
}

// The test's clock: unix seconds it sets itself.
struct Clock {
  std::atomic<std::int64_t> now{1'000'000};
  std::function<std::int64_t()> function() {
    return [this] { return now.load(); };
  }
};

}  // namespace

TEST_CASE("retryDelaySeconds doubles from the first delay up to the maximum") {
  mail::RetrySettings retry;  // 30 s, up to 3600 s
  CHECK(mail::retryDelaySeconds(retry, 1) == 30);
  CHECK(mail::retryDelaySeconds(retry, 2) == 60);
  CHECK(mail::retryDelaySeconds(retry, 3) == 120);
  CHECK(mail::retryDelaySeconds(retry, 7) == 1920);
  CHECK(mail::retryDelaySeconds(retry, 8) == 3600);
  CHECK(mail::retryDelaySeconds(retry, 1'000'000) == 3600);
}

TEST_CASE("the dispatcher sends a due message once and marks it sent") {
  SmtpSink sink;
  MemoryOutbox outbox;
  auto transport = mail::makeSmtpTransport(smtpFor(sink));
  Events events;
  Clock clock;
  mail::Dispatcher dispatcher(outbox, *transport, nullptr, {}, events.recorder(), clock.function());

  auto id = outbox.enqueue(email(), clock.now);
  REQUIRE(id.ok());
  auto pass = dispatcher.runOnce();
  REQUIRE(pass.ok());
  CHECK(pass.value() == 1);
  CHECK(outbox.row(*id).sent);
  CHECK(outbox.pendingCount().value() == 0);
  REQUIRE(events.all().size() == 1);
  CHECK(events.all()[0].outcome == Outcome::Sent);
  CHECK(events.all()[0].attempt == 1);
  CHECK(events.all()[0].to == "ada@example.com");
  CHECK(events.all()[0].error.empty());

  CHECK(dispatcher.runOnce().value() == 0);
  clock.now += 100000;
  CHECK(dispatcher.runOnce().value() == 0);
  CHECK(sink.waitForMessages(1, kWait).size() == 1);
}

TEST_CASE("server down: retried after 30 s, then 60 s, and sent exactly once when it is back") {
  SmtpSink sink;
  MemoryOutbox outbox;
  auto transport = mail::makeSmtpTransport(smtpFor(sink));
  Events events;
  Clock clock;
  mail::Dispatcher dispatcher(outbox, *transport, nullptr, {}, events.recorder(), clock.function());
  const std::int64_t start = clock.now;

  sink.stop();
  auto id = outbox.enqueue(email(), clock.now);
  REQUIRE(id.ok());
  REQUIRE(dispatcher.runOnce().ok());
  REQUIRE(events.all().size() == 1);
  CHECK(events.all()[0].outcome == Outcome::Retrying);
  CHECK(events.all()[0].attempt == 1);
  CHECK_FALSE(events.all()[0].error.empty());
  CHECK(outbox.row(*id).nextAttempt == start + 30);

  clock.now = start + 29;
  CHECK(dispatcher.runOnce().value() == 0);  // not due yet
  clock.now = start + 30;
  REQUIRE(dispatcher.runOnce().value() == 1);
  CHECK(events.all().back().outcome == Outcome::Retrying);
  CHECK(events.all().back().attempt == 2);
  CHECK(outbox.row(*id).nextAttempt == start + 30 + 60);

  sink.start();
  clock.now = start + 90;
  REQUIRE(dispatcher.runOnce().value() == 1);
  CHECK(events.all().back().outcome == Outcome::Sent);
  CHECK(events.all().back().attempt == 3);
  clock.now = start + 100000;
  CHECK(dispatcher.runOnce().value() == 0);
  CHECK(sink.waitForMessages(1, kWait).size() == 1);
  CHECK(sink.waitForMessages(2, std::chrono::milliseconds(300)).size() == 1);
}

TEST_CASE("a permanent refusal (550) is given up at once") {
  SmtpSink sink(sinkOptions(SmtpSinkOptions::Tls::None, "", "nobody"));
  MemoryOutbox outbox;
  auto transport = mail::makeSmtpTransport(smtpFor(sink));
  Events events;
  Clock clock;
  mail::Dispatcher dispatcher(outbox, *transport, nullptr, {}, events.recorder(), clock.function());

  auto id = outbox.enqueue(email("nobody@example.com"), clock.now);
  REQUIRE(dispatcher.runOnce().value() == 1);
  REQUIRE(events.all().size() == 1);
  CHECK(events.all()[0].outcome == Outcome::GivenUp);
  CHECK(events.all()[0].error.find("550") != std::string::npos);
  CHECK(outbox.row(*id).givenUp);
  CHECK(outbox.pendingCount().value() == 0);
  clock.now += 100000;
  CHECK(dispatcher.runOnce().value() == 0);
}

TEST_CASE("a message that failed retry.maxAttempts times is given up") {
  SmtpSink sink;
  MemoryOutbox outbox;
  auto transport = mail::makeSmtpTransport(smtpFor(sink));
  Events events;
  Clock clock;
  mail::RetrySettings retry;
  retry.maxAttempts = 3;
  mail::Dispatcher dispatcher(outbox, *transport, nullptr, retry, events.recorder(),
                              clock.function());
  sink.stop();
  auto id = outbox.enqueue(email(), clock.now);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    REQUIRE(dispatcher.runOnce().value() == 1);
    clock.now += 10000;
  }
  auto all = events.all();
  REQUIRE(all.size() == 3);
  CHECK(all[0].outcome == Outcome::Retrying);
  CHECK(all[1].outcome == Outcome::Retrying);
  CHECK(all[2].outcome == Outcome::GivenUp);
  CHECK(all[2].attempt == 3);
  CHECK(outbox.row(*id).givenUp);
  CHECK(dispatcher.runOnce().value() == 0);
}

TEST_CASE("an SMS without a webhook is given up at once") {
  SmtpSink sink;
  MemoryOutbox outbox;
  auto transport = mail::makeSmtpTransport(smtpFor(sink));
  Events events;
  Clock clock;
  mail::Dispatcher dispatcher(outbox, *transport, nullptr, {}, events.recorder(), clock.function());
  mail::Message sms;
  sms.channel = mail::Channel::Sms;
  sms.to = "+15550100";
  sms.text = "code 123456";
  auto id = outbox.enqueue(sms, clock.now);
  REQUIRE(dispatcher.runOnce().value() == 1);
  CHECK(outbox.row(*id).givenUp);
  REQUIRE(events.all().size() == 1);
  CHECK(events.all()[0].outcome == Outcome::GivenUp);
  CHECK(events.all()[0].channel == mail::Channel::Sms);
  CHECK(events.all()[0].error.find("sms") != std::string::npos);
  CHECK(sink.messages().empty());
}

TEST_CASE("a state store error is returned from the pass, and the next pass works") {
  SmtpSink sink;
  MemoryOutbox outbox;
  auto transport = mail::makeSmtpTransport(smtpFor(sink));
  Events events;
  Clock clock;
  mail::Dispatcher dispatcher(outbox, *transport, nullptr, {}, events.recorder(), clock.function());
  auto id = outbox.enqueue(email(), clock.now);
  outbox.setBroken(true);
  auto pass = dispatcher.runOnce();
  REQUIRE_FALSE(pass.ok());
  CHECK(pass.error().kind == ErrorKind::Unavailable);
  outbox.setBroken(false);
  CHECK(dispatcher.runOnce().value() == 1);
  CHECK(outbox.row(*id).sent);
}

TEST_CASE("the dispatcher's thread sends at wake(), and stops promptly") {
  SmtpSink sink;
  MemoryOutbox outbox;
  auto transport = mail::makeSmtpTransport(smtpFor(sink));
  Events events;
  mail::RetrySettings retry;
  retry.pollMilliseconds = 60000;  // only wake() can make it send within the test
  auto dispatcher =
      std::make_unique<mail::Dispatcher>(outbox, *transport, nullptr, retry, events.recorder());
  dispatcher->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the first pass found nothing

  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  REQUIRE(outbox.enqueue(email(), now).ok());
  const auto woken = std::chrono::steady_clock::now();
  dispatcher->wake();
  CHECK(sink.waitForMessages(1, kWait).size() == 1);
  CHECK(std::chrono::steady_clock::now() - woken < std::chrono::seconds(5));

  const auto stopping = std::chrono::steady_clock::now();
  dispatcher->stop();
  CHECK(std::chrono::steady_clock::now() - stopping < std::chrono::seconds(1));

  SECTION("and its destructor stops a running thread promptly too") {
    dispatcher->start();
    const auto destroying = std::chrono::steady_clock::now();
    dispatcher.reset();
    CHECK(std::chrono::steady_clock::now() - destroying < std::chrono::seconds(1));
  }
}

TEST_CASE("the dispatcher polls on its own every retry.pollMilliseconds") {
  SmtpSink sink;
  MemoryOutbox outbox;
  auto transport = mail::makeSmtpTransport(smtpFor(sink));
  Events events;
  mail::RetrySettings retry;
  retry.pollMilliseconds = 100;
  mail::Dispatcher dispatcher(outbox, *transport, nullptr, retry, events.recorder());
  dispatcher.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(outbox.enqueue(email(), static_cast<std::int64_t>(std::time(nullptr))).ok());
  CHECK(sink.waitForMessages(1, kWait).size() == 1);
}

TEST_CASE("the dispatcher's thread survives an exception from the outbox") {
  SmtpSink sink;
  MemoryOutbox outbox;
  auto transport = mail::makeSmtpTransport(smtpFor(sink));
  Events events;
  mail::RetrySettings retry;
  retry.pollMilliseconds = 50;
  outbox.throwOnNextClaims(2);
  mail::Dispatcher dispatcher(outbox, *transport, nullptr, retry, events.recorder());
  dispatcher.start();
  REQUIRE(outbox.enqueue(email(), static_cast<std::int64_t>(std::time(nullptr))).ok());
  CHECK(sink.waitForMessages(1, kWait).size() == 1);
}

TEST_CASE("a slow pass stops sending before the claimed messages' lease may have run out") {
  SmtpSink sink;
  MemoryOutbox outbox;
  auto real = mail::makeSmtpTransport(smtpFor(sink));
  Clock clock;
  // Each send takes 40 s of the test's time, as with a mail server that answers slowly.
  struct SlowTransport : mail::Transport {
    SlowTransport(mail::Transport& t, Clock& c) : real(t), clock(c) {}
    Result<void> send(const mail::Message& message) override {
      clock.now += 40;
      return real.send(message);
    }
    mail::Transport& real;
    Clock& clock;
  } slow(*real, clock);
  mail::RetrySettings retry;
  retry.leaseSeconds = 60;
  Events events;
  mail::Dispatcher dispatcher(outbox, slow, nullptr, retry, events.recorder(), clock.function());
  for (int i = 0; i < 3; ++i) REQUIRE(outbox.enqueue(email(), clock.now).ok());

  REQUIRE(dispatcher.runOnce().ok());
  // The first went out; 40 s later less than half the lease was left, so the others wait.
  CHECK(sink.waitForMessages(1, kWait).size() == 1);
  CHECK(outbox.row(1).sent);
  CHECK_FALSE(outbox.row(2).sent);
  CHECK(outbox.row(2).attempts == 0);
  CHECK(events.all().size() == 1);

  // Still leased: nothing now. After the lease they are claimed again, one per slow pass.
  CHECK(dispatcher.runOnce().value() == 0);
  clock.now += 60;
  REQUIRE(dispatcher.runOnce().ok());
  clock.now += 60;
  REQUIRE(dispatcher.runOnce().ok());
  CHECK(sink.waitForMessages(3, kWait).size() == 3);
  CHECK(outbox.pendingCount().value() == 0);
}
