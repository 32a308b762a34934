#include "policy/mfa/detail/sql_state_store.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <filesystem>
#include <functional>
#include <mutex>
#include <vector>

namespace scimgate::policy::mfa::detail {
namespace {

using Poco::Int64;
using Poco::Data::Session;
using Poco::Data::Statement;
using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

enum class Dialect { Sqlite, Postgres };

void registerConnectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
  });
}

std::string_view stateName(TotpState state) {
  return state == TotpState::Active ? "active" : "pending";
}

// Any advisory lock key works as long as every scimgate instance uses the same one.
constexpr Int64 kMigrationLockKey = 0x5C1A6A7E;

// Migration N is kMigrations[N - 1]; "{id}" is the dialect's auto-increment key column.
// Times are Unix seconds (BIGINT) in both dialects; secrets are sealed text (secret_box.h).
const std::vector<std::vector<std::string>> kMigrations = {
    {
        "CREATE TABLE mfa_totp ("
        " user_id TEXT NOT NULL,"
        " state TEXT NOT NULL CHECK (state IN ('pending', 'active')),"
        " secret TEXT NOT NULL,"
        " last_step BIGINT,"
        " created_at BIGINT NOT NULL,"
        " PRIMARY KEY (user_id, state))",
        "CREATE TABLE mfa_backup_sets ("
        " user_id TEXT PRIMARY KEY,"
        " generation BIGINT NOT NULL)",
        "CREATE TABLE mfa_backup_codes ("
        " {id},"
        " user_id TEXT NOT NULL,"
        " generation BIGINT NOT NULL,"
        " code_hash TEXT NOT NULL,"
        " used INTEGER NOT NULL DEFAULT 0,"
        " used_at BIGINT,"
        " created_at BIGINT NOT NULL)",
        "CREATE INDEX mfa_backup_codes_user ON mfa_backup_codes (user_id)",
        "CREATE TABLE mfa_failures ("
        " user_id TEXT PRIMARY KEY,"
        " failures BIGINT NOT NULL,"
        " locked_until BIGINT)",
    },
    // Issue #14: single-use tokens (hashes only), sessions ended by a reset, the code-by-message
    // second factor, and the outgoing-mail outbox.
    {
        "CREATE TABLE tokens ("
        " {id},"
        " kind TEXT NOT NULL,"
        " token_hash TEXT NOT NULL,"
        " user_id TEXT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " expires_at BIGINT NOT NULL,"
        " used_at BIGINT,"
        " revoked_at BIGINT)",
        "CREATE INDEX tokens_hash ON tokens (kind, token_hash)",
        "CREATE INDEX tokens_user ON tokens (kind, user_id)",
        "CREATE TABLE session_epochs ("
        " user_id TEXT PRIMARY KEY,"
        " valid_after BIGINT NOT NULL)",
        "CREATE TABLE mfa_code_factor ("
        " user_id TEXT PRIMARY KEY,"
        " channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),"
        " enabled_at BIGINT NOT NULL)",
        "CREATE TABLE outbox ("
        " {id},"
        " channel TEXT NOT NULL,"
        " recipient TEXT NOT NULL,"
        " subject TEXT NOT NULL,"
        " body_text TEXT NOT NULL,"
        " body_html TEXT NOT NULL,"
        " state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),"
        " attempts BIGINT NOT NULL DEFAULT 0,"
        " next_attempt_at BIGINT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " sent_at BIGINT,"
        " last_error TEXT)",
        "CREATE INDEX outbox_due ON outbox (state, next_attempt_at)",
    },
    // Issue #19: each client's last write, for reads from directory replicas (read-your-writes).
    {
        "CREATE TABLE client_writes ("
        " client TEXT PRIMARY KEY,"
        " written_at BIGINT NOT NULL)",
    },
};

std::string channelName(CodeChannel channel) {
  return channel == CodeChannel::Sms ? "sms" : "email";
}

Error storeError(std::string_view operation, const std::string& why) {
  return makeError(ErrorKind::Unavailable,
                   "MFA state store: " + std::string(operation) + " failed: " + why);
}

class SqlStateStore final : public StateStore {
 public:
  SqlStateStore(Dialect dialect, std::string connector, std::string connection)
      : dialect_(dialect), connector_(std::move(connector)), connection_(std::move(connection)) {}

  Result<void> migrate() {
    return run<void>("schema migration", [&](Session& session) -> Result<void> {
      if (dialect_ == Dialect::Sqlite) {
        // WAL: readers do not block the writer; set outside any transaction. It persists.
        std::string mode;
        session << "PRAGMA journal_mode = WAL", into(mode), now;
      }
      Transaction tx(session, dialect_);
      if (dialect_ == Dialect::Postgres) {
        // Instances starting together: one migrates, the others wait and then see its work.
        std::string ignored;
        session << sql("SELECT CAST(pg_advisory_xact_lock(?) AS TEXT)"), bind(kMigrationLockKey),
            into(ignored), now;
      }
      session << "CREATE TABLE IF NOT EXISTS schema_version ("
                 " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
          now;
      Int64 current = 0;
      session << "SELECT COALESCE(MAX(version), 0) FROM schema_version", into(current), now;
      if (current > kSchemaVersion) {
        return makeError(ErrorKind::Unavailable, "MFA state store: schema version " +
                                                     std::to_string(current) +
                                                     " is newer than this build understands (" +
                                                     std::to_string(kSchemaVersion) + ")");
      }
      for (auto version = static_cast<std::size_t>(current); version < kMigrations.size();
           ++version) {
        for (const std::string& ddl : kMigrations[version]) session << dialectDdl(ddl), now;
        session << sql("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"),
            bind(static_cast<Int64>(version + 1)), bind(unixNow()), now;
      }
      tx.commit();
      return {};
    });
  }

  Result<void> putPendingTotp(std::string_view userId, std::string_view sealedSecret,
                              std::int64_t at) override {
    return run<void>("storing a TOTP secret", [&](Session& session) -> Result<void> {
      session << sql(
          "INSERT INTO mfa_totp (user_id, state, secret, last_step, created_at)"
          " VALUES (?, 'pending', ?, NULL, ?)"
          " ON CONFLICT (user_id, state) DO UPDATE SET secret = excluded.secret,"
          " last_step = NULL, created_at = excluded.created_at"),
          bind(std::string(userId)), bind(std::string(sealedSecret)), bind(Int64{at}), now;
      return {};
    });
  }

  Result<std::optional<TotpRecord>> findTotp(std::string_view userId, TotpState state) override {
    return run<std::optional<TotpRecord>>(
        "reading a TOTP secret", [&](Session& session) -> Result<std::optional<TotpRecord>> {
          std::vector<std::string> secrets;
          std::vector<Int64> steps;
          std::vector<int> stepIsNull;
          session << sql(
              "SELECT secret, COALESCE(last_step, 0),"
              " CASE WHEN last_step IS NULL THEN 1 ELSE 0 END"
              " FROM mfa_totp WHERE user_id = ? AND state = ?"),
              into(secrets), into(steps), into(stepIsNull), bind(std::string(userId)),
              bind(std::string(stateName(state))), now;
          if (secrets.empty()) return std::optional<TotpRecord>();
          TotpRecord record;
          record.state = state;
          record.sealedSecret = secrets.front();
          if (stepIsNull.front() == 0) record.lastStep = steps.front();
          return std::optional<TotpRecord>(std::move(record));
        });
  }

  Result<bool> claimTotpStep(std::string_view userId, TotpState state,
                             std::string_view sealedSecret, std::int64_t step) override {
    return run<bool>("recording a used TOTP code", [&](Session& session) -> Result<bool> {
      // One conditional write: of all callers presenting this step, exactly one changes the row.
      Statement update(session);
      update << sql(
          "UPDATE mfa_totp SET last_step = ?"
          " WHERE user_id = ? AND state = ? AND secret = ?"
          " AND (last_step IS NULL OR last_step < ?)"),
          bind(Int64{step}), bind(std::string(userId)), bind(std::string(stateName(state))),
          bind(std::string(sealedSecret)), bind(Int64{step});
      return update.execute() == 1;
    });
  }

  Result<bool> activateTotp(std::string_view userId, std::string_view sealedSecret) override {
    return run<bool>("activating a TOTP secret", [&](Session& session) -> Result<bool> {
      Transaction tx(session, dialect_);
      Statement promote(session);
      session << sql("DELETE FROM mfa_totp WHERE user_id = ? AND state = 'active'"),
          bind(std::string(userId)), now;
      promote << sql(
          "UPDATE mfa_totp SET state = 'active'"
          " WHERE user_id = ? AND state = 'pending' AND secret = ?"),
          bind(std::string(userId)), bind(std::string(sealedSecret));
      if (promote.execute() != 1) return false;  // rolled back: the old active secret stays
      tx.commit();
      return true;
    });
  }

  Result<void> removeTotp(std::string_view userId) override {
    return run<void>("removing TOTP", [&](Session& session) -> Result<void> {
      session << sql("DELETE FROM mfa_totp WHERE user_id = ?"), bind(std::string(userId)), now;
      return {};
    });
  }

  Result<std::int64_t> replaceBackupCodes(std::string_view userId,
                                          const std::vector<std::string>& hashes,
                                          std::int64_t at) override {
    return run<std::int64_t>("storing backup codes", [&](Session& session) -> Result<std::int64_t> {
      Transaction tx(session, dialect_);
      // The upsert locks the user's set row first, so concurrent regenerations serialise.
      session << sql(
          "INSERT INTO mfa_backup_sets (user_id, generation) VALUES (?, 1)"
          " ON CONFLICT (user_id) DO UPDATE"
          " SET generation = mfa_backup_sets.generation + 1"),
          bind(std::string(userId)), now;
      Int64 generation = 0;
      session << sql("SELECT generation FROM mfa_backup_sets WHERE user_id = ?"), into(generation),
          bind(std::string(userId)), now;
      session << sql("DELETE FROM mfa_backup_codes WHERE user_id = ?"), bind(std::string(userId)),
          now;
      for (const std::string& hash : hashes) {
        session << sql(
            "INSERT INTO mfa_backup_codes (user_id, generation, code_hash, used,"
            " created_at) VALUES (?, ?, ?, 0, ?)"),
            bind(std::string(userId)), bind(generation), bind(hash), bind(Int64{at}), now;
      }
      tx.commit();
      return std::int64_t{generation};
    });
  }

  Result<std::vector<StoredBackupCode>> backupCodes(std::string_view userId) override {
    return run<std::vector<StoredBackupCode>>(
        "reading backup codes", [&](Session& session) -> Result<std::vector<StoredBackupCode>> {
          std::vector<Int64> ids;
          std::vector<std::string> hashes;
          std::vector<int> used;
          session << sql(
              "SELECT id, code_hash, used FROM mfa_backup_codes WHERE user_id = ?"
              " ORDER BY id"),
              into(ids), into(hashes), into(used), bind(std::string(userId)), now;
          std::vector<StoredBackupCode> codes;
          for (std::size_t i = 0; i < ids.size(); ++i) {
            codes.push_back(StoredBackupCode{ids[i], hashes[i], used[i] != 0});
          }
          return codes;
        });
  }

  Result<bool> consumeBackupCode(std::int64_t codeId, std::int64_t at) override {
    return run<bool>("using a backup code", [&](Session& session) -> Result<bool> {
      Statement update(session);
      update << sql("UPDATE mfa_backup_codes SET used = 1, used_at = ? WHERE id = ? AND used = 0"),
          bind(Int64{at}), bind(Int64{codeId});
      return update.execute() == 1;
    });
  }

  Result<std::int64_t> countUnusedBackupCodes(std::string_view userId) override {
    return run<std::int64_t>(
        "counting backup codes", [&](Session& session) -> Result<std::int64_t> {
          Int64 count = 0;
          session << sql("SELECT COUNT(*) FROM mfa_backup_codes WHERE user_id = ? AND used = 0"),
              into(count), bind(std::string(userId)), now;
          return std::int64_t{count};
        });
  }

  Result<FailureRecord> failures(std::string_view userId) override {
    return run<FailureRecord>("reading failed attempts",
                              [&](Session& session) -> Result<FailureRecord> {
                                std::vector<Int64> counts;
                                std::vector<Int64> until;
                                std::vector<int> untilIsNull;
                                session
                                    << sql("SELECT failures, COALESCE(locked_until, 0),"
                                           " CASE WHEN locked_until IS NULL THEN 1 ELSE 0 END"
                                           " FROM mfa_failures WHERE user_id = ?"),
                                    into(counts), into(until), into(untilIsNull),
                                    bind(std::string(userId)), now;
                                FailureRecord record;
                                if (counts.empty()) return record;
                                record.failures = counts.front();
                                if (untilIsNull.front() == 0) record.lockedUntil = until.front();
                                return record;
                              });
  }

  Result<bool> recordFailure(std::string_view userId, std::int64_t at, std::int64_t maxFailures,
                             std::int64_t lockoutSeconds) override {
    return run<bool>("counting a failed attempt", [&](Session& session) -> Result<bool> {
      // Each statement is atomic on its own: the increment cannot lose a concurrent failure, and
      // only the caller whose update sees the count at the limit starts the lockout.
      session << sql(
          "INSERT INTO mfa_failures (user_id, failures, locked_until) VALUES (?, 1, NULL)"
          " ON CONFLICT (user_id) DO UPDATE SET failures = mfa_failures.failures + 1"),
          bind(std::string(userId)), now;
      Statement lock(session);
      lock << sql(
          "UPDATE mfa_failures SET failures = 0, locked_until = ?"
          " WHERE user_id = ? AND failures >= ?"),
          bind(Int64{at + lockoutSeconds}), bind(std::string(userId)), bind(Int64{maxFailures});
      return lock.execute() == 1;
    });
  }

  Result<void> resetFailures(std::string_view userId) override {
    return run<void>("clearing failed attempts", [&](Session& session) -> Result<void> {
      session << sql("UPDATE mfa_failures SET failures = 0 WHERE user_id = ?"),
          bind(std::string(userId)), now;
      return {};
    });
  }

  Result<void> clearFailures(std::string_view userId) override {
    return run<void>("forgetting failed attempts", [&](Session& session) -> Result<void> {
      session << sql("DELETE FROM mfa_failures WHERE user_id = ?"), bind(std::string(userId)), now;
      return {};
    });
  }

  Result<void> putToken(TokenKind kind, std::string_view hash, std::string_view userId,
                        std::int64_t at, std::int64_t expiresAt) override {
    return run<void>("storing a token", [&](Session& session) -> Result<void> {
      session << sql(
          "INSERT INTO tokens (kind, token_hash, user_id, created_at, expires_at)"
          " VALUES (?, ?, ?, ?, ?)"),
          bind(std::string(tokenKindName(kind))), bind(std::string(hash)),
          bind(std::string(userId)), bind(Int64{at}), bind(Int64{expiresAt}), now;
      return {};
    });
  }

  Result<std::optional<TokenRecord>> findToken(TokenKind kind, std::string_view hash) override {
    return readToken("reading a token", " WHERE kind = ? AND token_hash = ?", kind, hash);
  }

  Result<std::optional<TokenRecord>> latestToken(TokenKind kind, std::string_view userId) override {
    return readToken("reading a user's token", " WHERE kind = ? AND user_id = ?", kind, userId);
  }

  Result<TokenClaim> useToken(TokenKind kind, std::string_view hash, std::int64_t at) override {
    return run<TokenClaim>("using a token", [&](Session& session) -> Result<TokenClaim> {
      // One conditional write: of all callers presenting this token, exactly one changes the row.
      Statement update(session);
      update << sql(
          "UPDATE tokens SET used_at = ?"
          " WHERE kind = ? AND token_hash = ? AND used_at IS NULL AND revoked_at IS NULL"
          " AND expires_at > ?"),
          bind(Int64{at}), bind(std::string(tokenKindName(kind))), bind(std::string(hash)),
          bind(Int64{at});
      const bool won = update.execute() >= 1;
      auto record = tokenRow(session, " WHERE kind = ? AND token_hash = ?", kind, hash);
      TokenClaim claim;
      if (!record) return claim;
      claim.userId = record->userId;
      if (won) {
        claim.use = TokenUse::Accepted;
      } else if (record->revokedAt) {
        claim.use = TokenUse::Revoked;
      } else if (record->usedAt) {
        claim.use = TokenUse::Used;
      } else {
        claim.use = TokenUse::Expired;
      }
      return claim;
    });
  }

  Result<std::int64_t> revokeTokens(TokenKind kind, std::string_view userId,
                                    std::int64_t at) override {
    return run<std::int64_t>("revoking tokens", [&](Session& session) -> Result<std::int64_t> {
      Statement update(session);
      update << sql(
          "UPDATE tokens SET revoked_at = ?"
          " WHERE kind = ? AND user_id = ? AND used_at IS NULL AND revoked_at IS NULL"
          " AND expires_at > ?"),
          bind(Int64{at}), bind(std::string(tokenKindName(kind))), bind(std::string(userId)),
          bind(Int64{at});
      return static_cast<std::int64_t>(update.execute());
    });
  }

  Result<void> endSessionsBefore(std::string_view userId, std::int64_t time) override {
    return run<void>("ending sessions", [&](Session& session) -> Result<void> {
      session << sql(
          "INSERT INTO session_epochs (user_id, valid_after) VALUES (?, ?)"
          " ON CONFLICT (user_id) DO UPDATE SET valid_after = excluded.valid_after"
          " WHERE session_epochs.valid_after < excluded.valid_after"),
          bind(std::string(userId)), bind(Int64{time}), now;
      return {};
    });
  }

  Result<std::optional<std::int64_t>> sessionsValidAfter(std::string_view userId) override {
    return run<std::optional<std::int64_t>>(
        "reading session validity", [&](Session& session) -> Result<std::optional<std::int64_t>> {
          std::vector<Int64> times;
          session << sql("SELECT valid_after FROM session_epochs WHERE user_id = ?"), into(times),
              bind(std::string(userId)), now;
          if (times.empty()) return std::optional<std::int64_t>();
          return std::optional<std::int64_t>(times.front());
        });
  }

  Result<void> noteClientWrite(std::string_view client, std::int64_t time) override {
    return run<void>("recording a client's write", [&](Session& session) -> Result<void> {
      session << sql(
          "INSERT INTO client_writes (client, written_at) VALUES (?, ?)"
          " ON CONFLICT (client) DO UPDATE SET written_at = excluded.written_at"
          " WHERE client_writes.written_at < excluded.written_at"),
          bind(std::string(client)), bind(Int64{time}), now;
      return {};
    });
  }

  Result<std::optional<std::int64_t>> lastClientWrite(std::string_view client) override {
    return run<std::optional<std::int64_t>>(
        "reading a client's last write",
        [&](Session& session) -> Result<std::optional<std::int64_t>> {
          std::vector<Int64> times;
          session << sql("SELECT written_at FROM client_writes WHERE client = ?"), into(times),
              bind(std::string(client)), now;
          if (times.empty()) return std::optional<std::int64_t>();
          return std::optional<std::int64_t>(times.front());
        });
  }

  Result<void> setCodeFactor(std::string_view userId, std::optional<CodeChannel> channel,
                             std::int64_t at) override {
    return run<void>("setting the code factor", [&](Session& session) -> Result<void> {
      if (!channel) {
        session << sql("DELETE FROM mfa_code_factor WHERE user_id = ?"), bind(std::string(userId)),
            now;
        return {};
      }
      session << sql(
          "INSERT INTO mfa_code_factor (user_id, channel, enabled_at) VALUES (?, ?, ?)"
          " ON CONFLICT (user_id) DO UPDATE SET channel = excluded.channel,"
          " enabled_at = excluded.enabled_at"),
          bind(std::string(userId)), bind(channelName(*channel)), bind(Int64{at}), now;
      return {};
    });
  }

  Result<std::optional<CodeChannel>> codeFactor(std::string_view userId) override {
    return run<std::optional<CodeChannel>>(
        "reading the code factor", [&](Session& session) -> Result<std::optional<CodeChannel>> {
          std::vector<std::string> channels;
          session << sql("SELECT channel FROM mfa_code_factor WHERE user_id = ?"), into(channels),
              bind(std::string(userId)), now;
          if (channels.empty()) return std::optional<CodeChannel>();
          return std::optional<CodeChannel>(channels.front() == "sms" ? CodeChannel::Sms
                                                                      : CodeChannel::Email);
        });
  }

  Result<std::int64_t> enqueueMessage(const OutboxRecord& message, std::int64_t at) override {
    return run<std::int64_t>("queueing a message", [&](Session& session) -> Result<std::int64_t> {
      Int64 id = 0;
      std::string insert =
          "INSERT INTO outbox (channel, recipient, subject, body_text, body_html, state,"
          " attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)";
      if (dialect_ == Dialect::Postgres) {
        session << sql(insert + " RETURNING id"), bind(message.channel), bind(message.recipient),
            bind(message.subject), bind(message.text), bind(message.html), bind(Int64{at}),
            bind(Int64{at}), into(id), now;
        return std::int64_t{id};
      }
      Transaction tx(session, dialect_);
      session << sql(insert), bind(message.channel), bind(message.recipient), bind(message.subject),
          bind(message.text), bind(message.html), bind(Int64{at}), bind(Int64{at}), now;
      session << "SELECT last_insert_rowid()", into(id), now;
      tx.commit();
      return std::int64_t{id};
    });
  }

  Result<std::vector<OutboxRecord>> claimDueMessages(std::int64_t at, std::int64_t leaseSeconds,
                                                     std::size_t limit) override {
    return run<std::vector<OutboxRecord>>(
        "claiming messages", [&](Session& session) -> Result<std::vector<OutboxRecord>> {
          std::vector<Int64> ids;
          session << sql(
              "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?"
              " ORDER BY id LIMIT ?"),
              into(ids), bind(Int64{at}), bind(static_cast<Int64>(limit)), now;
          std::vector<OutboxRecord> claimed;
          for (Int64 id : ids) {
            // The lease is the next attempt time: until it passes, nobody else claims the row.
            // Of instances racing for it, exactly one update changes it.
            Statement claim(session);
            claim << sql(
                "UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1"
                " WHERE id = ? AND state = 'queued' AND next_attempt_at <= ?"),
                bind(Int64{at + leaseSeconds}), bind(id), bind(Int64{at});
            if (claim.execute() != 1) continue;
            OutboxRecord record;
            Int64 attempts = 0;
            session << sql(
                "SELECT channel, recipient, subject, body_text, body_html, attempts"
                " FROM outbox WHERE id = ?"),
                into(record.channel), into(record.recipient), into(record.subject),
                into(record.text), into(record.html), into(attempts), bind(id), now;
            record.id = id;
            record.attempts = attempts - 1;
            claimed.push_back(std::move(record));
          }
          return claimed;
        });
  }

  Result<void> markMessageSent(std::int64_t id, std::int64_t at) override {
    return run<void>("recording a sent message", [&](Session& session) -> Result<void> {
      session << sql(
          "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL, body_text = '',"
          " body_html = '' WHERE id = ?"),
          bind(Int64{at}), bind(Int64{id}), now;
      return {};
    });
  }

  Result<void> markMessageFailed(std::int64_t id, std::optional<std::int64_t> nextAttempt,
                                 const std::string& error) override {
    return run<void>("recording a failed delivery", [&](Session& session) -> Result<void> {
      if (nextAttempt) {
        session << sql("UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?"),
            bind(Int64{*nextAttempt}), bind(error), bind(Int64{id}), now;
      } else {
        session << sql(
            "UPDATE outbox SET state = 'failed', last_error = ?, body_text = '',"
            " body_html = '' WHERE id = ?"),
            bind(error), bind(Int64{id}), now;
      }
      return {};
    });
  }

  Result<std::int64_t> pendingMessages() override {
    return run<std::int64_t>(
        "counting queued messages", [&](Session& session) -> Result<std::int64_t> {
          Int64 count = 0;
          session << "SELECT COUNT(*) FROM outbox WHERE state = 'queued'", into(count), now;
          return std::int64_t{count};
        });
  }

  Result<int> schemaVersion() override {
    return run<int>("reading the schema version", [&](Session& session) -> Result<int> {
      Int64 version = 0;
      session << "SELECT COALESCE(MAX(version), 0) FROM schema_version", into(version), now;
      return static_cast<int>(version);
    });
  }

 private:
  // The newest token row matching `where` (kind = ? AND <column> = ?), or nullopt.
  std::optional<TokenRecord> tokenRow(Session& session, const std::string& where, TokenKind kind,
                                      std::string_view value) {
    std::vector<std::string> users;
    std::vector<Int64> created;
    std::vector<Int64> expires;
    std::vector<Int64> used;
    std::vector<Int64> revoked;
    // -1 stands for NULL: times are never negative.
    session << sql(
        "SELECT user_id, created_at, expires_at, COALESCE(used_at, -1), COALESCE(revoked_at, -1)"
        " FROM tokens" +
        where + " ORDER BY id DESC LIMIT 1"),
        into(users), into(created), into(expires), into(used), into(revoked),
        bind(std::string(tokenKindName(kind))), bind(std::string(value)), now;
    if (users.empty()) return std::nullopt;
    TokenRecord record;
    record.userId = users.front();
    record.createdAt = created.front();
    record.expiresAt = expires.front();
    if (used.front() >= 0) record.usedAt = used.front();
    if (revoked.front() >= 0) record.revokedAt = revoked.front();
    return record;
  }

  Result<std::optional<TokenRecord>> readToken(std::string_view operation, const std::string& where,
                                               TokenKind kind, std::string_view value) {
    return run<std::optional<TokenRecord>>(
        operation, [&](Session& session) -> Result<std::optional<TokenRecord>> {
          return tokenRow(session, where, kind, value);
        });
  }

  // SQLite's BEGIN IMMEDIATE takes the write lock up front (waiting on the busy timeout), so a
  // transaction never fails half-way trying to upgrade a read lock. PostgreSQL: plain BEGIN.
  class Transaction {
   public:
    Transaction(Session& session, Dialect dialect) : session_(session), dialect_(dialect) {
      if (dialect_ == Dialect::Sqlite) {
        session_ << "BEGIN IMMEDIATE", now;
      } else {
        session_.begin();
      }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
      if (done_) return;
      try {
        if (dialect_ == Dialect::Sqlite) {
          session_ << "ROLLBACK", now;
        } else {
          session_.rollback();
        }
      } catch (...) {  // NOLINT(bugprone-empty-catch): the connection is closed or broken
      }
    }
    void commit() {
      if (dialect_ == Dialect::Sqlite) {
        session_ << "COMMIT", now;
      } else {
        session_.commit();
      }
      done_ = true;
    }

   private:
    Session& session_;
    Dialect dialect_;
    bool done_ = false;
  };

  // A small pool of our own: Poco 1.11's SessionPool can deadlock in shutdown() against its
  // janitor timer, and its idle timer thread buys us nothing here.
  std::unique_ptr<Session> takeSession() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto session = std::move(idle_.back());
        idle_.pop_back();
        return session;
      }
    }
    // SQLite: Poco retries a failing open until this login timeout (seconds) runs out.
    auto session = std::make_unique<Session>(connector_, connection_, 2);
    if (dialect_ == Dialect::Sqlite) {
      session->setConnectionTimeout(30);  // seconds: SQLite's busy timeout for locked writes
    }
    return session;
  }

  void giveBack(std::unique_ptr<Session> session) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdleSessions) idle_.push_back(std::move(session));
  }

  template <typename T>
  Result<T> run(std::string_view operation, const std::function<Result<T>(Session&)>& body) {
    try {
      auto session = takeSession();
      auto result = body(*session);
      // Only a session that just worked goes back; one that threw may be broken and is closed.
      giveBack(std::move(session));
      return result;
    } catch (const Poco::Exception& e) {
      // Statements bind their values, so the message names no secret (only SQL and server text).
      return storeError(operation, e.displayText());
    } catch (const std::exception& e) {
      return storeError(operation, e.what());
    }
  }

  // Both dialects take '?'; PostgreSQL's wire protocol wants $1, $2, ...
  std::string sql(std::string_view text) const {
    if (dialect_ == Dialect::Sqlite) return std::string(text);
    std::string out;
    int index = 0;
    for (char c : text) {
      if (c == '?') {
        out += "$" + std::to_string(++index);
      } else {
        out.push_back(c);
      }
    }
    return out;
  }

  std::string dialectDdl(const std::string& ddl) const {
    const std::string id = dialect_ == Dialect::Sqlite ? "id INTEGER PRIMARY KEY AUTOINCREMENT"
                                                       : "id BIGSERIAL PRIMARY KEY";
    std::string out = ddl;
    if (auto pos = out.find("{id}"); pos != std::string::npos) out.replace(pos, 4, id);
    return out;
  }

  static Int64 unixNow() {
    // Only the migration's bookkeeping reads the clock; no MFA decision depends on it.
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  static constexpr std::size_t kMaxIdleSessions = 8;

  Dialect dialect_;
  std::string connector_;
  std::string connection_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Session>> idle_;
};

Result<std::unique_ptr<StateStore>> openStore(Dialect dialect, const std::string& connector,
                                              const std::string& connection) {
  registerConnectors();
  std::unique_ptr<SqlStateStore> store;
  try {
    store = std::make_unique<SqlStateStore>(dialect, connector, connection);
  } catch (const Poco::Exception& e) {
    return storeError("opening", e.displayText());
  }
  auto migrated = store->migrate();
  if (!migrated.ok()) return migrated.error();
  return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<StateStore>> openSqliteStore(const std::string& path) {
  const bool created = !std::filesystem::exists(path);
  auto store = openStore(Dialect::Sqlite, Poco::Data::SQLite::Connector::KEY, path);
  if (store.ok() && created) {
    // It holds sealed secrets and code hashes: owner only.
    std::error_code ignored;
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ignored);
  }
  return store;
}

Result<std::unique_ptr<StateStore>> openPostgresStore(const std::string& conninfo) {
  return openStore(Dialect::Postgres, Poco::Data::PostgreSQL::Connector::KEY, conninfo);
}

}  // namespace scimgate::policy::mfa::detail
