#pragma once
// Thin RAII wrappers over the SQLite C API: a connection and its prepared statements.
// Neither is thread-safe; each connection is used by exactly one thread (the writer owns
// one, the watch delivery thread owns a read-only one), which is also why connections are
// opened with SQLITE_OPEN_NOMUTEX.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace edgeway::store::detail {

class SqliteConnection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path, bool readOnly);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs SQL that returns no rows we care about (pragmas, DDL, BEGIN/COMMIT).
  Status exec(const char* sql);
  // First column of the first row as an integer; `fallback` when there is no row.
  Result<int64_t> queryInt(const char* sql, int64_t fallback = 0);
  Result<std::string> queryText(const char* sql);

  // kInternal carrying what failed, the path and SQLite's own message.
  Status error(std::string_view what) const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
};

class SqliteStatement {
 public:
  static Result<SqliteStatement> prepare(SqliteConnection& db, const char* sql);
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  ~SqliteStatement();

  // Bind errors are remembered and reported by the next step(), so call sites stay linear.
  // Text and blobs are bound without copying: they must outlive the step() calls.
  void bind(int index, int64_t value);
  void bindText(int index, std::string_view value);
  void bindBlob(int index, std::string_view value);
  void bindNull(int index);

  // true: a row is available; false: the statement is done.
  Result<bool> step();
  int64_t columnInt(int index) const;
  std::string columnString(int index) const;  // text or blob, byte-exact

  // Clears the result state and the bindings. A SELECT left mid-way keeps its read
  // transaction open (and with it the WAL from being checkpointed), hence Scope below.
  void reset();

  // Resets the statement when it goes out of scope.
  class Scope {
   public:
    explicit Scope(SqliteStatement& s) : s_(s) { s_.reset(); }
    ~Scope() { s_.reset(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    SqliteStatement& s_;
  };

 private:
  SqliteStatement(sqlite3_stmt* stmt, SqliteConnection* db) : stmt_(stmt), db_(db) {}
  void noteBind(int rc);

  sqlite3_stmt* stmt_ = nullptr;
  SqliteConnection* db_ = nullptr;
  int bindError_ = SQLITE_OK;
};

}  // namespace edgeway::store::detail
