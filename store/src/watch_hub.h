#pragma once
// Watchers and their delivery. The writer publishes each committed group here; one
// store-owned delivery thread replays each new watcher's history from the log and then
// feeds it the live events, round-robin across watchers.
//
// No gap, no duplicate: a watcher registers under the hub lock and notes the last
// published revision P. Every event after P reaches its live queue; (after, P] is
// replayed from the log, which holds everything up to P because the writer publishes
// only after COMMIT. Compaction cannot pull replayed rows away meanwhile: the compacted
// revision is raised under the same lock and never past a replaying watcher's position.
//
// A slow watcher never blocks the writer: its live queue is bounded and overflowing it
// ends that watch with kResourceExhausted.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/src/log_reader.h"
#include "store/store.h"

namespace edgeway::store::detail {

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  WatchHub(std::unique_ptr<LogReader> reader, Revision published, Revision compacted, size_t queueLimit);
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  void start();
  // Closes every remaining watch with onClosed(kUnavailable) and joins the delivery
  // thread. Must not be called from a watch callback.
  void shutdown();

  Result<std::unique_ptr<Watch>> add(std::string prefix, Revision after, WatchCallbacks callbacks);

  // Writer thread: the events of one committed group, in revision order, and the
  // revision the store now stands at.
  void publish(const std::vector<std::shared_ptr<const Event>>& events, Revision revision);

  // Raises the compacted revision towards `target`, but not past any replay in progress,
  // and returns the new value. The caller then deletes the history up to it.
  Revision raiseCompacted(Revision target);
  Revision compactedRevision() const;
  size_t watcherCount() const;

 private:
  struct Watcher;
  class Handle;
  using Batch = std::vector<std::shared_ptr<const Event>>;

  void stop(Watcher& watcher);
  void run();
  void schedule(const std::shared_ptr<Watcher>& watcher);
  // Runs `call` for `watcher` with the lock released, marking it as being delivered to
  // so that a concurrent stop() waits for it to return.
  template <typename Call>
  void callOut(Watcher& watcher, std::unique_lock<std::mutex>& lock, Call&& call);
  bool takeWork(Watcher& watcher, std::unique_lock<std::mutex>& lock, Batch& batch);
  void deliver(const std::shared_ptr<Watcher>& watcher, std::unique_lock<std::mutex>& lock,
               const Batch& batch);
  void close(const std::shared_ptr<Watcher>& watcher, std::unique_lock<std::mutex>& lock,
             const Status& status);

  const std::unique_ptr<LogReader> reader_;  // delivery thread only
  const size_t queueLimit_;

  mutable std::mutex mu_;
  std::condition_variable work_;  // wakes the delivery thread
  std::condition_variable idle_;  // wakes stop() waiting for a callback to return
  std::map<uint64_t, std::shared_ptr<Watcher>> watchers_;
  std::deque<std::shared_ptr<Watcher>> ready_;
  const Watcher* delivering_ = nullptr;
  uint64_t nextId_ = 1;
  Revision published_;
  Revision compacted_;
  bool shuttingDown_ = false;
  std::thread thread_;
  std::thread::id threadId_;
};

}  // namespace edgeway::store::detail
