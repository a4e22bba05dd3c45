#pragma once
// An in-memory Source the test drives by hand: objects change silently or with an event,
// watches can be closed, lists and watches can be made to fail. Events are delivered on the
// calling (test) thread, so when set()/erase() return the event is already queued.

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cache/source.h"

namespace edgeway::cache::testing {

class FakeSource : public Source {
 public:
  Result<SourceList> list(Kind kind) override {
    std::lock_guard lock(mu_);
    ++lists_[kindIndex(kind)];
    if (failLists_[kindIndex(kind)] > 0) {
      --failLists_[kindIndex(kind)];
      return unavailable("list failed (fake)");
    }
    SourceList out;
    out.revision = revision_;
    for (const auto& [name, object] : objects_[kindIndex(kind)]) out.objects.push_back(object);
    return out;
  }

  Result<std::unique_ptr<SourceWatch>> watch(Kind kind, int64_t, SourceWatchCallbacks callbacks) override {
    std::lock_guard lock(mu_);
    if (failWatches_[kindIndex(kind)] > 0) {
      --failWatches_[kindIndex(kind)];
      return unavailable("watch failed (fake)");
    }
    auto state = std::make_shared<WatchState>();
    state->callbacks = std::move(callbacks);
    watches_[kindIndex(kind)] = state;
    ++watchesStarted_[kindIndex(kind)];
    return std::unique_ptr<SourceWatch>(std::make_unique<Handle>(state));
  }

  // Writes an object; with notify, the live watch of its kind gets the event.
  int64_t set(Kind kind, const NamespacedName& name, const std::string& json, bool notify = true) {
    std::shared_ptr<WatchState> watch;
    SourceObject object;
    {
      std::lock_guard lock(mu_);
      object = SourceObject{name, ++revision_, json};
      objects_[kindIndex(kind)][name] = object;
      watch = watches_[kindIndex(kind)];
    }
    const int64_t revision = object.revision;
    if (notify) deliver(watch, SourceEvent{SourceEvent::Type::kUpsert, std::move(object)});
    return revision;
  }

  int64_t erase(Kind kind, const NamespacedName& name, bool notify = true) {
    std::shared_ptr<WatchState> watch;
    SourceObject object;
    {
      std::lock_guard lock(mu_);
      auto& objects = objects_[kindIndex(kind)];
      object = objects.at(name);
      object.revision = ++revision_;
      objects.erase(name);
      watch = watches_[kindIndex(kind)];
    }
    const int64_t revision = object.revision;
    if (notify) deliver(watch, SourceEvent{SourceEvent::Type::kDelete, std::move(object)});
    return revision;
  }

  // Ends the live watch of `kind` as a source would (compaction, server restart).
  void closeWatch(Kind kind) {
    std::shared_ptr<WatchState> watch;
    {
      std::lock_guard lock(mu_);
      watch.swap(watches_[kindIndex(kind)]);
    }
    if (watch && watch->active) watch->callbacks.onClosed(unavailable("closed (fake)"));
  }

  // The callbacks of the live watch, to replay into after the watch is replaced.
  SourceWatchCallbacks liveCallbacks(Kind kind) {
    std::lock_guard lock(mu_);
    return watches_[kindIndex(kind)] ? watches_[kindIndex(kind)]->callbacks : SourceWatchCallbacks{};
  }

  void failLists(Kind kind, int times) {
    std::lock_guard lock(mu_);
    failLists_[kindIndex(kind)] = times;
  }
  void failWatches(Kind kind, int times) {
    std::lock_guard lock(mu_);
    failWatches_[kindIndex(kind)] = times;
  }
  int lists(Kind kind) {
    std::lock_guard lock(mu_);
    return lists_[kindIndex(kind)];
  }
  int watchesStarted(Kind kind) {
    std::lock_guard lock(mu_);
    return watchesStarted_[kindIndex(kind)];
  }
  bool watching(Kind kind) {
    std::lock_guard lock(mu_);
    return watches_[kindIndex(kind)] != nullptr && watches_[kindIndex(kind)]->active;
  }

 private:
  struct WatchState {
    SourceWatchCallbacks callbacks;
    std::atomic<bool> active{true};
  };
  class Handle : public SourceWatch {
   public:
    explicit Handle(std::shared_ptr<WatchState> state) : state_(std::move(state)) {}
    ~Handle() override { state_->active = false; }

   private:
    std::shared_ptr<WatchState> state_;
  };

  static void deliver(const std::shared_ptr<WatchState>& watch, SourceEvent&& event) {
    if (watch && watch->active) watch->callbacks.onEvent(std::move(event));
  }

  std::mutex mu_;
  int64_t revision_ = 100;
  std::array<std::map<NamespacedName, SourceObject>, kKindCount> objects_;
  std::array<std::shared_ptr<WatchState>, kKindCount> watches_;
  std::array<int, kKindCount> failLists_{};
  std::array<int, kKindCount> failWatches_{};
  std::array<int, kKindCount> lists_{};
  std::array<int, kKindCount> watchesStarted_{};
};

}  // namespace edgeway::cache::testing
