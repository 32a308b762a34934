#pragma once

// What scimgate_bench measures: each SCIM operation of the gateway and the raw LDAP operation(s)
// it needs, and one cell (operation x concurrency x side) measured on its own threads.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "clients.h"

namespace scimgate::bench {

using Clock = std::chrono::steady_clock;

/// One thread's operation: i counts from 0 (warm-up operations included); true on success.
using Step = std::function<bool(long i)>;

/// What one worker thread needs: its own connection and the step that uses it.
struct Worker {
  std::shared_ptr<void> connection;
  Step step;
};

struct CellResult {
  double opsPerSecond = 0;
  double p50 = 0;
  double p99 = 0;
  long ops = 0;
  long errors = 0;
  double slapdCpuMs = -1;    // CPU time slapd spent during the measured part, -1 = not known
  double gatewayCpuMs = -1;  // the same for the gateway
};

/// Runs `threads` workers: options.warmup unmeasured steps each, then options.seconds measured,
/// each thread stopping only after an even number of steps.
CellResult runCell(int threads, const Options& options,
                   const std::function<Worker(int thread)>& makeWorker);

struct Operation {
  std::string key;
  std::string scim;  // what the gateway row does
  std::string ldap;  // what the raw row does
  std::function<Worker(int thread, int threads)> gateway;
  std::function<Worker(int thread, int threads)> raw;
};

/// Every operation measured, in the order of the table; the workers refer to `dir`.
std::vector<Operation> operations(const Options& options, const Directory& dir);

}  // namespace scimgate::bench
