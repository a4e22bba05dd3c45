#include "store/src/write_queue.h"

#include <algorithm>

namespace edgeway::store::detail {

bool WriteQueue::push(PendingWrite& write) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    queue_.push_back(std::move(write));
  }
  ready_.notify_one();
  return true;
}

std::vector<PendingWrite> WriteQueue::take(size_t max) {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
  std::vector<PendingWrite> group;
  size_t n = std::min(max, queue_.size());
  group.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return group;
}

void WriteQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  ready_.notify_all();
}

}  // namespace edgeway::store::detail
