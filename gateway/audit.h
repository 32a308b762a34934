#pragma once

#include <fstream>
#include <mutex>
#include <string>
#include <vector>

namespace scimgate::gateway {

/// One audit record (DESIGN 6, issue #5): who did what to which resource and how it ended. Names
/// of changed attributes only, never values, so no secret can reach the trail.
struct AuditRecord {
  std::string principal;   // token/client name or the person's userName
  std::string principalId; // the person's id; "" for machine clients
  std::string operation;   // e.g. "users.patch", "auth.login"
  std::string target;      // the resource's id, or ""
  std::string outcome;     // "success", "denied", "failed"
  int status = 0;          // the HTTP status answered
  std::vector<std::string> attributes;  // names of the attributes the request changed
  std::string reason;      // why it was denied or failed (the error detail), or ""
};

/// A JSON-lines audit trail: one line per write and per denied request, flushed at once. Appends
/// to a file (created 0600) or, without a path, writes to standard error. Thread-safe.
class AuditLog {
 public:
  explicit AuditLog(const std::string& path);
  void record(const AuditRecord& record);

 private:
  std::mutex mutex_;
  std::ofstream file_;
  bool toFile_ = false;
};

}  // namespace scimgate::gateway
