#pragma once
// The versioned object store. Every write appends to a revision log; the new global
// revision is the object's resourceVersion. Keys are opaque strings; the API server uses
// "/<group>/<resource>/<namespace>/<name>" (group "core" for the legacy group, namespace
// empty for cluster-scoped kinds) so that a prefix selects a resource or a namespace.
//
// Threading: reads (get/list/revision) are safe from any thread and never touch disk.
// Writes are queued to one writer thread that commits them in groups (one transaction and
// one fsync per group); their callbacks run on that writer thread and must not block --
// post the result to your own executor. Watch callbacks run on a store thread too.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgeway::store {

using Revision = int64_t;

struct Record {
  std::string key;
  std::string value;          // opaque bytes (the API server stores compact JSON)
  Revision createRevision = 0;
  Revision modRevision = 0;   // == resourceVersion
};

// Renders the bytes to store for the revision this write will get. The writer calls it
// after it has assigned the revision, so the stored object can carry its own
// resourceVersion. It runs on the writer thread: keep it cheap and never block.
using Render = std::function<std::string(Revision)>;
using WriteCallback = std::function<void(Result<Record>)>;

enum class EventType { kAdded, kModified, kDeleted };

struct Event {
  EventType type = EventType::kAdded;
  Record record;  // for kDeleted: the final object, rendered with the delete's revision
};

struct ListResult {
  std::vector<Record> records;  // sorted by key
  Revision revision = 0;        // the store revision this list reflects
  bool more = false;            // true when limit cut the list; continue after the last key
};

// A live watch. Destroying it (or calling stop) unregisters it; no callback runs after
// stop() returns.
class Watch {
 public:
  virtual ~Watch() = default;
  virtual void stop() = 0;
};

// Delivers events in revision order. Returning false stops the watch (slow consumer,
// closed connection). `onEvent` may be called from the store's threads.
struct WatchCallbacks {
  std::function<bool(const Event&)> onEvent;
  // Called once if the store ends the watch (shutdown, or the watcher fell too far behind);
  // not called after the watcher's own stop().
  std::function<void(const Status&)> onClosed;
};

class Store {
 public:
  virtual ~Store() = default;

  // Fails with kAlreadyExists if the key holds an object.
  virtual void create(std::string key, Render render, WriteCallback done) = 0;
  // Fails with kNotFound if absent, kConflict if its modRevision != expected.
  virtual void update(std::string key, Revision expected, Render render, WriteCallback done) = 0;
  // Deletes the key; `render` produces the tombstone value (the final object) that watches
  // see in their DELETED event. Fails like update. The callback gets the tombstone record.
  virtual void remove(std::string key, Revision expected, Render render, WriteCallback done) = 0;

  virtual std::optional<Record> get(std::string_view key) const = 0;
  // Keys with `prefix`, strictly after `startAfter` (empty: from the start), at most
  // `limit` records (0: no limit).
  virtual ListResult list(std::string_view prefix, std::string_view startAfter = {},
                          size_t limit = 0) const = 0;

  // Events for keys under `prefix` with revision > `after`. `after` older than the
  // compacted revision fails with kGone. Events up to the current revision are replayed
  // from the log first, then live events follow with no gap and no duplicate.
  // `after` is always a revision, never "now": 0 asks for the whole history (kGone once
  // anything was compacted), and an `after` beyond the current revision skips events up
  // to it. Kubernetes' resourceVersion=0 ("from any recent state") is the API layer's
  // job: list, then watch from the list's revision.
  virtual Result<std::unique_ptr<Watch>> watch(std::string prefix, Revision after,
                                               WatchCallbacks callbacks) = 0;

  virtual Revision currentRevision() const = 0;
  virtual Revision compactedRevision() const = 0;
};

}  // namespace edgeway::store
