#pragma once
// The current objects, in memory, sorted by key: every read of the store is served from
// here. Only the newest version of each live key is kept -- never history, which stays
// in the log -- so memory is the size of the data set.
//
// Threading: any thread may read under the shared lock. Only the writer thread mutates,
// so the writer itself may read without locking (findForWriter).

#include <atomic>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.h"

namespace edgeway::store::detail {

struct StoredObject {
  std::string value;
  Revision createRevision = 0;
  Revision modRevision = 0;
};

// A commit's net effect per key: the new object, or nullopt for a deletion.
using IndexChanges = std::unordered_map<std::string, std::optional<StoredObject>>;

class ObjectIndex {
 public:
  explicit ObjectIndex(Revision revision) : revision_(revision) {}

  // Start-up only, before any reader exists.
  void load(std::string key, StoredObject object);

  std::optional<Record> get(std::string_view key) const;
  ListResult list(std::string_view prefix, std::string_view startAfter, size_t limit) const;
  Revision revision() const { return revision_.load(std::memory_order_acquire); }
  size_t size() const;

  // Writer thread only.
  const StoredObject* findForWriter(const std::string& key) const;
  // Publishes a committed group: the objects and the revision change together, so a
  // list never shows objects newer than the revision it reports.
  void apply(IndexChanges&& changes, Revision revision);

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, StoredObject, std::less<>> objects_;
  std::atomic<Revision> revision_;
};

}  // namespace edgeway::store::detail
