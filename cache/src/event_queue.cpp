#include "cache/src/event_queue.h"

#include <utility>

namespace edgeway::cache::detail {

uint64_t EventQueue::beginGeneration(Kind kind) {
  std::lock_guard lock(mu_);
  current_[kindIndex(kind)] = nextGeneration_;
  return nextGeneration_++;
}

bool EventQueue::pushEvent(Kind kind, uint64_t generation, SourceEvent&& event) {
  std::lock_guard lock(mu_);
  uint64_t& current = current_[kindIndex(kind)];
  if (stopped_ || generation != current) {
    ++dropped_;
    return false;
  }
  if (events_ >= maxEvents_) {
    // Give up on this watch: the relist will bring everything it would have delivered.
    current = 0;
    ++dropped_;
    items_.push_back(QueueItem{QueueItem::Type::kRelist, kind, generation, {}});
    cv_.notify_one();
    return false;
  }
  items_.push_back(QueueItem{QueueItem::Type::kEvent, kind, generation, std::move(event)});
  ++events_;
  ++accepted_;
  cv_.notify_one();
  return true;
}

void EventQueue::pushRelist(Kind kind, uint64_t generation) {
  std::lock_guard lock(mu_);
  if (stopped_ || generation != current_[kindIndex(kind)]) return;
  items_.push_back(QueueItem{QueueItem::Type::kRelist, kind, generation, {}});
  cv_.notify_one();
}

std::vector<QueueItem> EventQueue::take(std::optional<Clock::time_point> deadline) {
  std::unique_lock lock(mu_);
  auto ready = [&] { return stopped_ || !items_.empty(); };
  if (deadline) {
    cv_.wait_until(lock, *deadline, ready);
  } else {
    cv_.wait(lock, ready);
  }
  std::vector<QueueItem> out;
  out.swap(items_);
  events_ = 0;
  return out;
}

void EventQueue::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

bool EventQueue::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

uint64_t EventQueue::accepted() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

uint64_t EventQueue::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace edgeway::cache::detail
