#include "gateway/log_line.h"

#include <Poco/UTF8String.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace scimgate::gateway::log {

void write(std::string json) {
  json += '\n';
  // One write per line; the mutex keeps a partial write's remainder next to its start.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::size_t done = 0;
  while (done < json.size()) {
    const auto n = ::write(STDERR_FILENO, json.data() + done, json.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: the request goes on
    done += static_cast<std::size_t>(n);
  }
}

std::string quoted(std::string_view text) {
  return '"' + Poco::UTF8::escape(std::string(text), true) + '"';
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(micros % 1000000));
  return text;
}

}  // namespace scimgate::gateway::log
