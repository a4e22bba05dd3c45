#include "store/src/log_reader.h"

namespace edgeway::store::detail {
namespace {

// The smallest string greater than every string starting with `prefix`, or nullopt when
// there is none (empty prefix, or only 0xff bytes). Keys compare bytewise (BINARY
// collation), so [prefix, successor) is exactly the keys under the prefix.
std::optional<std::string> prefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

}  // namespace

Result<std::unique_ptr<LogReader>> LogReader::open(const std::string& path) {
  auto db = SqliteConnection::open(path, /*readOnly=*/true);
  if (!db) return db.status();
  std::unique_ptr<LogReader> reader(new LogReader(std::move(*db)));
  if (Status s = reader->db_->exec("PRAGMA cache_size = -512"); !s) return s;
  sqlite3_busy_timeout(reader->db_->handle(), 5000);
  // The key range keeps non-matching rows' values (overflow pages) from being read;
  // the scan itself walks the primary key, i.e. revision order.
  auto stmt =
      SqliteStatement::prepare(*reader->db_,
                               "SELECT id, key, created, deleted, create_revision, value FROM log "
                               "WHERE id > ?1 AND id <= ?2 AND key >= ?3 AND (?4 IS NULL OR key < ?4) "
                               "ORDER BY id LIMIT ?5");
  if (!stmt) return stmt.status();
  reader->range_.emplace(std::move(*stmt));
  return reader;
}

Result<LogReader::Chunk> LogReader::read(std::string_view prefix, Revision after, Revision until,
                                         size_t limit) {
  Chunk chunk;
  chunk.scannedTo = until;
  if (after >= until) return chunk;
  std::optional<std::string> end = prefixSuccessor(prefix);
  SqliteStatement& s = *range_;
  SqliteStatement::Scope scope(s);
  s.bind(1, after);
  s.bind(2, until);
  s.bindText(3, prefix);
  if (end) {
    s.bindText(4, *end);
  } else {
    s.bindNull(4);
  }
  s.bind(5, static_cast<int64_t>(limit));
  for (;;) {
    auto row = s.step();
    if (!row) return row.status();
    if (!*row) break;
    LogRow r;
    r.revision = s.columnInt(0);
    r.key = s.columnString(1);
    r.created = s.columnInt(2) != 0;
    r.deleted = s.columnInt(3) != 0;
    r.createRevision = s.columnInt(4);
    r.value = s.columnString(5);
    chunk.events.push_back(toEvent(std::move(r)));
  }
  // A full chunk may have stopped short of `until`; a short one has seen the whole range.
  if (limit > 0 && chunk.events.size() == limit) chunk.scannedTo = chunk.events.back().record.modRevision;
  return chunk;
}

}  // namespace edgeway::store::detail
