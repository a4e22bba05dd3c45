#pragma once
// The hand-off from source threads to the cache thread. Sources push and return at once;
// the cache thread takes everything queued in one go, which is what coalesces a burst of
// events into one snapshot.
//
// Each kind's watch has a generation. Only events of the kind's current generation are
// accepted, so a watch being replaced cannot slip old events in after the relist that
// superseded them. The queue is bounded: when it is full, the kind whose event did not fit
// stops being accepted and a relist of it is queued instead -- a stuck subscriber then
// costs a relist, not unbounded memory.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "cache/kind.h"
#include "cache/source.h"

namespace edgeway::cache::detail {

struct QueueItem {
  enum class Type { kEvent, kRelist };
  Type type = Type::kEvent;
  Kind kind = Kind::kService;
  uint64_t generation = 0;
  SourceEvent event;  // kEvent only
};

class EventQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit EventQueue(size_t maxEvents) : maxEvents_(maxEvents) {}

  // Starts a new generation for `kind`; from now on only its items are accepted.
  uint64_t beginGeneration(Kind kind);

  // False when the event was dropped (stale generation, or the queue was full).
  bool pushEvent(Kind kind, uint64_t generation, SourceEvent&& event);
  // Asks the cache thread to relist `kind` (its watch ended). Ignored when stale.
  void pushRelist(Kind kind, uint64_t generation);

  // Waits until something is queued, stop() is called or `deadline` passes, then returns
  // everything queued, oldest first (possibly nothing).
  std::vector<QueueItem> take(std::optional<Clock::time_point> deadline);

  void stop();
  bool stopped() const;

  uint64_t accepted() const;
  uint64_t dropped() const;

 private:
  const size_t maxEvents_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<QueueItem> items_;
  size_t events_ = 0;                           // kEvent items in items_
  std::array<uint64_t, kKindCount> current_{};  // accepted generation per kind; 0: none
  uint64_t nextGeneration_ = 1;
  bool stopped_ = false;
  uint64_t accepted_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace edgeway::cache::detail
