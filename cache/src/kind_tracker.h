#pragma once
// What the cache thread knows about one kind: the revision of every object it has seen
// (readable or not, so a relist can tell what changed and what went away, and an
// unreadable object is logged once per revision), the watch feeding it and when to retry
// a failed list or watch. Cache thread only.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include "cache/kind.h"
#include "cache/namespaced_name.h"
#include "cache/sharded_index.h"
#include "cache/source.h"

namespace edgeway::cache::detail {

struct NamespacedNameHash {
  size_t operator()(const NamespacedName& n) const {
    return static_cast<size_t>(hashFinish(hashAppend(hashAppend(kHashSeed, n.ns), n.name)));
  }
};

struct KnownObject {
  int64_t revision = 0;
  bool inSnapshot = false;  // false: seen but unreadable, left out of the snapshot
};

struct KindTracker {
  using Clock = std::chrono::steady_clock;

  KindTracker(Kind k, std::chrono::milliseconds firstBackoff) : kind(k), backoff(firstBackoff) {}

  const Kind kind;
  std::unordered_map<NamespacedName, KnownObject, NamespacedNameHash> known;
  uint64_t generation = 0;  // of the current watch; queue items of others are stale
  std::unique_ptr<SourceWatch> watch;
  bool listed = false;  // listed at least once
  std::optional<Clock::time_point> retryAt;
  std::chrono::milliseconds backoff;
};

}  // namespace edgeway::cache::detail
