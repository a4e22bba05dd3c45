#pragma once
// ClusterState: follows Services, EndpointSlices, Pods, Nodes, Ingresses, IngressClasses and
// Secrets from a Source and publishes them as immutable Snapshots.
//
// For each kind it lists, then watches from the list's revision; when a watch ends it
// relists and diffs against what it holds (objects missing from the list are deleted) and
// watches again. Sources only queue what they deliver; one cache thread applies whatever
// is queued as one batch, builds ONE new Snapshot from the previous one (sharing what did
// not change) and publishes it with an atomic pointer store. Readers call current() and
// never wait for the writer.
//
// Objects that cannot be read are logged once per revision and left out (the snapshot
// keeps none of them; a readable object that turns unreadable is removed). Nothing a
// source delivers can stop the cache.
//
// Threads: start() runs the cache thread; subscriber callbacks run on it, in publish
// order, and must return quickly (post to your own executor) -- the next batch waits for
// them. stop() (or the destructor) ends the watches and joins the thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cache/changes.h"
#include "cache/snapshot.h"
#include "cache/source.h"

namespace edgeway::cache {

namespace detail {
class EventQueue;
struct KindTracker;
}  // namespace detail

struct ClusterStateOptions {
  // Events waiting for the cache thread before a kind's watch is given up on and the kind
  // relisted instead: the bound on memory when a subscriber stalls the thread.
  size_t maxQueuedEvents = 100000;
  // Wait before retrying a failed list or watch; doubles on each failure up to retryMax.
  std::chrono::milliseconds retryInitial{200};
  std::chrono::milliseconds retryMax{10000};
};

struct ClusterStateStats {
  uint64_t eventsQueued = 0;   // events accepted from the source
  uint64_t eventsDropped = 0;  // events of replaced watches, or that found the queue full
  uint64_t snapshotsPublished = 0;
  uint64_t relists = 0;     // lists after the first of each kind
  uint64_t badObjects = 0;  // object revisions skipped as unreadable
};

class ClusterState {
 public:
  using Callback = std::function<void(const std::shared_ptr<const Snapshot>&, const Changes&)>;
  using SubscriptionId = uint64_t;

  // `source` must outlive this object.
  explicit ClusterState(Source& source, ClusterStateOptions options = {});
  ~ClusterState();

  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  // Starts the cache thread, which lists every kind and publishes the first snapshot.
  // Call once.
  void start();
  // Ends the watches and joins the cache thread; no callback runs after it returns.
  // Idempotent. Not from a subscriber callback.
  void stop();

  // The latest snapshot; never null (empty and unsynced before the first list). Lock-free
  // for readers in the sense that matters: it never waits for the cache thread.
  std::shared_ptr<const Snapshot> current() const;
  // True once every kind has been listed and the snapshot holding them published;
  // current()->synced() is then true as well. Consumers act only after this.
  bool hasSynced() const;

  // Calls `callback(snapshot, changes)` on the cache thread for every snapshot published
  // after this returns. To start from the current state, subscribe first, then read
  // current() (a snapshot may then be seen twice, never missed).
  SubscriptionId subscribe(Callback callback);
  // After this returns the callback is not running and will not run again (when called
  // from a callback, only the latter).
  void unsubscribe(SubscriptionId id);

  ClusterStateStats stats() const;

 private:
  struct Subscriber;
  struct Batch;

  void run();
  void relist(Kind kind, Batch& batch);
  void apply(Kind kind, SourceEvent&& event, Batch& batch);
  void applyObject(Kind kind, SourceObject&& object, Batch& batch);
  void applyDelete(Kind kind, const NamespacedName& name, int64_t revision, Batch& batch);
  void retryLater(Kind kind);
  detail::KindTracker& tracker(Kind kind) { return *trackers_[kindIndex(kind)]; }
  void publish(Batch& batch);
  bool allListed() const;

  Source& source_;
  const ClusterStateOptions options_;
  const std::unique_ptr<detail::EventQueue> queue_;
  // Per kind: what is held and the watch feeding it. Cache thread only.
  std::vector<std::unique_ptr<detail::KindTracker>> trackers_;
  int64_t revision_ = 0;  // cache thread only

  std::shared_ptr<const Snapshot> current_;  // std::atomic_load / std::atomic_store only
  std::atomic<bool> synced_{false};

  std::mutex subscribersMu_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  SubscriptionId nextSubscription_ = 1;
  std::mutex deliveryMu_;  // held while callbacks run, so unsubscribe can wait them out

  std::atomic<uint64_t> snapshotsPublished_{0};
  std::atomic<uint64_t> relists_{0};
  std::atomic<uint64_t> staleEvents_{0};
  std::atomic<uint64_t> badObjects_{0};

  std::thread thread_;
};

}  // namespace edgeway::cache
