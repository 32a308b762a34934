// scimgate: the executable. Reads the config, wires the directory and the HTTP server, and runs
// until SIGINT or SIGTERM, then drains running requests and exits.
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "config/config.h"
#include "gateway/server.h"
#include "ldap/directory.h"

namespace {

constexpr char kUsage[] =
    "usage: scimgate --config FILE [--check] [--port-file FILE]\n"
    "       scimgate --hash-token TOKEN\n"
    "  --config FILE     JSON configuration (see scimgate.example.json)\n"
    "  --check           validate the configuration, print every problem, exit non-zero if any\n"
    "  --port-file FILE  write the bound HTTP port to FILE once listening (useful with port 0)\n"
    "  --hash-token T    print the SHA-256 of a bearer token, as the config stores it\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace scimgate;
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
  if (checkOnly) {
    std::cout << "scimgate: " << configPath << " is valid\n";
    return 0;
  }

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
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
  std::clog << R"({"level":"info","message":"listening","address":")" << loaded.config.server.listen
            << ":" << server.port() << "\"}\n";

  int received = 0;
  sigwait(&stopSignals, &received);
  std::clog << R"({"level":"info","message":"stopping","signal":)" << received << "}\n";
  server.stop();
  return 0;
}
