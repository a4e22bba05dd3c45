#pragma once
// The writer's side of the SQLite revision log: schema, start-up reads, appends and
// compaction. Used only by the store's writer thread (and by open() before it starts).
//
// Schema (version 1, kept in PRAGMA user_version; see docs/storage.md):
//   log(id INTEGER PRIMARY KEY AUTOINCREMENT, key, created, deleted, create_revision,
//       prev_revision, value)   -- one row per write; id is the revision
//   meta(name PRIMARY KEY, value)  -- 'compacted_revision'

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "store/src/log_row.h"
#include "store/src/sqlite_connection.h"

namespace edgeway::store::detail {

class RevisionLog {
 public:
  // Opens (creating if needed) the database with WAL and synchronous=FULL. A non-zero
  // `maxDatabaseBytes` caps the file; writes past it fail like a full disk.
  static Result<std::unique_ptr<RevisionLog>> open(const std::string& path, int64_t maxDatabaseBytes);

  // The highest revision ever assigned. It comes from sqlite_sequence, not MAX(id): the
  // newest rows may have been compacted away, and revisions must never be reused.
  Result<Revision> lastRevision();
  Result<Revision> compactedRevision();

  // Streams the current objects -- the newest row of every key unless that row is a
  // deletion. Rows normally arrive in key order (SQLite walks the key index), but any
  // order is accepted.
  Status loadCurrent(const std::function<void(LogRow&&)>& each);

  Status begin();  // BEGIN IMMEDIATE: take the write lock up front, never upgrade midway
  Status commit();
  void rollback();
  Status append(const LogRow& row);  // inside begin()/commit()

  // Moves the compaction point from `from` (the previous one) to `to`, in one
  // transaction: deletes every row at or below `to` that a newer row supersedes, and
  // every deletion at or below `to`. Rows newer than `to` are untouched, so a watch from
  // any revision >= `to` still replays fully.
  Status compact(Revision from, Revision to);

  // True once a COMMIT failed with an I/O error. Such a commit is ambiguous: its frames
  // may be in the WAL and come back after a restart although the write was reported as
  // failed. The store stops writing from then on so memory and disk cannot drift apart;
  // a restart reloads the truth from disk.
  bool poisoned() const { return poisoned_; }

 private:
  explicit RevisionLog(std::unique_ptr<SqliteConnection> db) : db_(std::move(db)) {}
  Status configure(int64_t maxDatabaseBytes);
  Status ensureSchema();
  Status prepareStatements();

  std::unique_ptr<SqliteConnection> db_;
  std::optional<SqliteStatement> begin_, commit_, rollback_, append_;
  std::optional<SqliteStatement> dropSuperseded_, dropDeletions_, setCompacted_;
  bool poisoned_ = false;
};

}  // namespace edgeway::store::detail
