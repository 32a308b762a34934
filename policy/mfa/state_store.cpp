#include "policy/mfa/state_store.h"

#include "policy/mfa/detail/sql_state_store.h"

namespace scimgate::policy::mfa {

std::string_view tokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::Invitation:
      return "invitation";
    case TokenKind::PasswordReset:
      return "reset";
    case TokenKind::LoginCode:
      return "login-code";
  }
  return "unknown";
}

Result<std::unique_ptr<StateStore>> openStateStore(const StoreSettings& settings) {
  if (settings.kind == "sqlite") {
    if (settings.path.empty()) {
      return makeError(ErrorKind::InvalidValue, "the SQLite MFA state store needs a file path");
    }
    return detail::openSqliteStore(settings.path);
  }
  if (settings.kind == "postgres" || settings.kind == "postgresql") {
    if (settings.postgres.empty()) {
      return makeError(ErrorKind::InvalidValue,
                       "the PostgreSQL MFA state store needs a connection string");
    }
    return detail::openPostgresStore(settings.postgres);
  }
  return makeError(ErrorKind::InvalidValue, "unknown MFA state store kind '" + settings.kind +
                                                "' (expected sqlite or postgres)");
}

}  // namespace scimgate::policy::mfa
