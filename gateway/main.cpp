// scimgate: the executable. Reads the config, wires the directory and the HTTP server, and runs
// until SIGINT or SIGTERM, then drains running requests and exits.

#include <malloc.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "gateway/log_line.h"
#include "gateway/server.h"
#include "gateway/tls.h"
#include "ldap/directory.h"
#include "policy/mfa/state_store.h"

namespace {

constexpr char kUsage[] =
    "usage: scimgate --config FILE [--check] [--port-file FILE]\n"
    "       scimgate --hash-token TOKEN\n"
    "  --config FILE     JSON configuration (see scimgate.example.json)\n"
    "  --check           validate the configuration, print every problem, then try the\n"
    "                    certificate, the directory and the state store; non-zero on any failure\n"
    "  --port-file FILE  write the bound HTTP port to FILE once listening (useful with port 0)\n"
    "  --hash-token T    print the SHA-256 of a bearer token, as the config stores it\n";

// One JSON log line of the program itself (not of a request).
void logLine(const char* level, const std::string& message) {
  scimgate::gateway::log::write(R"({"level":")" + std::string(level) + R"(","message":)" +
                                scimgate::gateway::log::quoted(message) + "}");
}

// --check, after the file itself: whatever the gateway would fail on at start or at its first
// request. Each failure is one line naming what failed.
int checkConnections(const std::string& configPath, const scimgate::config::Config& config,
                     scimgate::ldap::Directory& directory) {
  using namespace scimgate;
  std::vector<std::string> failures;
  if (config.server.tls.enabled()) {
    if (auto tls = gateway::TlsContext::load(config.server.tls); !tls) {
      failures.push_back("HTTPS: " + tls.error().detail);
    }
  }
  if (auto ping = directory.ping(); !ping) {
    failures.push_back("directory: " + ping.error().detail);
  }
  if (!config.mfa.settings.encryptionKey.empty()) {
    if (auto store = policy::mfa::openStateStore(config.mfa.store); !store) {
      failures.push_back("state store (" + config.mfa.store.kind + "): " + store.error().detail);
    }
  }
  if (!failures.empty()) {
    std::cerr << "scimgate: " << configPath << " is valid, but:\n";
    for (const auto& failure : failures) std::cerr << "  " << failure << '\n';
    return 1;
  }
  std::cout << "scimgate: " << configPath << " is valid; the directory answers"
            << (config.server.tls.enabled() ? ", the certificate and key load" : "")
            << (config.mfa.settings.encryptionKey.empty() ? "" : ", the state store opens") << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace scimgate;
#ifndef SCIMGATE_JEMALLOC
  // Without jemalloc (the sanitizer build): glibc gives threads that allocate at the same time
  // arenas of their own, up to eight per core, and keeps what each arena once held: with 16
  // workers, pages of 100 users left the RSS 35 MB higher after a few seconds (bench/README). One
  // arena per core keeps it near what is in use. MALLOC_ARENA_MAX in the environment still decides.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    mallopt(M_ARENA_MAX, static_cast<int>(std::max(2U, std::thread::hardware_concurrency())));
  }
#endif
  std::string configPath;
  std::string portFile;
  bool checkOnly = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "scimgate: " << arg << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--config") {
      configPath = next();
    } else if (arg == "--check") {
      checkOnly = true;
    } else if (arg == "--port-file") {
      portFile = next();
    } else if (arg == "--hash-token") {
      std::cout << config::sha256Hex(next()) << '\n';
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "scimgate: unknown argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }
  if (configPath.empty()) {
    std::cerr << kUsage;
    return 2;
  }

  config::Loaded loaded = config::loadFile(configPath);
  if (!loaded.problems.empty()) {
    std::cerr << "scimgate: " << configPath << " has " << loaded.problems.items.size()
              << " problem(s):\n";
    for (const auto& problem : loaded.problems.items) std::cerr << "  " << problem << '\n';
    return 1;
  }
  std::unique_ptr<ldap::Directory> directory;
  std::unique_ptr<ldap::GroupDirectory> groups;
  try {
    ldap::Directories made = ldap::makeLdapDirectories(loaded.config.ldap);  // one pool for both
    directory = std::move(made.users);
    groups = std::move(made.groups);
  } catch (const std::exception& e) {
    std::cerr << "scimgate: " << configPath << ": $.ldap.userMapping: " << e.what() << '\n';
    return 1;
  }
  if (checkOnly) return checkConnections(configPath, loaded.config, *directory);

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGHUP);  // reload: certificate, audit log
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<gateway::Server> running;
  try {
    running = std::make_unique<gateway::Server>(loaded.config, *directory, *groups);
  } catch (const std::exception& e) {
    std::cerr << "scimgate: " << configPath << ": " << e.what() << '\n';
    return 1;
  }
  gateway::Server& server = *running;
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "scimgate: cannot listen on " << loaded.config.server.listen << ":"
              << loaded.config.server.port << ": " << e.what() << '\n';
    return 1;
  }
  if (!portFile.empty()) {
    std::ofstream(portFile) << server.port() << '\n';
  }
  const auto& listening = loaded.config.server;
  scimgate::gateway::log::write(
      R"({"level":"info","message":"listening","address":)" +
      scimgate::gateway::log::quoted(listening.listen + ":" + std::to_string(server.port())) +
      R"(,"scheme":")" + (listening.tls.enabled() ? "https" : "http") + "\"}");
  if (listening.tls.enabled()) {
    logLine("info", "serving the certificate " + server.tlsDescription());
  } else if (listening.plainHttp && !config::isLoopbackAddress(listening.listen)) {
    logLine("warning",
            "plain HTTP on " + listening.listen +
                ": bearer tokens, passwords and session cookies cross the network in clear text "
                "unless a TLS-terminating proxy is the only client");
  }

  while (true) {
    int received = 0;
    sigwait(&stopSignals, &received);
    if (received == SIGHUP) {
      const auto problems = server.reload();
      for (const auto& problem : problems) logLine("error", "reload: " + problem);
      if (problems.empty()) logLine("info", "reloaded the certificate and reopened the logs");
      continue;
    }
    scimgate::gateway::log::write(R"({"level":"info","message":"stopping","signal":)" +
                                  std::to_string(received) + "}");
    break;
  }
  server.stop();
  return 0;
}
