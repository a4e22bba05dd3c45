#include "store/sqlite_store.h"

#include <exception>
#include <utility>

#include "base/log.h"
#include "store/src/file_lock.h"
#include "store/src/log_reader.h"
#include "store/src/object_index.h"
#include "store/src/revision_log.h"
#include "store/src/watch_hub.h"
#include "store/src/write_queue.h"

namespace edgeway::store {

using detail::IndexChanges;
using detail::LogRow;
using detail::PendingWrite;
using detail::StoredObject;

namespace {

// The preconditions of a write, checked against the key's state at commit time.
Status checkPrecondition(const PendingWrite& write, const StoredObject* current) {
  if (write.kind == PendingWrite::Kind::kCreate) {
    if (current) return alreadyExists(write.key + " already exists");
    return Status::ok();
  }
  if (!current) return notFound(write.key + " not found");
  if (current->modRevision != write.expected) {
    return conflict(
        "the object has been modified; please apply your changes to the latest version and try again");
  }
  return Status::ok();
}

// Render is caller code running on the writer thread; whatever it throws must stay here.
Result<std::string> renderValue(const PendingWrite& write, Revision revision) {
  if (!write.render) return invalidArgument("write to " + write.key + " has no render function");
  try {
    return write.render(revision);
  } catch (const std::exception& e) {
    return internalError("rendering " + write.key + " failed: " + e.what());
  } catch (...) {
    return internalError("rendering " + write.key + " failed");
  }
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, SqliteStoreOptions options) {
  if (path.empty()) return invalidArgument("store path is empty");
  if (options.maxBatch == 0) options.maxBatch = 1;
  if (options.compactRetain < 0) options.compactRetain = 0;

  auto lock = detail::FileLock::acquire(path + ".lock");
  if (!lock) return lock.status();
  auto log = detail::RevisionLog::open(path, options.maxDatabaseBytes);
  if (!log) return log.status();
  auto last = (*log)->lastRevision();
  if (!last) return last.status();
  auto compacted = (*log)->compactedRevision();
  if (!compacted) return compacted.status();

  auto index = std::make_unique<detail::ObjectIndex>(*last);
  Status loaded = (*log)->loadCurrent([&](LogRow&& row) {
    index->load(std::move(row.key), StoredObject{std::move(row.value), row.createRevision, row.revision});
  });
  if (!loaded) return loaded;

  auto reader = detail::LogReader::open(path);
  if (!reader) return reader.status();
  auto hub =
      std::make_shared<detail::WatchHub>(std::move(*reader), *last, *compacted, options.watchQueueLimit);

  log::info("store: opened ", path, ": ", index->size(), " objects at revision ", *last, ", compacted to ",
            *compacted);
  std::unique_ptr<SqliteStore> store(new SqliteStore(options, std::move(*lock), std::move(*log),
                                                     std::move(index), std::move(hub), *compacted));
  // Before the writer starts, so that it runs on this thread alone: history may have
  // piled up over short-lived runs that never reached compactInterval writes.
  store->compactIfDue(/*force=*/true);
  store->hub_->start();
  store->writer_ = std::thread([s = store.get()] { s->runWriter(); });
  return store;
}

SqliteStore::SqliteStore(SqliteStoreOptions options, std::unique_ptr<detail::FileLock> lock,
                         std::unique_ptr<detail::RevisionLog> log, std::unique_ptr<detail::ObjectIndex> index,
                         std::shared_ptr<detail::WatchHub> hub, Revision compacted)
    : options_(options),
      lock_(std::move(lock)),
      log_(std::move(log)),
      index_(std::move(index)),
      hub_(std::move(hub)),
      queue_(std::make_unique<detail::WriteQueue>()),
      compactedOnDisk_(compacted) {}

SqliteStore::~SqliteStore() {
  queue_->close();
  if (writer_.joinable()) writer_.join();
  hub_->shutdown();
}

void SqliteStore::create(std::string key, Render render, WriteCallback done) {
  enqueue(PendingWrite{PendingWrite::Kind::kCreate, std::move(key), 0, std::move(render), std::move(done)});
}

void SqliteStore::update(std::string key, Revision expected, Render render, WriteCallback done) {
  enqueue(PendingWrite{PendingWrite::Kind::kUpdate, std::move(key), expected, std::move(render),
                       std::move(done)});
}

void SqliteStore::remove(std::string key, Revision expected, Render render, WriteCallback done) {
  enqueue(PendingWrite{PendingWrite::Kind::kRemove, std::move(key), expected, std::move(render),
                       std::move(done)});
}

void SqliteStore::enqueue(PendingWrite&& write) {
  if (queue_->push(write)) return;
  if (write.done) write.done(unavailable("the store is shutting down"));
}

std::optional<Record> SqliteStore::get(std::string_view key) const { return index_->get(key); }

ListResult SqliteStore::list(std::string_view prefix, std::string_view startAfter, size_t limit) const {
  return index_->list(prefix, startAfter, limit);
}

Result<std::unique_ptr<Watch>> SqliteStore::watch(std::string prefix, Revision after,
                                                  WatchCallbacks callbacks) {
  return hub_->add(std::move(prefix), after, std::move(callbacks));
}

Revision SqliteStore::currentRevision() const { return index_->revision(); }

Revision SqliteStore::compactedRevision() const { return hub_->compactedRevision(); }

SqliteStoreStats SqliteStore::stats() const {
  SqliteStoreStats s;
  s.transactions = transactions_.load();
  s.writes = writes_.load();
  s.rejected = rejected_.load();
  s.failedTransactions = failedTransactions_.load();
  s.compactions = compactions_.load();
  s.objects = index_->size();
  s.watchers = hub_->watcherCount();
  return s;
}

void SqliteStore::runWriter() {
  for (;;) {
    std::vector<PendingWrite> group = queue_->take(options_.maxBatch);
    if (group.empty()) return;  // closed and drained
    commitGroup(group);
    compactIfDue(/*force=*/false);
  }
}

void SqliteStore::commitGroup(std::vector<PendingWrite>& group) {
  struct Outcome {
    Status status;  // stays ok for writes that were applied
    Event event;
  };
  std::vector<Outcome> outcomes(group.size());
  IndexChanges changes;  // what this group has done so far, seen by its later writes
  Status transaction;    // when not ok, every write of the group fails
  bool inTransaction = false;
  uint64_t rejected = 0;
  const Revision committed = index_->revision();
  Revision next = committed + 1;

  if (log_->poisoned()) {
    transaction = internalError("the store stopped writing after a failed commit; restart to recover");
  }
  for (size_t i = 0; i < group.size() && transaction; ++i) {
    const PendingWrite& write = group[i];
    const StoredObject* current = nullptr;
    if (auto it = changes.find(write.key); it != changes.end()) {
      current = it->second ? &*it->second : nullptr;
    } else {
      current = index_->findForWriter(write.key);
    }
    if (Status s = checkPrecondition(write, current); !s) {
      outcomes[i].status = std::move(s);
      ++rejected;
      continue;  // consumes no revision
    }
    auto value = renderValue(write, next);
    if (!value) {
      outcomes[i].status = value.status();
      continue;
    }
    if (!inTransaction) {  // only now: a group of rejected writes needs no transaction
      transaction = log_->begin();
      if (!transaction) break;
      inTransaction = true;
    }
    LogRow row;
    row.revision = next;
    row.key = write.key;
    row.value = std::move(*value);
    row.created = write.kind == PendingWrite::Kind::kCreate;
    row.deleted = write.kind == PendingWrite::Kind::kRemove;
    row.createRevision = row.created ? next : current->createRevision;
    row.prevRevision = row.created ? 0 : current->modRevision;
    transaction = log_->append(row);
    if (!transaction) break;

    Event& event = outcomes[i].event;
    event.type = row.created ? EventType::kAdded : row.deleted ? EventType::kDeleted : EventType::kModified;
    event.record = Record{row.key, std::move(row.value), row.createRevision, next};
    if (row.deleted) {
      changes[row.key] = std::nullopt;
    } else {
      // The index keeps a copy, not the rendered string: a string built by appending
      // can hold twice its size in capacity, and the index lives for the process.
      changes[row.key] = StoredObject{event.record.value, row.createRevision, next};
    }
    ++next;
  }
  if (transaction && inTransaction) transaction = log_->commit();

  if (!transaction) {
    if (inTransaction) {
      log_->rollback();
      failedTransactions_.fetch_add(1, std::memory_order_relaxed);
    }
    log::error("store: ", group.size(), " writes not committed: ", transaction.message());
    // The index is untouched and `next` is forgotten: the next group reuses these
    // revisions, which never reached the disk. Writes rejected earlier in the group fail
    // too: their precondition may have been judged against this group's own writes,
    // which are now gone.
    for (Outcome& o : outcomes) o.status = internalError("write not committed: " + transaction.message());
  } else if (next > committed + 1) {
    const Revision last = next - 1;
    std::vector<std::shared_ptr<const Event>> events;
    events.reserve(static_cast<size_t>(last - committed));
    for (Outcome& o : outcomes) {
      if (o.status) events.push_back(std::make_shared<const Event>(o.event));
    }
    // Index before watchers: a client that lists after being told of an event sees it.
    index_->apply(std::move(changes), last);
    hub_->publish(events, last);
    transactions_.fetch_add(1, std::memory_order_relaxed);
    writes_.fetch_add(events.size(), std::memory_order_relaxed);
    writesSinceCompaction_ += events.size();
  }
  if (transaction) rejected_.fetch_add(rejected, std::memory_order_relaxed);

  for (size_t i = 0; i < group.size(); ++i) {
    if (!group[i].done) continue;
    if (outcomes[i].status) {
      group[i].done(std::move(outcomes[i].event.record));
    } else {
      group[i].done(std::move(outcomes[i].status));
    }
  }
}

void SqliteStore::compactIfDue(bool force) {
  if (options_.compactInterval == 0) return;
  if (!force && writesSinceCompaction_ < options_.compactInterval) return;
  writesSinceCompaction_ = 0;
  const Revision target = index_->revision() - options_.compactRetain;
  if (target <= compactedOnDisk_ || log_->poisoned()) return;
  // Announce first, delete second: from here on a new watch from before `upTo` gets
  // kGone instead of a replay with holes.
  const Revision upTo = hub_->raiseCompacted(target);
  if (upTo <= compactedOnDisk_) return;
  if (Status s = log_->compact(compactedOnDisk_, upTo); !s) {
    // Harmless: the rows stay and the next compaction covers this range again.
    log::warn("store: compaction to revision ", upTo, " failed: ", s.message());
    return;
  }
  compactedOnDisk_ = upTo;
  compactions_.fetch_add(1, std::memory_order_relaxed);
  log::debug("store: compacted history up to revision ", upTo);
}

}  // namespace edgeway::store
