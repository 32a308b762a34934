#pragma once

#include <Poco/JSON/Object.h>

#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "scim/patch.h"

namespace scimgate::gateway {

/// One audit record (DESIGN 6, issue #5): who did what to which resource and how it ended. Names
/// of changed attributes only, never values, so no secret can reach the trail.
struct AuditRecord {
  std::string principal;                // token/client name or the person's userName
  std::string principalId;              // the person's id; "" for machine clients
  std::string operation;                // e.g. "users.patch", "auth.login"
  std::string target;                   // the resource's id, or ""
  std::string outcome;                  // "success", "denied", "failed"
  int status = 0;                       // the HTTP status answered
  std::vector<std::string> attributes;  // names of the attributes the request changed
  std::string reason;                   // why it was denied or failed (the error detail), or ""
  std::string requestId;                // the request's X-Request-Id (the request log's too)
};

/// The record to write for a finished request, or nullopt: every write and every refused request
/// (401, 403, or marked "denied" by a handler) is recorded; reads that succeed and health checks
/// are not. Fills in the operation ("METHOD /path" when the handler named none), the outcome
/// ("denied", "success" below 400, else "failed") and the status.
std::optional<AuditRecord> completeAudit(AuditRecord record, const std::string& method,
                                         const std::string& path, int status);

/// The attribute names of a POST/PUT body for the audit trail ("schemas" left out).
std::vector<std::string> attributeNamesOf(const Poco::JSON::Object& body);

/// The attribute paths PATCH operations touch, for the audit trail.
std::vector<std::string> attributePathsOf(const std::vector<scim::PatchOperation>& operations);

/// A JSON-lines audit trail: one line per write and per denied request, flushed at once. Appends
/// to a file (created 0600) or, without a path, writes to standard error. Thread-safe.
class AuditLog {
 public:
  explicit AuditLog(const std::string& path);
  void record(const AuditRecord& record);
  /// Opens the file again by its path (after logrotate moved it); the old file stays in use when
  /// the path cannot be opened.
  Result<void> reopen();

 private:
  std::string path_;
  std::mutex mutex_;
  std::ofstream file_;
  bool toFile_ = false;
};

}  // namespace scimgate::gateway
