#pragma once

#include <memory>
#include <string>

#include "policy/mfa/state_store.h"

// Poco::Data implementation of StateStore; openStateStore (state_store.cpp) is the only caller.
namespace scimgate::policy::mfa::detail {

/// SQLite database file (created when missing), migrated to kSchemaVersion.
Result<std::unique_ptr<StateStore>> openSqliteStore(const std::string& path);
/// PostgreSQL database named by a libpq conninfo, migrated to kSchemaVersion.
Result<std::unique_ptr<StateStore>> openPostgresStore(const std::string& conninfo);

}  // namespace scimgate::policy::mfa::detail
