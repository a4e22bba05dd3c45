#pragma once
// The SQLite backend of the Store: an append-only revision log on disk (WAL,
// synchronous=FULL), the current objects in memory, one writer thread committing queued
// writes in groups, and a delivery thread for watches. Layout and durability choices are
// described in docs/storage.md.
//
// Callbacks (Render, WriteCallback, WatchCallbacks) run on the store's threads and must
// not throw; a Render that throws fails only its own write. One watch callback that
// blocks delays every watch (they share the delivery thread) until their queues
// overflow -- post to your own executor instead.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "store/store.h"

namespace edgeway::store {

namespace detail {
class FileLock;
class ObjectIndex;
class RevisionLog;
class WatchHub;
class WriteQueue;
struct PendingWrite;
}  // namespace detail

struct SqliteStoreOptions {
  // History kept for watches: compaction keeps at least the last `compactRetain`
  // revisions, so a watch from any of them can be replayed.
  Revision compactRetain = 10000;
  // Writes between compactions; 0 turns automatic compaction off.
  uint64_t compactInterval = 1000;
  // Most writes committed in one transaction.
  size_t maxBatch = 512;
  // Live events a watcher may have waiting before the store ends its watch.
  size_t watchQueueLimit = 1024;
  // Caps the database file (0: no cap). Writes past it fail with kInternal, like a full
  // disk; useful to keep a runaway client from filling the flash of a small device.
  int64_t maxDatabaseBytes = 0;
};

// Counters for tests and metrics.
struct SqliteStoreStats {
  uint64_t transactions = 0;        // committed write transactions (one fsync each)
  uint64_t writes = 0;              // writes committed
  uint64_t rejected = 0;            // writes that failed their precondition
  uint64_t failedTransactions = 0;  // transactions rolled back (every write in them failed)
  uint64_t compactions = 0;         // compactions that deleted history
  size_t objects = 0;               // current objects
  size_t watchers = 0;              // open watches
};

class SqliteStore : public Store {
 public:
  // Opens or creates the database at `path` and loads the current objects. Fails with
  // kInternal when the file cannot be opened, is not an edgeway database or is
  // corrupt, and with kUnavailable when another store holds it. Also creates
  // "<path>.lock" next to it.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, SqliteStoreOptions options = {});

  // Commits everything already queued (callbacks run), then ends all watches with
  // onClosed(kUnavailable) and closes the database. Not from a store callback.
  ~SqliteStore() override;

  void create(std::string key, Render render, WriteCallback done) override;
  void update(std::string key, Revision expected, Render render, WriteCallback done) override;
  void remove(std::string key, Revision expected, Render render, WriteCallback done) override;

  std::optional<Record> get(std::string_view key) const override;
  ListResult list(std::string_view prefix, std::string_view startAfter = {}, size_t limit = 0) const override;

  Result<std::unique_ptr<Watch>> watch(std::string prefix, Revision after, WatchCallbacks callbacks) override;

  Revision currentRevision() const override;
  Revision compactedRevision() const override;

  SqliteStoreStats stats() const;

 private:
  SqliteStore(SqliteStoreOptions options, std::unique_ptr<detail::FileLock> lock,
              std::unique_ptr<detail::RevisionLog> log, std::unique_ptr<detail::ObjectIndex> index,
              std::shared_ptr<detail::WatchHub> hub, Revision compacted);

  void enqueue(detail::PendingWrite&& write);
  void runWriter();
  void commitGroup(std::vector<detail::PendingWrite>& group);
  void compactIfDue(bool force);

  const SqliteStoreOptions options_;
  const std::unique_ptr<detail::FileLock> lock_;
  const std::unique_ptr<detail::RevisionLog> log_;  // writer thread only
  const std::unique_ptr<detail::ObjectIndex> index_;
  const std::shared_ptr<detail::WatchHub> hub_;  // shared with watch handles (weakly)
  const std::unique_ptr<detail::WriteQueue> queue_;

  // Writer-thread state.
  Revision compactedOnDisk_;
  uint64_t writesSinceCompaction_ = 0;

  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> failedTransactions_{0};
  std::atomic<uint64_t> compactions_{0};

  std::thread writer_;
};

}  // namespace edgeway::store
