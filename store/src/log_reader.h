#pragma once
// Reads history out of the revision log for watch replay, on its own read-only
// connection: in WAL mode it reads a consistent snapshot while the writer commits.
// Used only by the watch delivery thread.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/src/log_row.h"
#include "store/src/sqlite_connection.h"

namespace edgeway::store::detail {

class LogReader {
 public:
  static Result<std::unique_ptr<LogReader>> open(const std::string& path);

  struct Chunk {
    std::vector<Event> events;  // revision order
    Revision scannedTo = 0;     // the range (after, scannedTo] has been read completely
  };

  // Up to `limit` events for keys under `prefix` with after < revision <= until.
  Result<Chunk> read(std::string_view prefix, Revision after, Revision until, size_t limit);

 private:
  explicit LogReader(std::unique_ptr<SqliteConnection> db) : db_(std::move(db)) {}

  std::unique_ptr<SqliteConnection> db_;
  std::optional<SqliteStatement> range_;
};

}  // namespace edgeway::store::detail
