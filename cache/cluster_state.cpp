#include "cache/cluster_state.h"

#include <algorithm>
#include <cassert>
#include <unordered_set>
#include <utility>
#include <variant>

#include "base/log.h"
#include "cache/snapshot_builder.h"
#include "cache/src/event_queue.h"
#include "cache/src/kind_tracker.h"
#include "cache/src/object_parser.h"

namespace edgeway::cache {

using Clock = std::chrono::steady_clock;

struct ClusterState::Subscriber {
  Callback callback;
  SubscriptionId id = 0;
  std::atomic<bool> active{true};
};

namespace {

bool holds(const Snapshot& s, Kind kind, const NamespacedName& n) {
  switch (kind) {
    case Kind::kService:
      return s.service(n.ns, n.name) != nullptr;
    case Kind::kEndpointSlice:
      return s.endpointSlice(n.ns, n.name) != nullptr;
    case Kind::kPod:
      return s.pod(n.ns, n.name) != nullptr;
    case Kind::kNode:
      return s.node(n.name) != nullptr;
    case Kind::kIngress:
      return s.ingress(n.ns, n.name) != nullptr;
    case Kind::kIngressClass:
      return s.ingressClass(n.name) != nullptr;
    case Kind::kSecret:
      return s.secret(n.ns, n.name) != nullptr;
  }
  return false;
}

}  // namespace

// The edits of one pass of the cache thread: they become one snapshot.
struct ClusterState::Batch {
  explicit Batch(std::shared_ptr<const Snapshot> from) : base(std::move(from)), builder(*base) {}
  std::shared_ptr<const Snapshot> base;
  SnapshotBuilder builder;
  Changes changes;

  void changed(Kind kind, const NamespacedName& name) { changes.byKind[kindIndex(kind)].push_back(name); }
};

ClusterState::ClusterState(Source& source, ClusterStateOptions options)
    : source_(source),
      options_(options),
      queue_(std::make_unique<detail::EventQueue>(options.maxQueuedEvents)),
      current_(std::make_shared<const Snapshot>()) {
  for (Kind kind : kAllKinds)
    trackers_.push_back(std::make_unique<detail::KindTracker>(kind, options_.retryInitial));
}

ClusterState::~ClusterState() { stop(); }

void ClusterState::start() {
  assert(!thread_.joinable() && !queue_->stopped());
  thread_ = std::thread([this] { run(); });
}

void ClusterState::stop() {
  queue_->stop();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const Snapshot> ClusterState::current() const { return std::atomic_load(&current_); }

bool ClusterState::hasSynced() const { return synced_.load(); }

ClusterState::SubscriptionId ClusterState::subscribe(Callback callback) {
  auto subscriber = std::make_shared<Subscriber>();
  subscriber->callback = std::move(callback);
  std::lock_guard lock(subscribersMu_);
  subscriber->id = nextSubscription_++;
  subscribers_.push_back(subscriber);
  return subscriber->id;
}

void ClusterState::unsubscribe(SubscriptionId id) {
  {
    std::lock_guard lock(subscribersMu_);
    auto it =
        std::find_if(subscribers_.begin(), subscribers_.end(), [&](const auto& s) { return s->id == id; });
    if (it == subscribers_.end()) return;
    (*it)->active = false;
    subscribers_.erase(it);
  }
  // Wait out a delivery in progress -- unless we are inside it, on the cache thread.
  if (std::this_thread::get_id() != thread_.get_id()) {
    std::lock_guard wait(deliveryMu_);
  }
}

ClusterStateStats ClusterState::stats() const {
  ClusterStateStats s;
  s.eventsQueued = queue_->accepted();
  s.eventsDropped = queue_->dropped() + staleEvents_.load();
  s.snapshotsPublished = snapshotsPublished_.load();
  s.relists = relists_.load();
  s.badObjects = badObjects_.load();
  return s;
}

void ClusterState::run() {
  {
    Batch batch(current());
    for (Kind kind : kAllKinds) relist(kind, batch);
    publish(batch);
  }
  while (true) {
    std::optional<Clock::time_point> retry;
    for (const auto& t : trackers_) {
      if (t->retryAt && (!retry || *t->retryAt < *retry)) retry = t->retryAt;
    }
    std::vector<detail::QueueItem> items = queue_->take(retry);
    if (queue_->stopped()) break;

    Batch batch(current());
    for (detail::QueueItem& item : items) {
      if (item.generation != tracker(item.kind).generation) {
        // Queued by a watch a relist has since replaced; the list covered it.
        if (item.type == detail::QueueItem::Type::kEvent) ++staleEvents_;
        continue;
      }
      if (item.type == detail::QueueItem::Type::kEvent) {
        apply(item.kind, std::move(item.event), batch);
      } else {
        relist(item.kind, batch);
      }
    }
    const auto now = Clock::now();
    for (const auto& t : trackers_) {
      if (t->retryAt && *t->retryAt <= now) relist(t->kind, batch);
    }
    publish(batch);
  }
  for (const auto& t : trackers_) t->watch.reset();
}

void ClusterState::relist(Kind kind, Batch& batch) {
  detail::KindTracker& t = tracker(kind);
  t.retryAt.reset();
  t.watch.reset();  // no callback of the old watch runs after this
  t.generation = queue_->beginGeneration(kind);
  if (t.listed) ++relists_;

  Result<SourceList> listed = source_.list(kind);
  if (!listed) {
    log::warn("cache: listing ", kindName(kind), " objects failed: ", listed.status().toString());
    retryLater(kind);
    return;
  }
  revision_ = std::max(revision_, listed->revision);
  std::unordered_set<NamespacedName, detail::NamespacedNameHash> present;
  present.reserve(listed->objects.size());
  for (SourceObject& object : listed->objects) {
    present.insert(object.name);
    applyObject(kind, std::move(object), batch);
  }
  std::vector<NamespacedName> gone;
  for (const auto& [name, known] : t.known) {
    if (present.count(name) == 0) gone.push_back(name);
  }
  for (const NamespacedName& name : gone) applyDelete(kind, name, listed->revision, batch);
  t.listed = true;

  SourceWatchCallbacks callbacks;
  detail::EventQueue* queue = queue_.get();
  const uint64_t generation = t.generation;
  callbacks.onEvent = [queue, kind, generation](SourceEvent&& event) {
    queue->pushEvent(kind, generation, std::move(event));
  };
  callbacks.onClosed = [queue, kind, generation](const Status& status) {
    log::info("cache: the ", kindName(kind), " watch ended (", status.toString(), "); relisting");
    queue->pushRelist(kind, generation);
  };
  auto watch = source_.watch(kind, listed->revision, std::move(callbacks));
  if (!watch) {
    log::warn("cache: watching ", kindName(kind), " objects failed: ", watch.status().toString());
    retryLater(kind);
    return;
  }
  t.watch = std::move(*watch);
  t.backoff = options_.retryInitial;
}

void ClusterState::retryLater(Kind kind) {
  detail::KindTracker& t = tracker(kind);
  t.retryAt = Clock::now() + t.backoff;
  t.backoff = std::min(t.backoff * 2, options_.retryMax);
}

void ClusterState::apply(Kind kind, SourceEvent&& event, Batch& batch) {
  if (event.type == SourceEvent::Type::kDelete) {
    applyDelete(kind, event.object.name, event.object.revision, batch);
  } else {
    applyObject(kind, std::move(event.object), batch);
  }
}

void ClusterState::applyObject(Kind kind, SourceObject&& object, Batch& batch) {
  detail::KindTracker& t = tracker(kind);
  const int64_t revision = object.revision;
  revision_ = std::max(revision_, revision);
  auto known = t.known.find(object.name);
  if (known != t.known.end() && known->second.revision == revision) return;  // a relist of it
  const bool held = known != t.known.end() && known->second.inSnapshot;

  Result<detail::AnyObject> parsed = detail::parseObject(kind, object.json);
  Status problem = parsed.status();
  if (parsed) {
    NamespacedName named = detail::nameOf(*parsed);
    if (named != object.name) {
      problem = invalidArgument("its metadata names " + named.toString() + " but it is stored as " +
                                object.name.toString());
    }
  }
  if (!problem.isOk()) {
    ++badObjects_;
    log::warn("cache: skipping ", kindName(kind), " ", object.name.toString(), " at revision ", revision,
              ": ", problem.message());
    if (held) {
      batch.builder.remove(kind, object.name);
      batch.changed(kind, object.name);
    }
    t.known[std::move(object.name)] = detail::KnownObject{revision, false};
    return;
  }
  std::visit([&](auto& ptr) { batch.builder.put(std::move(ptr)); }, *parsed);
  batch.changed(kind, object.name);
  t.known[std::move(object.name)] = detail::KnownObject{revision, true};
}

void ClusterState::applyDelete(Kind kind, const NamespacedName& name, int64_t revision, Batch& batch) {
  detail::KindTracker& t = tracker(kind);
  revision_ = std::max(revision_, revision);
  auto known = t.known.find(name);
  if (known == t.known.end()) return;
  const bool held = known->second.inSnapshot;
  t.known.erase(known);
  if (held) {
    batch.builder.remove(kind, name);
    batch.changed(kind, name);
  }
}

bool ClusterState::allListed() const {
  return std::all_of(trackers_.begin(), trackers_.end(), [](const auto& t) { return t->listed; });
}

void ClusterState::publish(Batch& batch) {
  const bool synced = allListed();
  const bool firstSync = synced && !synced_.load();
  if (batch.changes.empty() && !firstSync) return;
  std::shared_ptr<const Snapshot> snapshot = batch.builder.build(revision_, synced);
  for (Kind kind : kAllKinds) {
    auto& names = batch.changes.byKind[kindIndex(kind)];
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    // An object created and deleted within the batch is in neither snapshot: no change.
    names.erase(std::remove_if(names.begin(), names.end(),
                               [&](const NamespacedName& n) {
                                 return !holds(*batch.base, kind, n) && !holds(*snapshot, kind, n);
                               }),
                names.end());
  }
  if (batch.changes.empty() && !firstSync) return;
  std::atomic_store(&current_, snapshot);
  if (firstSync) synced_.store(true);
  ++snapshotsPublished_;

  std::vector<std::shared_ptr<Subscriber>> subscribers;
  {
    std::lock_guard lock(subscribersMu_);
    subscribers = subscribers_;
  }
  std::lock_guard delivering(deliveryMu_);
  for (const auto& s : subscribers) {
    if (s->active) s->callback(snapshot, batch.changes);
  }
}

}  // namespace edgeway::cache
