#include "gateway/audit.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <sys/stat.h>

#include <sstream>
#include <stdexcept>

#include "gateway/log_line.h"
#include "scim/schema.h"

namespace scimgate::gateway {

std::optional<AuditRecord> completeAudit(AuditRecord record, const std::string& method,
                                         const std::string& path, int status) {
  const bool denied = status == 401 || status == 403 || record.outcome == "denied";
  const bool write = method != "GET" && method != "HEAD" && method != "OPTIONS";
  if (!denied && !write) return std::nullopt;
  if (path == "/healthz" || path == "/readyz") return std::nullopt;
  if (record.operation.empty()) record.operation = method + " " + path;
  if (record.outcome.empty() || (record.outcome != "denied" && denied)) {
    record.outcome = denied ? "denied" : status < 400 ? "success" : "failed";
  }
  record.status = status;
  return record;
}

std::vector<std::string> attributeNamesOf(const Poco::JSON::Object& body) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : body) {
    if (!scim::equalsIgnoreCase(key, "schemas")) keys.push_back(key);
  }
  return keys;
}

std::vector<std::string> attributePathsOf(const std::vector<scim::PatchOperation>& operations) {
  std::vector<std::string> paths;
  for (const auto& operation : operations) {
    if (operation.path) {
      const auto& attr = operation.path->attr;
      paths.push_back(attr.schema.empty() ? attr.attribute : attr.schema + ":" + attr.attribute);
    } else if (operation.value.type() == typeid(Poco::JSON::Object::Ptr)) {
      for (const auto& key :
           attributeNamesOf(*operation.value.extract<Poco::JSON::Object::Ptr>())) {
        paths.push_back(key);
      }
    }
  }
  return paths;
}

namespace {

std::ofstream openPrivate(const std::string& path) {
  const mode_t old = umask(077);
  std::ofstream file(path, std::ios::app);
  umask(old);
  return file;
}

}  // namespace

AuditLog::AuditLog(const std::string& path) : path_(path) {
  if (path.empty()) return;
  file_ = openPrivate(path);
  if (!file_) throw std::runtime_error("cannot open the audit log " + path);
  toFile_ = true;
}

Result<void> AuditLog::reopen() {
  if (!toFile_) return {};
  std::ofstream fresh = openPrivate(path_);
  if (!fresh) {
    return Error{ErrorKind::Unavailable,
                 "cannot reopen the audit log " + path_ + "; still writing to the old file"};
  }
  std::lock_guard lock(mutex_);
  file_ = std::move(fresh);
  return {};
}

void AuditLog::record(const AuditRecord& record) {
  Poco::JSON::Object line;
  line.set("time", Poco::DateTimeFormatter::format(Poco::DateTime(),
                                                   Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
  line.set("audit", true);
  line.set("principal", record.principal);
  if (!record.principalId.empty()) line.set("principalId", record.principalId);
  line.set("operation", record.operation);
  if (!record.target.empty()) line.set("target", record.target);
  line.set("outcome", record.outcome);
  line.set("status", record.status);
  if (!record.attributes.empty()) {
    Poco::JSON::Array names;
    for (const auto& name : record.attributes) names.add(name);
    line.set("attributes", names);
  }
  if (!record.reason.empty()) line.set("reason", record.reason);
  if (!record.requestId.empty()) line.set("requestId", record.requestId);
  std::ostringstream text;
  line.stringify(text);
  std::lock_guard lock(mutex_);
  if (toFile_) {
    file_ << text.str() << '\n';
    file_.flush();
  } else {
    log::write(text.str());
  }
}

}  // namespace scimgate::gateway
