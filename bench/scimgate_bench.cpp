// scimgate_bench: each SCIM operation of the gateway side by side with the raw LDAP operation(s)
// it needs, at several concurrencies, in one run (DESIGN 8). bench/run.sh prepares the directory
// (100,000 users, groups of 100 and 50,000 members) and the gateway, then runs this; see
// bench/README.md for what each row measures and how to read the ratios.
//
// Each worker thread has its own HTTP keep-alive session (gateway) or its own LDAP connection
// bound as the gateway's service account (raw). Writes leave the directory as they found it:
// PATCH active and group member changes alternate (false/true, add/remove) over users reserved
// for that cell and thread, and a thread only stops after an even number of operations.
//
// This file reads the options and prints the table; bench/clients.h has the HTTP and LDAP
// clients, bench/workloads.h the operations measured and how one cell is run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "clients.h"
#include "workloads.h"

using scimgate::bench::CellResult;
using scimgate::bench::Clock;
using scimgate::bench::Directory;
using scimgate::bench::fail;
using scimgate::bench::Http;
using scimgate::bench::Operation;
using scimgate::bench::operations;
using scimgate::bench::Options;
using scimgate::bench::readDirectory;
using scimgate::bench::runCell;

namespace {

constexpr char kUsage[] =
    "usage: scimgate_bench --url URL --token TOKEN --ldap-url URL --bind-dn DN --suffix DN\n"
    "                      [--seconds S] [--warmup N] [--concurrency 1,16] [--only NAME,...]\n"
    "                      [--slapd-pid PID] [--gateway-pid PID] [--second-url URL]\n"
    "  The bind password is read from SCIMGATE_BENCH_LDAP_PASSWORD.\n"
    "  --url         the gateway's SCIM base, e.g. http://127.0.0.1:PORT/scim/v2\n"
    "  --seconds S   measured time per cell (operation x concurrency x side), default 5\n"
    "  --warmup N    unmeasured operations per thread before each cell, default 10 (even)\n"
    "  --only        operation keys: get-user,filter-user,post-user,post-role-1k,\n"
    "                post-role-all,list-users,patch-active,\n"
    "                group-small,group-big,get-group-big,get-group-small,two-gateways\n"
    "  --slapd-pid, --gateway-pid  also report the CPU time (user + system, from /proc) each\n"
    "                process spent per measured operation\n"
    "  --second-url  a second gateway on the same directory: GET /Users/{id} through both\n"
    "                (threads split between them) against the first alone (two-gateways)\n";

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

Options parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) fail(arg + " needs a value\n" + kUsage);
      return argv[++i];
    };
    if (arg == "--url") {
      options.url = next();
    } else if (arg == "--token") {
      options.token = next();
    } else if (arg == "--ldap-url") {
      options.ldapUrl = next();
    } else if (arg == "--bind-dn") {
      options.bindDn = next();
    } else if (arg == "--suffix") {
      options.suffix = next();
    } else if (arg == "--seconds") {
      options.seconds = std::stod(next());
    } else if (arg == "--warmup") {
      options.warmup = std::stoi(next());
      options.warmup += options.warmup % 2;
    } else if (arg == "--concurrency") {
      options.concurrency.clear();
      for (const auto& c : splitList(next())) options.concurrency.push_back(std::stoi(c));
    } else if (arg == "--only") {
      options.only = splitList(next());
    } else if (arg == "--slapd-pid") {
      options.slapdPid = std::stoi(next());
    } else if (arg == "--gateway-pid") {
      options.gatewayPid = std::stoi(next());
    } else if (arg == "--second-url") {
      options.secondUrl = next();
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else {
      fail("unknown argument '" + arg + "'\n" + kUsage);
    }
  }
  if (const char* password = std::getenv("SCIMGATE_BENCH_LDAP_PASSWORD")) {
    options.bindPassword = password;
  }
  if (options.url.empty() || options.token.empty() || options.ldapUrl.empty() ||
      options.bindDn.empty() || options.suffix.empty()) {
    fail(std::string("missing arguments\n") + kUsage);
  }
  return options;
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parseOptions(argc, argv);
  const auto started = Clock::now();
  const Directory dir = readDirectory(options);
  std::cerr << "scimgate_bench: " << dir.users.size() << " users, groups " << dir.small.id
            << " (100) and " << dir.big.id << " (50,000), read in "
            << fixed(std::chrono::duration<double>(Clock::now() - started).count(), 1) << " s\n";

  struct Row {
    std::string key;
    std::string name;
    int concurrency;
    CellResult gateway;
    CellResult raw;
  };
  std::vector<Row> rows;
  std::string stoppedAt;  // the cell during which the gateway stopped answering
  for (const Operation& op : operations(options, dir)) {
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), op.key) == options.only.end()) {
      continue;
    }
    if (!stoppedAt.empty()) break;
    for (int c : options.concurrency) {
      Row row{op.key, op.scim, c, {}, {}};
      row.gateway = runCell(c, options, [&](int t) { return op.gateway(t, c); });
      // A gateway that stopped answering would turn every later cell into a stream of errors.
      if (Http(options).request("GET", "/ServiceProviderConfig") != 200) {
        stoppedAt = op.key + " at concurrency " + std::to_string(c);
        break;
      }
      row.raw = runCell(c, options, [&](int t) { return op.raw(t, c); });
      std::cerr << "scimgate_bench: " << op.key << " c=" << c << ": gateway "
                << fixed(row.gateway.p50, 2) << " ms p50, raw " << fixed(row.raw.p50, 2)
                << " ms p50" << (row.gateway.errors + row.raw.errors ? " (ERRORS)" : "") << '\n';
      rows.push_back(std::move(row));
    }
  }

  // The table (Markdown, so it pastes into bench/README.md as is).
  // CPU ms per measured operation, or "-" when the process was not given.
  auto perOp = [](double cpu, long ops) {
    return cpu >= 0 && ops > 0 ? fixed(cpu / static_cast<double>(ops), 2) : std::string("-");
  };
  std::printf(
      "\n| operation | conc | gateway ops/s | p50 ms | p99 ms | raw LDAP ops/s | p50 ms | "
      "p99 ms | p50 gw/raw | ops/s gw/raw | errors gw/raw | slapd CPU ms/op gw/raw | "
      "gateway CPU ms/op |\n");
  std::printf("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %ld/%ld | %s / %s | %s |\n",
                r.name.c_str(), r.concurrency, fixed(r.gateway.opsPerSecond, 0).c_str(),
                fixed(r.gateway.p50, 2).c_str(), fixed(r.gateway.p99, 2).c_str(),
                fixed(r.raw.opsPerSecond, 0).c_str(), fixed(r.raw.p50, 2).c_str(),
                fixed(r.raw.p99, 2).c_str(),
                r.raw.p50 > 0 ? fixed(r.gateway.p50 / r.raw.p50, 1).c_str() : "-",
                r.raw.opsPerSecond > 0
                    ? fixed(r.gateway.opsPerSecond / r.raw.opsPerSecond, 2).c_str()
                    : "-",
                r.gateway.errors, r.raw.errors, perOp(r.gateway.slapdCpuMs, r.gateway.ops).c_str(),
                perOp(r.raw.slapdCpuMs, r.raw.ops).c_str(),
                perOp(r.gateway.gatewayCpuMs, r.gateway.ops).c_str());
  }
  std::printf("\nRaw LDAP side of each row:\n");
  for (const Operation& op : operations(options, dir)) {
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), op.key) == options.only.end()) {
      continue;
    }
    std::printf("  %-58s %s\n", op.scim.c_str(), op.ldap.c_str());
  }

  // Issue #19: GET /Users/{id} through two gateways (each thread keeps to one, alternately)
  // against the first gateway alone, same threads, same run.
  const bool twoGateways =
      !options.secondUrl.empty() &&
      (options.only.empty() ||
       std::find(options.only.begin(), options.only.end(), "two-gateways") != options.only.end());
  if (twoGateways && stoppedAt.empty()) {
    Options second = options;
    second.url = options.secondUrl;
    auto reads = [&](bool both) {
      return [&, both](int thread) {
        auto session = std::make_shared<Http>(both && thread % 2 == 1 ? second : options);
        auto rng = std::make_shared<std::mt19937_64>(5000 + thread);
        scimgate::bench::Worker worker;
        worker.connection = session;
        worker.step = [session, rng, &dir](long) {
          const auto& user = dir.users[(*rng)() % dir.users.size()];
          return session->expect(200, "GET", "/Users/" + user.id);
        };
        return worker;
      };
    };
    std::printf(
        "\nTwo gateways against one (GET /Users/{id}, the same threads split between "
        "two gateways on one directory):\n");
    for (int c : options.concurrency) {
      if (c < 2) continue;  // one thread would only ever use the first gateway
      const auto one = runCell(c, options, reads(false));
      const auto two = runCell(c, options, reads(true));
      std::printf(
          "  concurrency %d: one gateway %s ops/s (p50 %s ms), two %s ops/s (p50 %s ms): "
          "%sx%s\n",
          c, fixed(one.opsPerSecond, 0).c_str(), fixed(one.p50, 2).c_str(),
          fixed(two.opsPerSecond, 0).c_str(), fixed(two.p50, 2).c_str(),
          one.opsPerSecond > 0 ? fixed(two.opsPerSecond / one.opsPerSecond, 2).c_str() : "-",
          one.errors + two.errors ? " (ERRORS)" : "");
      rows.push_back({"two-gateways", "GET /Users/{id}, two gateways vs one", c, two, one});
    }
  }

  // DESIGN 8 / issue #4: a member change on the 50,000-member group within 1.5x of the
  // 100-member group.
  std::printf("\n");
  for (int c : options.concurrency) {
    const Row* small = nullptr;
    const Row* big = nullptr;
    for (const Row& r : rows) {
      if (r.concurrency != c) continue;
      if (r.key == "group-small") small = &r;
      if (r.key == "group-big") big = &r;
    }
    if (small == nullptr || big == nullptr || small->gateway.p50 <= 0 || small->raw.p50 <= 0)
      continue;
    const double ratio = big->gateway.p50 / small->gateway.p50;
    const bool clean = big->gateway.errors + small->gateway.errors == 0;
    std::printf(
        "group member add/remove, 50,000-member vs 100-member group, concurrency %d: "
        "gateway p50 %s / %s ms = %sx (target <= 1.5x: %s); raw LDAP p50 %s / %s ms = %sx\n",
        c, fixed(big->gateway.p50, 2).c_str(), fixed(small->gateway.p50, 2).c_str(),
        fixed(ratio, 2).c_str(),
        !clean         ? "invalid, requests failed"
        : ratio <= 1.5 ? "met"
                       : "NOT met",
        fixed(big->raw.p50, 2).c_str(), fixed(small->raw.p50, 2).c_str(),
        fixed(big->raw.p50 / small->raw.p50, 2).c_str());
  }
  if (!stoppedAt.empty()) {
    std::printf(
        "\nTHE GATEWAY STOPPED ANSWERING during %s: the rows above are the cells "
        "measured before; the rest were not run\n",
        stoppedAt.c_str());
    return 1;
  }
  long errors = 0;
  for (const Row& r : rows) errors += r.gateway.errors + r.raw.errors;
  if (errors > 0) {
    std::printf("\n%ld operations failed (see the errors column)\n", errors);
    return 1;
  }
  return 0;
}
