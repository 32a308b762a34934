#pragma once

#include <string>
#include <string_view>

namespace scimgate::gateway::log {

/// Writes one JSON log line (`json` and a newline) to standard error with a single write, so
/// lines from several threads never interleave and each costs one system call.
void write(std::string json);

/// `text` as a JSON string, quotes included (what Poco's stringifier would write).
std::string quoted(std::string_view text);

/// The time now in ISO 8601, UTC, with microseconds: 2026-11-30T19:08:55.123456Z.
std::string timestamp();

}  // namespace scimgate::gateway::log
