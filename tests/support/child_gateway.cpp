#include "support/child_gateway.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

namespace scimgate::testing {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

ChildGateway::ChildGateway(const std::string& binary, const std::string& dir,
                           const std::string& configJson)
    : dir_(dir) {
  const std::string config = dir + "/scimgate.json";
  const std::string portFile = dir + "/port";
  const std::string logFile = dir + "/gateway.log";
  std::ofstream(config) << configJson;
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    const int log = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (log >= 0) ::dup2(log, STDERR_FILENO);
    ::execl(binary.c_str(), binary.c_str(), "--config", config.c_str(), "--port-file",
            portFile.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = Clock::now() + milliseconds(5000);
  while (port_ == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    std::ifstream in(portFile);
    in >> port_;
    int status = 0;
    if (port_ == 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      FAIL("the gateway exited at start: " << log());
    }
  }
  if (port_ == 0) FAIL("the gateway wrote no port within 5 s: " << log());
}

ChildGateway::~ChildGateway() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string ChildGateway::log() const {
  std::ifstream in(dir_ + "/gateway.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ChildGateway::terminate() const { ::kill(pid_, SIGTERM); }

int ChildGateway::waitExit(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return -1;
}

}  // namespace scimgate::testing
