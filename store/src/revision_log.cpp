#include "store/src/revision_log.h"

#include <algorithm>

#include "base/log.h"

namespace edgeway::store::detail {
namespace {

constexpr int64_t kSchemaVersion = 1;

// The value column goes last: SQLite stores a row's columns in order, so the small
// columns stay on the row's first page and a long value spills into overflow pages.
constexpr const char* kCreateSchema = R"sql(
BEGIN IMMEDIATE;
CREATE TABLE log (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  key             TEXT    NOT NULL,
  created         INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  value           BLOB    NOT NULL
);
CREATE INDEX log_key_id ON log (key, id);
CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
PRAGMA user_version = 1;
COMMIT;
)sql";

// Small page caches: reads are served from memory, so SQLite's cache only helps the
// writer's index lookups and compaction. The process budget is tens of megabytes.
constexpr const char* kWriterCacheKiB = "PRAGMA cache_size = -2048";

}  // namespace

Result<std::unique_ptr<RevisionLog>> RevisionLog::open(const std::string& path, int64_t maxDatabaseBytes) {
  auto db = SqliteConnection::open(path, /*readOnly=*/false);
  if (!db) return db.status();
  std::unique_ptr<RevisionLog> log(new RevisionLog(std::move(*db)));
  if (Status s = log->configure(maxDatabaseBytes); !s) return s;
  if (Status s = log->ensureSchema(); !s) return s;
  if (Status s = log->prepareStatements(); !s) return s;
  return log;
}

Status RevisionLog::configure(int64_t maxDatabaseBytes) {
  // The first statement that reads the file: a file that is not a database fails here.
  auto mode = db_->queryText("PRAGMA journal_mode = WAL");
  if (!mode) return mode.status();
  if (*mode != "wal")
    return internalError("cannot switch " + db_->path() + " to WAL mode (got " + *mode + ")");
  // FULL: every commit fsyncs the WAL. NORMAL would be faster but may lose the last
  // acknowledged transactions on power loss, which an edge box will see.
  for (const char* sql : {"PRAGMA synchronous = FULL", kWriterCacheKiB, "PRAGMA foreign_keys = OFF",
                          "PRAGMA journal_size_limit = 4194304"}) {
    if (Status s = db_->exec(sql); !s) return s;
  }
  // Only this process writes (the store holds a lock file), so waiting on a lock means
  // a checkpoint or a stray sqlite3 shell; give it a few seconds rather than fail.
  sqlite3_busy_timeout(db_->handle(), 5000);
  if (maxDatabaseBytes > 0) {
    auto pageSize = db_->queryInt("PRAGMA page_size");
    if (!pageSize) return pageSize.status();
    std::string sql =
        "PRAGMA max_page_count = " + std::to_string(std::max<int64_t>(1, maxDatabaseBytes / *pageSize));
    if (Status s = db_->exec(sql.c_str()); !s) return s;
  }
  return Status::ok();
}

Status RevisionLog::ensureSchema() {
  auto version = db_->queryInt("PRAGMA user_version");
  if (!version) return version.status();
  if (*version == kSchemaVersion) return Status::ok();
  if (*version > kSchemaVersion) {
    return internalError(db_->path() + " has schema version " + std::to_string(*version) +
                         ", newer than this edgeway supports (" + std::to_string(kSchemaVersion) + ")");
  }
  auto tables = db_->queryInt("SELECT count(*) FROM sqlite_master");
  if (!tables) return tables.status();
  if (*tables != 0) return internalError(db_->path() + " is not an edgeway database (it has other tables)");
  Status s = db_->exec(kCreateSchema);
  if (!s && !sqlite3_get_autocommit(db_->handle())) (void)db_->exec("ROLLBACK");
  return s;
}

Status RevisionLog::prepareStatements() {
  struct {
    std::optional<SqliteStatement>* slot;
    const char* sql;
  } const statements[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&append_,
       "INSERT INTO log (id, key, created, deleted, create_revision, prev_revision, value) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
      // A row is obsolete once a newer row names it as its predecessor. Predecessors at
      // or below the previous compaction point were handled then, unless their successor
      // came later -- so scanning successors above it finds everything. The IN list is
      // evaluated once, before any row goes, so the order of deletion does not matter.
      {&dropSuperseded_,
       "DELETE FROM log WHERE id IN "
       "(SELECT prev_revision FROM log WHERE id > ?1 AND prev_revision > 0 AND prev_revision <= ?2)"},
      {&dropDeletions_, "DELETE FROM log WHERE id > ?1 AND id <= ?2 AND deleted = 1"},
      {&setCompacted_, "INSERT OR REPLACE INTO meta (name, value) VALUES ('compacted_revision', ?1)"},
  };
  for (const auto& s : statements) {
    auto stmt = SqliteStatement::prepare(*db_, s.sql);
    if (!stmt) return stmt.status();
    s.slot->emplace(std::move(*stmt));
  }
  return Status::ok();
}

Result<Revision> RevisionLog::lastRevision() {
  return db_->queryInt("SELECT seq FROM sqlite_sequence WHERE name = 'log'", 0);
}

Result<Revision> RevisionLog::compactedRevision() {
  return db_->queryInt("SELECT value FROM meta WHERE name = 'compacted_revision'", 0);
}

Status RevisionLog::loadCurrent(const std::function<void(LogRow&&)>& each) {
  // No ORDER BY: sorting would make SQLite buffer every value in a temporary b-tree.
  // The grouped subquery walks log_key_id, so rows come out in key order anyway.
  auto stmt = SqliteStatement::prepare(*db_,
                                       "SELECT l.id, l.key, l.create_revision, l.value FROM log AS l "
                                       "JOIN (SELECT max(id) AS id FROM log GROUP BY key) AS newest "
                                       "ON l.id = newest.id WHERE l.deleted = 0");
  if (!stmt) return stmt.status();
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    LogRow r;
    r.revision = stmt->columnInt(0);
    r.key = stmt->columnString(1);
    r.createRevision = stmt->columnInt(2);
    r.value = stmt->columnString(3);
    each(std::move(r));
  }
}

Status RevisionLog::begin() {
  SqliteStatement::Scope scope(*begin_);
  auto r = begin_->step();
  return r ? Status::ok() : r.status();
}

Status RevisionLog::commit() {
  SqliteStatement::Scope scope(*commit_);
  auto r = commit_->step();
  if (r) return Status::ok();
  int code = sqlite3_extended_errcode(db_->handle()) & 0xff;
  if (code == SQLITE_IOERR || code == SQLITE_CORRUPT) poisoned_ = true;
  return r.status();
}

void RevisionLog::rollback() {
  // A failed COMMIT may already have rolled back on its own.
  if (sqlite3_get_autocommit(db_->handle())) return;
  SqliteStatement::Scope scope(*rollback_);
  if (auto r = rollback_->step(); !r) {
    log::error("store: rollback failed: ", r.status().message());
    poisoned_ = true;
  }
}

Status RevisionLog::append(const LogRow& row) {
  SqliteStatement& s = *append_;
  SqliteStatement::Scope scope(s);
  s.bind(1, row.revision);
  s.bindText(2, row.key);
  s.bind(3, row.created ? 1 : 0);
  s.bind(4, row.deleted ? 1 : 0);
  s.bind(5, row.createRevision);
  s.bind(6, row.prevRevision);
  s.bindBlob(7, row.value);
  auto r = s.step();
  return r ? Status::ok() : r.status();
}

Status RevisionLog::compact(Revision from, Revision to) {
  if (Status s = begin(); !s) return s;
  auto run = [&](SqliteStatement& s, bool range) -> Status {
    SqliteStatement::Scope scope(s);
    if (range) {
      s.bind(1, from);
      s.bind(2, to);
    } else {
      s.bind(1, to);
    }
    auto r = s.step();
    return r ? Status::ok() : r.status();
  };
  Status s = run(*dropSuperseded_, true);
  if (s) s = run(*dropDeletions_, true);
  if (s) s = run(*setCompacted_, false);
  if (s) s = commit();
  if (!s) rollback();
  return s;
}

}  // namespace edgeway::store::detail
