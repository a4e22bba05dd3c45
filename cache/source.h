#pragma once
// Source: where ClusterState gets objects from -- list a kind, then watch it from the
// list's revision. LocalStoreSource reads the server's own store; a remote source (list +
// watch over HTTPS, for `edgeway agent`) implements the same interface. The relisting,
// diffing and coalescing live in ClusterState, once for every source.
//
// Objects arrive as JSON text and are parsed on the cache thread, not on the source's.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "cache/kind.h"
#include "cache/namespaced_name.h"

namespace edgeway::cache {

struct SourceObject {
  // Taken from where the object is stored (the store key), not from its body, so that an
  // object whose body cannot be read can still be tracked and deleted.
  NamespacedName name;
  int64_t revision = 0;  // the store revision that wrote it (resourceVersion)
  std::string json;
};

struct SourceList {
  std::vector<SourceObject> objects;
  int64_t revision = 0;  // the revision the list reflects; watch from here
};

struct SourceEvent {
  enum class Type { kUpsert, kDelete };
  Type type = Type::kUpsert;
  SourceObject object;  // for kDelete: the final state; its revision is the delete's
};

// A running watch. Destroying it stops it; no callback runs after the destructor returns.
class SourceWatch {
 public:
  virtual ~SourceWatch() = default;
};

struct SourceWatchCallbacks {
  // In revision order, on any thread. Must return quickly (queue and return).
  std::function<void(SourceEvent&&)> onEvent;
  // At most once, when the source ends the watch (compaction, shutdown, fell behind);
  // the caller relists. Not called after the watch is destroyed.
  std::function<void(const Status&)> onClosed;
};

class Source {
 public:
  virtual ~Source() = default;

  // Every object of `kind` and the revision the list reflects. May block (a remote source
  // bounds it with a timeout); called on the cache thread.
  virtual Result<SourceList> list(Kind kind) = 0;
  // Events of `kind` with revision > `after`.
  virtual Result<std::unique_ptr<SourceWatch>> watch(Kind kind, int64_t after,
                                                     SourceWatchCallbacks callbacks) = 0;
};

}  // namespace edgeway::cache
