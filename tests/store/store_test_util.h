#pragma once
// Helpers shared by the store tests: a scratch directory, synchronous wrappers around
// the callback API, a gate to hold a store thread at a known point, and a recorder for
// watch events.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite_store.h"

namespace edgeway::store::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents afterwards.
class TempDir {
 public:
  TempDir() {
    std::string base = std::filesystem::temp_directory_path() / "edgeway-store-XXXXXX";
    std::vector<char> buf(base.begin(), base.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// How long a test waits for something the store must do before calling it a hang. A
// guard against deadlocks only; no test depends on anything happening within a time.
inline constexpr auto kHangGuard = std::chrono::seconds(60);

inline Render fixed(std::string value) {
  return [value = std::move(value)](Revision) { return value; };
}

// A value that carries the revision it was rendered for, as the API server's objects do.
inline Render stamped(std::string value) {
  return [value = std::move(value)](Revision rev) { return value + "@" + std::to_string(rev); };
}

inline Result<Record> waitFor(const std::function<void(WriteCallback)>& submit) {
  // Shared: the writer thread may still be inside set_value when we return.
  auto promise = std::make_shared<std::promise<Result<Record>>>();
  auto future = promise->get_future();
  submit([promise](Result<Record> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(kHangGuard) != std::future_status::ready) {
    ADD_FAILURE() << "write never completed";
    return internalError("hang");
  }
  return future.get();
}

inline Result<Record> createSync(Store& s, const std::string& key, Render render) {
  return waitFor([&](WriteCallback cb) { s.create(key, std::move(render), std::move(cb)); });
}
inline Result<Record> createSync(Store& s, const std::string& key, const std::string& value) {
  return createSync(s, key, fixed(value));
}
inline Result<Record> updateSync(Store& s, const std::string& key, Revision expected, Render render) {
  return waitFor([&](WriteCallback cb) { s.update(key, expected, std::move(render), std::move(cb)); });
}
inline Result<Record> updateSync(Store& s, const std::string& key, Revision expected,
                                 const std::string& value) {
  return updateSync(s, key, expected, fixed(value));
}
inline Result<Record> removeSync(Store& s, const std::string& key, Revision expected, Render render) {
  return waitFor([&](WriteCallback cb) { s.remove(key, expected, std::move(render), std::move(cb)); });
}

// A one-shot latch: wait() blocks until open().
class Gate {
 public:
  // Notifies under the lock: a waiter may destroy the gate as soon as it wakes.
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kHangGuard, [&] { return open_; })) ADD_FAILURE() << "gate never opened";
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Holds the store's writer thread inside a render until release(): writes queued
// meanwhile are all waiting when it resumes, so the next group is known exactly.
class WriterHold {
 public:
  explicit WriterHold(Store& store) {
    store.create(
        "/hold/" + std::to_string(reinterpret_cast<uintptr_t>(this)),
        [this](Revision) {
          entered_.open();
          release_.wait();
          return std::string("hold");
        },
        [this](Result<Record> r) {
          EXPECT_TRUE(r.isOk()) << r.status().toString();
          done_.open();
        });
    entered_.wait();
  }
  // Lets the writer go and waits until the held write has committed.
  void release() {
    release_.open();
    done_.wait();
  }

 private:
  Gate entered_, release_, done_;
};

// Collects results of asynchronous writes issued without waiting.
class Completions {
 public:
  WriteCallback add() {
    std::lock_guard lock(mu_);
    results_.emplace_back(std::nullopt);
    size_t slot = results_.size() - 1;
    return [this, slot](Result<Record> r) {
      std::lock_guard lock(mu_);
      results_[slot] = std::move(r);
      ++done_;
      cv_.notify_all();
    };
  }
  // Waits for all and returns them in submission order.
  std::vector<Result<Record>> wait() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kHangGuard, [&] { return done_ == results_.size(); })) {
      ADD_FAILURE() << "writes never completed";
    }
    std::vector<Result<Record>> out;
    for (auto& r : results_) out.push_back(r ? std::move(*r) : Result<Record>(internalError("missing")));
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<Result<Record>>> results_;
  size_t done_ = 0;
};

// Records what a watch delivers.
class EventRecorder {
 public:
  WatchCallbacks callbacks() {
    WatchCallbacks cb;
    cb.onEvent = [this](const Event& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
      return true;
    };
    cb.onClosed = [this](const Status& s) {
      std::lock_guard lock(mu_);
      closed_.push_back(s);
      cv_.notify_all();
    };
    return cb;
  }

  // Waits until an event with revision >= rev has arrived.
  bool waitForRevision(Revision rev) {
    return waitUntil([&] { return !events_.empty() && events_.back().record.modRevision >= rev; });
  }
  bool waitForCount(size_t n) {
    return waitUntil([&] { return events_.size() >= n; });
  }
  bool waitForClose() {
    return waitUntil([&] { return !closed_.empty(); });
  }

  std::vector<Event> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<Status> closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }

 private:
  template <typename Pred>
  bool waitUntil(Pred pred) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kHangGuard, pred);
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  std::vector<Status> closed_;
};

inline std::unique_ptr<SqliteStore> openStore(const std::string& path, SqliteStoreOptions options = {}) {
  auto store = SqliteStore::open(path, options);
  if (!store) {
    ADD_FAILURE() << "open " << path << ": " << store.status().toString();
    return nullptr;
  }
  return std::move(*store);
}

}  // namespace edgeway::store::testing
