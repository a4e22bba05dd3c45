#pragma once
// An in-memory Store for API server tests: writes complete synchronously (the callback
// runs before the call returns), watches are delivered synchronously, and compaction is
// triggered by the test.

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace edgeway::apiserver::testing {

class FakeStore : public store::Store {
 public:
  void create(std::string key, store::Render render, store::WriteCallback done) override {
    write(std::move(key), std::nullopt, std::move(render), std::move(done), Op::kCreate);
  }
  void update(std::string key, store::Revision expected, store::Render render, store::WriteCallback done) override {
    write(std::move(key), expected, std::move(render), std::move(done), Op::kUpdate);
  }
  void remove(std::string key, store::Revision expected, store::Render render, store::WriteCallback done) override {
    write(std::move(key), expected, std::move(render), std::move(done), Op::kRemove);
  }

  std::optional<store::Record> get(std::string_view key) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }

  store::ListResult list(std::string_view prefix, std::string_view startAfter = {}, size_t limit = 0) const override {
    std::lock_guard<std::mutex> lock(mu_);
    store::ListResult out;
    out.revision = revision_;
    auto it = startAfter.empty() ? objects_.lower_bound(std::string(prefix))
                                 : objects_.upper_bound(std::string(startAfter));
    for (; it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      if (limit != 0 && out.records.size() == limit) {
        out.more = true;
        break;
      }
      out.records.push_back(it->second);
    }
    return out;
  }

  Result<std::unique_ptr<store::Watch>> watch(std::string prefix, store::Revision after,
                                              store::WatchCallbacks callbacks) override {
    auto w = std::make_shared<Watcher>();
    w->prefix = std::move(prefix);
    w->callbacks = std::move(callbacks);
    std::vector<store::Event> replay;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (after < compacted_) return gone("too old resource version");
      for (const auto& [rev, e] : log_) {
        if (rev > after && e.record.key.compare(0, w->prefix.size(), w->prefix) == 0) replay.push_back(e);
      }
      watchers_.push_back(w);
    }
    for (const auto& e : replay) deliver(*w, e);
    return std::unique_ptr<store::Watch>(new Handle(w));
  }

  store::Revision currentRevision() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return revision_;
  }
  store::Revision compactedRevision() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return compacted_;
  }

  // Forgets history up to the current revision.
  void compact() {
    std::lock_guard<std::mutex> lock(mu_);
    compacted_ = revision_;
    log_.clear();
  }
  // Makes the next write fail with this status (e.g. a conflict injected mid-flight).
  void failNextWrite(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    injected_ = std::move(status);
  }
  size_t openWatches() const {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& w : watchers_) n += w->active ? 1 : 0;
    return n;
  }

 private:
  enum class Op { kCreate, kUpdate, kRemove };
  struct Watcher {
    std::string prefix;
    store::WatchCallbacks callbacks;
    std::mutex mu;
    bool active = true;
  };
  class Handle : public store::Watch {
   public:
    explicit Handle(std::shared_ptr<Watcher> w) : w_(std::move(w)) {}
    ~Handle() override { stop(); }
    void stop() override {
      std::lock_guard<std::mutex> lock(w_->mu);
      w_->active = false;
    }

   private:
    std::shared_ptr<Watcher> w_;
  };

  static void deliver(Watcher& w, const store::Event& e) {
    std::lock_guard<std::mutex> lock(w.mu);
    if (!w.active) return;
    if (!w.callbacks.onEvent(e)) w.active = false;
  }

  void write(std::string key, std::optional<store::Revision> expected, store::Render render,
             store::WriteCallback done, Op op) {
    store::Event event;
    std::vector<std::shared_ptr<Watcher>> watchers;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!injected_.isOk()) {
        Status st = std::move(injected_);
        injected_ = Status::ok();
        lock.unlock();
        return done(st);
      }
      auto it = objects_.find(key);
      if (op == Op::kCreate && it != objects_.end()) {
        lock.unlock();
        return done(alreadyExists(key));
      }
      if (op != Op::kCreate) {
        if (it == objects_.end()) {
          lock.unlock();
          return done(notFound(key));
        }
        if (it->second.modRevision != *expected) {
          lock.unlock();
          return done(conflict(key));
        }
      }
      store::Revision rev = ++revision_;
      store::Record rec;
      rec.key = key;
      rec.value = render(rev);
      rec.createRevision = op == Op::kCreate ? rev : it->second.createRevision;
      rec.modRevision = rev;
      event.type = op == Op::kCreate ? store::EventType::kAdded
                   : op == Op::kUpdate ? store::EventType::kModified
                                       : store::EventType::kDeleted;
      event.record = rec;
      if (op == Op::kRemove) {
        objects_.erase(it);
      } else {
        objects_[key] = rec;
      }
      log_.emplace_back(rev, event);
      watchers = watchers_;
    }
    for (auto& w : watchers) {
      if (event.record.key.compare(0, w->prefix.size(), w->prefix) == 0) deliver(*w, event);
    }
    done(event.record);
  }

  mutable std::mutex mu_;
  std::map<std::string, store::Record> objects_;
  std::vector<std::pair<store::Revision, store::Event>> log_;
  std::vector<std::shared_ptr<Watcher>> watchers_;
  store::Revision revision_ = 0;
  store::Revision compacted_ = 0;
  Status injected_;
};

}  // namespace edgeway::apiserver::testing
