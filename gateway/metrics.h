#pragma once
// A small metrics registry and the text it is scraped as (Prometheus text exposition format
// 0.0.4), and the gateway's own metrics. No library: counters and histograms are atomics, a
// family takes its mutex exclusively only to add a new label set.

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/mfa/mfa.h"

namespace scimgate::ldap {
struct Stats;
}

namespace scimgate::gateway::metrics {

/// Label names and values in the order of the family's label names.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// Writes the exposition text: one `# HELP` and `# TYPE` per family, then its samples. Label
/// values and help texts are escaped as the format requires (backslash, quote, newline).
class Exposition {
 public:
  /// Starts a family; `type` is counter, gauge or histogram.
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const Labels& labels, double value);
  /// One histogram series: `counts[i]` observations at most `bounds[i]` (not cumulative), and
  /// `counts[bounds.size()]` above the last bound.
  void histogram(std::string_view name, const Labels& labels, const std::vector<double>& bounds,
                 const std::vector<std::uint64_t>& counts, double sum);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

/// A counter: only goes up.
class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// A histogram with fixed upper bounds.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double value);
  std::vector<std::uint64_t> counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

/// Series of one metric, one per label set. References returned by `with` stay valid.
template <class Series>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labelNames,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        labelNames_(std::move(labelNames)),
        bounds_(std::move(bounds)) {}

  /// The series for these label values (one per label name, in order), made on first use.
  Series& with(const std::vector<std::string>& values);
  void write(Exposition& out) const;

 private:
  Labels labelsOf(const std::vector<std::string>& values) const;

  std::string name_;
  std::string help_;
  std::vector<std::string> labelNames_;
  std::vector<double> bounds_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

using CounterFamily = Family<Counter>;
using HistogramFamily = Family<Histogram>;

/// Families and collectors (gauges and counters read elsewhere at scrape time), written in the
/// order they were added.
class Registry {
 public:
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labelNames);
  HistogramFamily& histogram(std::string name, std::string help,
                             std::vector<std::string> labelNames, std::vector<double> bounds);
  /// `collect` runs at each scrape and writes whole families.
  void collector(std::function<void(Exposition&)> collect);
  std::string scrape() const;

 private:
  std::deque<CounterFamily> counters_;
  std::deque<HistogramFamily> histograms_;
  std::vector<std::function<void(Exposition&)>> writers_;
};

/// Request latencies, seconds.
const std::vector<double>& latencyBuckets();

/// The gateway's metrics (README "Metrics"). Thread-safe.
class GatewayMetrics {
 public:
  GatewayMetrics();
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  /// One answered HTTP request. `route` is the route table's pattern or "other", never a path.
  void request(std::string_view route, std::string_view method, int status, double seconds);
  /// One login attempt's outcome (success, wrong_password, locked, throttled, ...).
  void login(std::string_view outcome);
  /// One second-factor check: method totp, backup_code or code (sent by mail or SMS).
  void secondFactor(std::string_view method, policy::mfa::SecondFactorOutcome outcome);
  /// The method of a code as MfaService::verifySecondFactor reads it: 6 digits are a code sent by
  /// message or a TOTP code (totp_or_code when the person has both), anything else a backup code.
  static std::string_view methodOf(std::string_view code, const policy::mfa::MfaStatus& status);
  /// A request refused by a throttle (kind login, forgot_password, ...).
  void throttled(std::string_view kind);

  /// LDAP counters and pool gauges of the directory, read at each scrape (null: none).
  void setLdapStats(const ldap::Stats* stats);
  /// The mail outbox's size, read at each scrape (unset, or nullopt when the store cannot say:
  /// the gauge is left out).
  void setOutboxSize(std::function<std::optional<std::int64_t>()> size);

  std::string scrape() const;

 private:
  Registry registry_;
  CounterFamily& requests_;
  HistogramFamily& durations_;
  CounterFamily& logins_;
  CounterFamily& secondFactors_;
  CounterFamily& throttled_;
  std::atomic<const ldap::Stats*> ldap_{nullptr};
  mutable std::mutex outboxMutex_;
  std::function<std::optional<std::int64_t>()> outboxSize_;
};

/// The metrics listener's requests: GET /metrics answers the scrape, anything else 404. With a
/// `tokenSha256` (hex), every request must carry `Authorization: Bearer <token>` whose SHA-256
/// matches (compared in constant time), or gets 401 before anything else.
Poco::Net::HTTPRequestHandlerFactory::Ptr makeScrapeFactory(const GatewayMetrics& metrics,
                                                            std::string tokenSha256);

}  // namespace scimgate::gateway::metrics
