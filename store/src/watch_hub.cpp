#include "store/src/watch_hub.h"

#include <algorithm>
#include <atomic>
#include <optional>

namespace edgeway::store::detail {
namespace {

// Events handed to a callback per turn: big enough to amortise locking, small enough
// that one busy watcher cannot starve the others for long.
constexpr size_t kTurnSize = 256;

bool hasPrefix(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

struct WatchHub::Watcher {
  uint64_t id = 0;
  std::string prefix;
  WatchCallbacks callbacks;
  Revision after = 0;        // only revisions newer than this are delivered
  Revision replayedTo = 0;   // the log has been replayed through this revision
  Revision replayUntil = 0;  // last revision published at registration; newer ones come live
  std::deque<std::shared_ptr<const Event>> live;
  std::optional<Status> closing;  // the store ends this watch with this status
  std::atomic<bool> stopped{false};
  bool queued = false;  // in ready_

  bool replaying() const { return replayedTo < replayUntil; }
  bool hasWork() const { return closing || replaying() || !live.empty(); }
};

class WatchHub::Handle : public Watch {
 public:
  Handle(std::weak_ptr<WatchHub> hub, std::shared_ptr<Watcher> watcher)
      : hub_(std::move(hub)), watcher_(std::move(watcher)) {}
  ~Handle() override { stop(); }
  // A handle may outlive the store; then there is nothing left to stop.
  void stop() override {
    if (auto hub = hub_.lock()) hub->stop(*watcher_);
  }

 private:
  std::weak_ptr<WatchHub> hub_;
  std::shared_ptr<Watcher> watcher_;
};

WatchHub::WatchHub(std::unique_ptr<LogReader> reader, Revision published, Revision compacted,
                   size_t queueLimit)
    : reader_(std::move(reader)),
      queueLimit_(std::max<size_t>(1, queueLimit)),
      published_(published),
      compacted_(compacted) {}

WatchHub::~WatchHub() { shutdown(); }

void WatchHub::start() {
  std::lock_guard lock(mu_);
  thread_ = std::thread([this] { run(); });
  threadId_ = thread_.get_id();
}

void WatchHub::shutdown() {
  {
    std::lock_guard lock(mu_);
    shuttingDown_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<std::unique_ptr<Watch>> WatchHub::add(std::string prefix, Revision after, WatchCallbacks callbacks) {
  if (!callbacks.onEvent) return invalidArgument("watch needs an onEvent callback");
  std::lock_guard lock(mu_);
  if (shuttingDown_) return unavailable("the store is shutting down");
  if (after < compacted_) {
    return gone("too old resource version: " + std::to_string(after) + " (" + std::to_string(compacted_) +
                ")");
  }
  auto watcher = std::make_shared<Watcher>();
  watcher->id = nextId_++;
  watcher->prefix = std::move(prefix);
  watcher->callbacks = std::move(callbacks);
  watcher->after = after;
  watcher->replayedTo = after;
  watcher->replayUntil = published_;
  watchers_.emplace(watcher->id, watcher);
  if (watcher->replaying()) schedule(watcher);
  return std::unique_ptr<Watch>(new Handle(weak_from_this(), watcher));
}

void WatchHub::publish(const std::vector<std::shared_ptr<const Event>>& events, Revision revision) {
  std::lock_guard lock(mu_);
  published_ = revision;
  for (auto& [id, watcher] : watchers_) {
    Watcher& w = *watcher;
    if (w.closing) continue;
    bool added = false;
    for (const auto& event : events) {
      if (event->record.modRevision <= w.after || !hasPrefix(event->record.key, w.prefix)) continue;
      if (w.live.size() >= queueLimit_) {
        w.closing = resourceExhausted("watch fell more than " + std::to_string(queueLimit_) +
                                      " events behind and was closed; watch again");
        w.live.clear();
        added = true;
        break;
      }
      w.live.push_back(event);
      added = true;
    }
    if (added) schedule(watcher);
  }
}

Revision WatchHub::raiseCompacted(Revision target) {
  std::lock_guard lock(mu_);
  for (const auto& [id, watcher] : watchers_) {
    if (watcher->replaying()) target = std::min(target, watcher->replayedTo);
  }
  compacted_ = std::max(compacted_, target);
  return compacted_;
}

Revision WatchHub::compactedRevision() const {
  std::lock_guard lock(mu_);
  return compacted_;
}

size_t WatchHub::watcherCount() const {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

void WatchHub::stop(Watcher& watcher) {
  std::unique_lock lock(mu_);
  watcher.stopped = true;
  watchers_.erase(watcher.id);
  watcher.live.clear();
  // From inside one of its own callbacks (the delivery thread) waiting would deadlock;
  // there the delivery loop notices `stopped` as soon as the callback returns.
  if (std::this_thread::get_id() != threadId_) {
    idle_.wait(lock, [&] { return delivering_ != &watcher; });
  }
}

void WatchHub::schedule(const std::shared_ptr<Watcher>& watcher) {
  if (watcher->queued) return;
  watcher->queued = true;
  ready_.push_back(watcher);
  work_.notify_one();
}

void WatchHub::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return shuttingDown_ || !ready_.empty(); });
    if (shuttingDown_) break;
    std::shared_ptr<Watcher> watcher = std::move(ready_.front());
    ready_.pop_front();
    watcher->queued = false;
    if (watcher->stopped) continue;
    Batch batch;
    if (!watcher->closing && takeWork(*watcher, lock, batch)) deliver(watcher, lock, batch);
    if (watcher->stopped) continue;
    if (watcher->closing) {
      close(watcher, lock, *watcher->closing);
    } else if (watcher->hasWork()) {
      schedule(watcher);
    }
  }
  // Shutting down: every watch still open learns that it ended.
  std::vector<std::shared_ptr<Watcher>> remaining;
  for (auto& [id, watcher] : watchers_) remaining.push_back(watcher);
  for (auto& watcher : remaining) {
    if (!watcher->stopped)
      close(watcher, lock, watcher->closing.value_or(unavailable("the store is shutting down")));
  }
  ready_.clear();
}

bool WatchHub::takeWork(Watcher& w, std::unique_lock<std::mutex>& lock, Batch& batch) {
  if (w.replaying()) {
    Revision from = w.replayedTo;
    Revision until = w.replayUntil;
    lock.unlock();  // the read may take a while; the writer must not wait for it
    auto chunk = reader_->read(w.prefix, from, until, kTurnSize);
    lock.lock();
    if (!chunk) {
      w.closing = chunk.status();
      return false;
    }
    w.replayedTo = chunk->scannedTo;
    batch.reserve(chunk->events.size());
    for (Event& event : chunk->events) batch.push_back(std::make_shared<const Event>(std::move(event)));
    return !batch.empty();
  }
  size_t n = std::min(kTurnSize, w.live.size());
  batch.assign(std::make_move_iterator(w.live.begin()), std::make_move_iterator(w.live.begin() + n));
  w.live.erase(w.live.begin(), w.live.begin() + n);
  return n > 0;
}

template <typename Call>
void WatchHub::callOut(Watcher& watcher, std::unique_lock<std::mutex>& lock, Call&& call) {
  delivering_ = &watcher;
  lock.unlock();
  call();
  lock.lock();
  delivering_ = nullptr;
  idle_.notify_all();
}

void WatchHub::deliver(const std::shared_ptr<Watcher>& watcher, std::unique_lock<std::mutex>& lock,
                       const Batch& batch) {
  bool wantsMore = true;
  callOut(*watcher, lock, [&] {
    for (const auto& event : batch) {
      // Checked before every event: stop() may come from another thread mid-batch.
      if (watcher->stopped) return;
      if (!watcher->callbacks.onEvent(*event)) {
        wantsMore = false;
        return;
      }
    }
  });
  if (!wantsMore) {  // the watcher's own decision: no onClosed
    watcher->stopped = true;
    watchers_.erase(watcher->id);
    watcher->live.clear();
  }
}

void WatchHub::close(const std::shared_ptr<Watcher>& watcher, std::unique_lock<std::mutex>& lock,
                     const Status& status) {
  Status reason = status;  // `status` may live in the watcher, which we are about to end
  watchers_.erase(watcher->id);
  watcher->live.clear();
  callOut(*watcher, lock, [&] {
    if (!watcher->stopped && watcher->callbacks.onClosed) watcher->callbacks.onClosed(reason);
  });
  watcher->stopped = true;
}

}  // namespace edgeway::store::detail
