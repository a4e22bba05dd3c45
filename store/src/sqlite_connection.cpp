#include "store/src/sqlite_connection.h"

#include <utility>

namespace edgeway::store::detail {

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path, bool readOnly) {
  int flags =
      SQLITE_OPEN_NOMUTEX | (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);  // a handle is allocated even when opening fails
    return internalError("open database " + path + ": " + message);
  }
  // Extended codes tell SQLITE_IOERR_FSYNC from other I/O errors in messages.
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db, path));
}

SqliteConnection::~SqliteConnection() {
  // All statements are finalized by their owners first; close_v2 would otherwise defer
  // the close until they are, which is also fine.
  sqlite3_close_v2(db_);
}

Status SqliteConnection::exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::ok();
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return internalError(std::string(sql) + " on " + path_ + ": " + text);
}

Result<int64_t> SqliteConnection::queryInt(const char* sql, int64_t fallback) {
  auto stmt = SqliteStatement::prepare(*this, sql);
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  return *row ? stmt->columnInt(0) : fallback;
}

Result<std::string> SqliteConnection::queryText(const char* sql) {
  auto stmt = SqliteStatement::prepare(*this, sql);
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  return *row ? stmt->columnString(0) : std::string();
}

Status SqliteConnection::error(std::string_view what) const {
  return internalError(std::string(what) + " on " + path_ + ": " + sqlite3_errmsg(db_) + " (" +
                       sqlite3_errstr(sqlite3_extended_errcode(db_)) + ")");
}

Result<SqliteStatement> SqliteStatement::prepare(SqliteConnection& db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  // PREPARE_PERSISTENT: these statements live as long as the connection.
  int rc = sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return db.error(std::string("prepare \"") + sql + "\"");
  return SqliteStatement(stmt, &db);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_), bindError_(other.bindError_) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
    bindError_ = other.bindError_;
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::noteBind(int rc) {
  if (rc != SQLITE_OK && bindError_ == SQLITE_OK) bindError_ = rc;
}

void SqliteStatement::bind(int index, int64_t value) { noteBind(sqlite3_bind_int64(stmt_, index, value)); }

void SqliteStatement::bindText(int index, std::string_view value) {
  noteBind(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8));
}

void SqliteStatement::bindBlob(int index, std::string_view value) {
  // A zero-length blob with a null pointer would bind NULL; "" keeps it a blob.
  const char* data = value.empty() ? "" : value.data();
  noteBind(sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_STATIC));
}

void SqliteStatement::bindNull(int index) { noteBind(sqlite3_bind_null(stmt_, index)); }

Result<bool> SqliteStatement::step() {
  if (bindError_ != SQLITE_OK) {
    return internalError(std::string("bind parameter on ") + db_->path() + ": " + sqlite3_errstr(bindError_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(std::string("run \"") + sqlite3_sql(stmt_) + "\"");
}

int64_t SqliteStatement::columnInt(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string SqliteStatement::columnString(int index) const {
  // Ask for the pointer first, then the size: that order is what SQLite documents as safe.
  const void* data = sqlite3_column_blob(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bindError_ = SQLITE_OK;
}

}  // namespace edgeway::store::detail
