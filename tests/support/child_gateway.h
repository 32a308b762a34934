#pragma once
// The scimgate binary as a child process of the test: for what needs a process of its own (a
// SIGTERM, several instances sharing a directory and a state store).

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>

#include "support/gateway.h"

namespace scimgate::testing {

class ChildGateway : public Endpoint {
 public:
  /// Writes `configJson` to <dir>/scimgate.json and starts `binary` with it; its standard error
  /// goes to <dir>/gateway.log. The listen port comes back through --port-file (the config should
  /// ask for port 0); the test fails when none appears within 5 s.
  ChildGateway(const std::string& binary, const std::string& dir, const std::string& configJson);
  /// Kills the child (SIGKILL, by its pid) when it is still running.
  ~ChildGateway();
  ChildGateway(const ChildGateway&) = delete;
  ChildGateway& operator=(const ChildGateway&) = delete;

  int port() const override { return port_; }
  pid_t pid() const { return pid_; }
  /// What the child wrote to standard error so far.
  std::string log() const;
  void terminate() const;
  /// Waits up to `timeout` for the child to exit; its exit status (128 + signal when a signal
  /// ended it), or -1.
  int waitExit(std::chrono::milliseconds timeout);

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
};

}  // namespace scimgate::testing
