#include "gateway/metrics.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <type_traits>

#include "config/config.h"
#include "ldap/stats.h"

#ifndef SCIMGATE_VERSION
#define SCIMGATE_VERSION "unknown"
#endif
#ifndef SCIMGATE_COMMIT
#define SCIMGATE_COMMIT "unknown"
#endif

namespace scimgate::gateway::metrics {
namespace {

// Exposition format 0.0.4: in label values \, " and newline are escaped; in HELP \ and newline.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

std::string labelText(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + escape(labels[i].second, true) + '"';
  }
  return out + '}';
}

// Methods outside this list are counted as "other": a client chooses the method.
std::string_view methodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

double processStartSeconds() {
  static const double start = [] {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }();
  return start;
}

double residentBytes() {
  // /proc/self/statm: size resident shared text lib data dt, in pages.
  std::ifstream statm("/proc/self/statm");
  double size = 0;
  double resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

template <std::size_t N>
void writeFixed(Exposition& out, std::string_view name, const Labels& labels,
                const std::array<double, N>& bounds, const ldap::FixedHistogram<N>& histogram) {
  std::vector<double> b(bounds.begin(), bounds.end());
  std::vector<std::uint64_t> counts;
  for (const auto& c : histogram.counts) counts.push_back(c.load(std::memory_order_relaxed));
  out.histogram(name, labels, b, counts, histogram.sum.load(std::memory_order_relaxed));
}

void writeLdap(Exposition& out, const ldap::Stats& stats) {
  out.family("scimgate_ldap_operations_total",
             "LDAP operations by kind and outcome (error: any result code but success, "
             "compareTrue or compareFalse, including noSuchObject and invalidCredentials); a "
             "rising error rate points at the directory or the service account's rights",
             "counter");
  for (std::size_t i = 0; i < ldap::kOpKinds; ++i) {
    out.sample("scimgate_ldap_operations_total",
               {{"kind", ldap::kOpKindNames[i]}, {"outcome", "ok"}},
               static_cast<double>(stats.succeeded[i].load()));
    out.sample("scimgate_ldap_operations_total",
               {{"kind", ldap::kOpKindNames[i]}, {"outcome", "error"}},
               static_cast<double>(stats.failed[i].load()));
  }
  out.family("scimgate_ldap_operation_duration_seconds",
             "Time from sending an LDAP operation to its result, by kind; slow searches suggest a "
             "missing index in the directory",
             "histogram");
  for (std::size_t i = 0; i < ldap::kOpKinds; ++i) {
    writeFixed(out, "scimgate_ldap_operation_duration_seconds", {{"kind", ldap::kOpKindNames[i]}},
               ldap::kLatencyBounds, stats.latency[i]);
  }
  out.family("scimgate_ldap_pool_connections",
             "Pooled LDAP connections lent to a request (in_use) or open and waiting to be lent "
             "(idle); in_use at scimgate_ldap_pool_size for long means raise ldap.poolSize",
             "gauge");
  out.sample("scimgate_ldap_pool_connections", {{"state", "in_use"}}, stats.inUse.load());
  out.sample("scimgate_ldap_pool_connections", {{"state", "idle"}}, stats.idle.load());
  out.family("scimgate_ldap_pool_waiting",
             "Requests waiting for a free LDAP connection; above 0 for long means the pool is too "
             "small (ldap.poolSize) or the directory is slow",
             "gauge");
  out.sample("scimgate_ldap_pool_waiting", {}, stats.waiting.load());
  out.family("scimgate_ldap_pool_size", "The most LDAP connections the pool opens (ldap.poolSize)",
             "gauge");
  out.sample("scimgate_ldap_pool_size", {}, stats.poolSize.load());
  out.family("scimgate_ldap_server_index",
             "The entry of ldap.uris new connections go to: 0 the first, more after a failover "
             "(-1 before the first connection)",
             "gauge");
  out.sample("scimgate_ldap_server_index", {}, stats.serverIndex.load());
  out.family("scimgate_ldap_replica_reads_total",
             "With ldap.readUris: reads of GET requests a replica served, and those a provider "
             "served because the client had written since the replica's last known catch-up, "
             "or the replica lagged or failed",
             "counter");
  out.sample("scimgate_ldap_replica_reads_total", {{"served_by", "replica"}},
             static_cast<double>(stats.replicaReads.load()));
  out.sample("scimgate_ldap_replica_reads_total", {{"served_by", "provider"}},
             static_cast<double>(stats.providerReads.load()));
  out.family("scimgate_ldap_replica_lag_seconds",
             "How long ago the providers held what a replica is known to hold, the least of "
             "ldap.readUris (-1: not known, or none)",
             "gauge");
  {
    const auto lag = stats.replicaLagMs.load();
    out.sample("scimgate_ldap_replica_lag_seconds", {},
               lag < 0 ? -1.0 : static_cast<double>(lag) / 1000.0);
  }
  out.family("scimgate_ldap_group_commit_batch_size",
             "Member changes merged into one LDAP modify of a group (group commit); large batches "
             "mean many concurrent membership changes to the same group",
             "histogram");
  writeFixed(out, "scimgate_ldap_group_commit_batch_size", {}, ldap::kBatchBounds,
             stats.groupCommitBatch);
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(diff | (a[i] ^ b[i]));
  }
  return diff == 0;
}

void answer(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
            const std::string& contentType, const std::string& body) {
  response.setStatus(status);
  response.setContentType(contentType);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

class ScrapeHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  ScrapeHandler(const GatewayMetrics& metrics, const std::string& tokenSha256)
      : metrics_(metrics), tokenSha256_(tokenSha256) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    using Poco::Net::HTTPResponse;
    if (!tokenSha256_.empty()) {
      const std::string authorization =
          request.get("Authorization", "");  // get() may return its default
      constexpr std::string_view kBearer = "Bearer ";
      const bool bearer =
          authorization.size() > kBearer.size() &&
          Poco::icompare(authorization.substr(0, kBearer.size()), std::string(kBearer)) == 0;
      if (!bearer || !constantTimeEquals(config::sha256Hex(authorization.substr(kBearer.size())),
                                         tokenSha256_)) {
        response.set("WWW-Authenticate", "Bearer realm=\"scimgate metrics\"");
        return answer(response, HTTPResponse::HTTP_UNAUTHORIZED, "text/plain; charset=utf-8",
                      "a bearer token is required (metrics.tokenSha256)\n");
      }
    }
    std::string path = "?";
    try {
      path = Poco::URI(request.getURI()).getPath();
    } catch (const Poco::Exception&) {
    }
    if (path != "/metrics" || request.getMethod() != "GET") {
      return answer(response, HTTPResponse::HTTP_NOT_FOUND, "text/plain; charset=utf-8",
                    "only GET /metrics is served here\n");
    }
    answer(response, HTTPResponse::HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
           metrics_.scrape());
  }

 private:
  const GatewayMetrics& metrics_;
  const std::string& tokenSha256_;
};

class ScrapeFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  ScrapeFactory(const GatewayMetrics& metrics, std::string tokenSha256)
      : metrics_(metrics), tokenSha256_(std::move(tokenSha256)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new ScrapeHandler(metrics_, tokenSha256_);
  }

 private:
  const GatewayMetrics& metrics_;
  std::string tokenSha256_;
};

}  // namespace

Poco::Net::HTTPRequestHandlerFactory::Ptr makeScrapeFactory(const GatewayMetrics& metrics,
                                                            std::string tokenSha256) {
  for (auto& c : tokenSha256) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return new ScrapeFactory(metrics, std::move(tokenSha256));
}

void Exposition::family(std::string_view name, std::string_view help, std::string_view type) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  text_ += escape(help, false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void Exposition::sample(std::string_view name, const Labels& labels, double value) {
  text_ += name;
  text_ += labelText(labels);
  text_ += ' ';
  text_ += number(value);
  text_ += '\n';
}

void Exposition::histogram(std::string_view name, const Labels& labels,
                           const std::vector<double>& bounds,
                           const std::vector<std::uint64_t>& counts, double sum) {
  const std::string base(name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds.size() && i < counts.size(); ++i) {
    cumulative += counts[i];
    Labels withLe = labels;
    withLe.emplace_back("le", i < bounds.size() ? number(bounds[i]) : "+Inf");
    sample(base + "_bucket", withLe, static_cast<double>(cumulative));
  }
  sample(base + "_sum", labels, sum);
  sample(base + "_count", labels, static_cast<double>(cumulative));
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds.size(); ++i) counts_[i] = 0;
}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

template <class Series>
Series& Family<Series>::with(const std::vector<std::string>& values) {
  {
    std::shared_lock lock(mutex_);
    if (auto found = series_.find(values); found != series_.end()) return *found->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = series_[values];
  if (!slot) {
    if constexpr (std::is_same_v<Series, Histogram>) {
      slot = std::make_unique<Histogram>(bounds_);
    } else {
      slot = std::make_unique<Series>();
    }
  }
  return *slot;
}

template <class Series>
Labels Family<Series>::labelsOf(const std::vector<std::string>& values) const {
  Labels labels;
  for (std::size_t i = 0; i < labelNames_.size() && i < values.size(); ++i) {
    labels.emplace_back(labelNames_[i], values[i]);
  }
  return labels;
}

template <class Series>
void Family<Series>::write(Exposition& out) const {
  std::shared_lock lock(mutex_);
  if constexpr (std::is_same_v<Series, Histogram>) {
    out.family(name_, help_, "histogram");
    for (const auto& [values, series] : series_) {
      out.histogram(name_, labelsOf(values), bounds_, series->counts(), series->sum());
    }
  } else {
    out.family(name_, help_, "counter");
    for (const auto& [values, series] : series_) {
      out.sample(name_, labelsOf(values), static_cast<double>(series->value()));
    }
  }
}

template class Family<Counter>;
template class Family<Histogram>;

CounterFamily& Registry::counter(std::string name, std::string help,
                                 std::vector<std::string> labelNames) {
  auto& family = counters_.emplace_back(std::move(name), std::move(help), std::move(labelNames));
  writers_.emplace_back([&family](Exposition& out) { family.write(out); });
  return family;
}

HistogramFamily& Registry::histogram(std::string name, std::string help,
                                     std::vector<std::string> labelNames,
                                     std::vector<double> bounds) {
  auto& family = histograms_.emplace_back(std::move(name), std::move(help), std::move(labelNames),
                                          std::move(bounds));
  writers_.emplace_back([&family](Exposition& out) { family.write(out); });
  return family;
}

void Registry::collector(std::function<void(Exposition&)> collect) {
  writers_.push_back(std::move(collect));
}

std::string Registry::scrape() const {
  Exposition out;
  for (const auto& write : writers_) write(out);
  return out.text();
}

const std::vector<double>& latencyBuckets() {
  static const std::vector<double> buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

GatewayMetrics::GatewayMetrics()
    : requests_(registry_.counter(
          "scimgate_http_requests_total",
          "HTTP requests answered, by route pattern (other: no route matched), method and status; "
          "a rise in 5xx means the gateway or the directory fails, 401/403 a client's credentials",
          {"route", "method", "status"})),
      durations_(registry_.histogram(
          "scimgate_http_request_duration_seconds",
          "Time from a complete request head to the answer, by route pattern and method",
          {"route", "method"}, latencyBuckets())),
      logins_(registry_.counter(
          "scimgate_logins_total",
          "Password checks (POST /auth/login and /auth/verify) by outcome: success, "
          "wrong_password (also an unknown user or a locked or deactivated account: the "
          "directory does not say which), second_factor_required, wrong_second_factor, "
          "second_factor_locked, throttled, error; many wrong_password or throttled is password "
          "guessing",
          {"outcome"})),
      secondFactors_(registry_.counter(
          "scimgate_second_factor_total",
          "Second-factor checks at login, enrolment and removal by method (totp, backup_code, "
          "code: emailed or SMS; totp_or_code when a person has both) and outcome (success, "
          "wrong_code, replayed, locked, not_enrolled); many wrong codes for one person suggest a "
          "stolen password",
          {"method", "outcome"})),
      throttled_(
          registry_.counter("scimgate_throttled_total",
                            "Requests refused because a throttle was exceeded (auth.throttle, "
                            "auth.forgotThrottle), by kind",
                            {"kind"})) {
  processStartSeconds();
  registry_.collector([this](Exposition& out) {
    if (const auto* stats = ldap_.load()) writeLdap(out, *stats);
    std::function<std::optional<std::int64_t>()> size;
    {
      std::lock_guard lock(outboxMutex_);
      size = outboxSize_;
    }
    if (const auto messages = size ? size() : std::nullopt) {
      out.family("scimgate_mail_outbox_messages",
                 "Messages in the mail outbox not yet sent (waiting or retrying); growing means "
                 "the SMTP server or SMS webhook refuses or is unreachable",
                 "gauge");
      out.sample("scimgate_mail_outbox_messages", {}, static_cast<double>(*messages));
    }
    out.family("scimgate_build_info", "The running gateway's version and source commit (always 1)",
               "gauge");
    out.sample("scimgate_build_info", {{"version", SCIMGATE_VERSION}, {"commit", SCIMGATE_COMMIT}},
               1);
    out.family("process_start_time_seconds", "Start time of the process since the Unix epoch",
               "gauge");
    out.sample("process_start_time_seconds", {}, processStartSeconds());
    out.family("process_resident_memory_bytes", "Resident memory size in bytes", "gauge");
    out.sample("process_resident_memory_bytes", {}, residentBytes());
  });
}

void GatewayMetrics::request(std::string_view route, std::string_view method, int status,
                             double seconds) {
  const std::string m(methodLabel(method));
  const std::string r(route);
  requests_.with({r, m, std::to_string(status)}).add();
  durations_.with({r, m}).observe(seconds);
}

void GatewayMetrics::login(std::string_view outcome) { logins_.with({std::string(outcome)}).add(); }

void GatewayMetrics::secondFactor(std::string_view method,
                                  policy::mfa::SecondFactorOutcome outcome) {
  using policy::mfa::SecondFactorOutcome;
  std::string label;
  switch (outcome) {
    case SecondFactorOutcome::Accepted:
      label = "success";
      break;
    case SecondFactorOutcome::Invalid:
      label = "wrong_code";
      break;
    case SecondFactorOutcome::Replayed:
      label = "replayed";
      break;
    case SecondFactorOutcome::LockedOut:
      label = "locked";
      break;
    case SecondFactorOutcome::NotEnrolled:
      label = "not_enrolled";
      break;
  }
  secondFactors_.with({std::string(method), label}).add();
}

std::string_view GatewayMetrics::methodOf(std::string_view code,
                                          const policy::mfa::MfaStatus& status) {
  const bool sixDigits = code.size() == 6 && std::all_of(code.begin(), code.end(), [](char c) {
                           return c >= '0' && c <= '9';
                         });
  if (!sixDigits) return "backup_code";
  if (status.codeChannel && status.totpEnrolled) return "totp_or_code";
  return status.codeChannel ? "code" : "totp";
}

void GatewayMetrics::throttled(std::string_view kind) {
  throttled_.with({std::string(kind)}).add();
}

void GatewayMetrics::setLdapStats(const ldap::Stats* stats) { ldap_.store(stats); }

void GatewayMetrics::setOutboxSize(std::function<std::optional<std::int64_t>()> size) {
  std::lock_guard lock(outboxMutex_);
  outboxSize_ = std::move(size);
}

std::string GatewayMetrics::scrape() const { return registry_.scrape(); }

}  // namespace scimgate::gateway::metrics
