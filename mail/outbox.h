#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "mail/message.h"

namespace scimgate::mail {

/// A message waiting in the outbox.
struct QueuedMessage {
  std::int64_t id = 0;
  Message message;
  std::int64_t attempts = 0;  // delivery attempts before this one
};

/// The durable queue of outgoing messages, shared by every gateway instance (the gateway
/// implements it over its state store). All times are unix seconds. Thread-safe.
class Outbox {
 public:
  virtual ~Outbox() = default;

  /// Stores the message for delivery as soon as possible; its id.
  virtual Result<std::int64_t> enqueue(const Message& message, std::int64_t now) = 0;
  /// Claims up to `limit` messages that are due (not sent, not given up, next attempt <= now,
  /// not claimed by anybody whose lease still runs), each with one conditional write, so that of
  /// several instances exactly one gets each message. A claimed message is not handed out again
  /// before `now + leaseSeconds`.
  virtual Result<std::vector<QueuedMessage>> claimDue(std::int64_t now, std::int64_t leaseSeconds,
                                                      std::size_t limit) = 0;
  /// The message was delivered: it is never handed out again.
  virtual Result<void> markSent(std::int64_t id, std::int64_t now) = 0;
  /// Delivery failed: try again at `nextAttempt`, or never (`nextAttempt` nullopt: given up).
  /// `error` is kept for operators (no secrets).
  virtual Result<void> markFailed(std::int64_t id, std::optional<std::int64_t> nextAttempt,
                                  const std::string& error) = 0;
  /// Messages not yet sent and not given up.
  virtual Result<std::int64_t> pendingCount() = 0;
};

}  // namespace scimgate::mail
