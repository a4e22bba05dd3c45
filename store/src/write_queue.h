#pragma once
// The queue between callers and the single writer thread. The writer takes everything
// that piled up while it was busy (up to a bound) and commits it as one group, which is
// what turns many concurrent writes into one transaction and one fsync.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"

namespace edgeway::store::detail {

struct PendingWrite {
  enum class Kind { kCreate, kUpdate, kRemove };
  Kind kind = Kind::kCreate;
  std::string key;
  Revision expected = 0;  // update/remove: the modRevision the caller read
  Render render;
  WriteCallback done;
};

class WriteQueue {
 public:
  // Returns false (and leaves `write` untouched) once the queue is closed.
  bool push(PendingWrite& write);
  // Blocks until writes are queued, then takes up to `max` of them in arrival order.
  // Returns an empty group only when the queue is closed and drained.
  std::vector<PendingWrite> take(size_t max);
  // Refuses new writes; those already queued are still handed out by take().
  void close();

 private:
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<PendingWrite> queue_;
  bool closed_ = false;
};

}  // namespace edgeway::store::detail
