#include "gateway/audit.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sys/stat.h>

#include <iostream>
#include <sstream>
#include <stdexcept>

namespace scimgate::gateway {

AuditLog::AuditLog(const std::string& path) {
  if (path.empty()) return;
  const mode_t old = umask(077);
  file_.open(path, std::ios::app);
  umask(old);
  if (!file_) throw std::runtime_error("cannot open the audit log " + path);
  toFile_ = true;
}

void AuditLog::record(const AuditRecord& record) {
  Poco::JSON::Object line;
  line.set("time", Poco::DateTimeFormatter::format(Poco::DateTime(), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
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
  std::ostringstream text;
  line.stringify(text);
  std::lock_guard lock(mutex_);
  if (toFile_) {
    file_ << text.str() << '\n';
    file_.flush();
  } else {
    std::clog << text.str() << '\n';
  }
}

}  // namespace scimgate::gateway
