// SqliteStore watches: replay from the log, live events, ordering, stopping, slow
// watchers and shutdown.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace edgeway::store {
namespace {

using testing::createSync;
using testing::EventRecorder;
using testing::fixed;
using testing::Gate;
using testing::openStore;
using testing::removeSync;
using testing::stamped;
using testing::TempDir;
using testing::updateSync;

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = openStore(dir_.file("state.db"), options_); }
  void reopen(SqliteStoreOptions options) {
    store_.reset();
    options_ = options;
    store_ = openStore(dir_.file("state.db"), options_);
  }

  TempDir dir_;
  SqliteStoreOptions options_;
  std::unique_ptr<SqliteStore> store_;
};

struct Expected {
  Revision revision;
  std::string key;
  EventType type;
  std::string value;
};

void expectEvents(const std::vector<Event>& got, const std::vector<Expected>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].record.modRevision, want[i].revision) << "event " << i;
    EXPECT_EQ(got[i].record.key, want[i].key) << "event " << i;
    EXPECT_EQ(got[i].type, want[i].type) << "event " << i;
    EXPECT_EQ(got[i].record.value, want[i].value) << "event " << i;
  }
}

TEST_F(WatchTest, LiveEventsForThePrefix) {
  EventRecorder rec;
  auto watch = store_->watch("/a/", store_->currentRevision(), rec.callbacks());
  ASSERT_TRUE(watch.isOk()) << watch.status().toString();
  auto x = createSync(*store_, "/a/x", "x1");
  ASSERT_TRUE(createSync(*store_, "/b/y", "y1").isOk());
  ASSERT_TRUE(updateSync(*store_, "/a/x", x->modRevision, "x2").isOk());
  ASSERT_TRUE(removeSync(*store_, "/a/x", 3, stamped("x-final")).isOk());
  ASSERT_TRUE(rec.waitForRevision(4));
  expectEvents(rec.events(), {{1, "/a/x", EventType::kAdded, "x1"},
                              {3, "/a/x", EventType::kModified, "x2"},
                              {4, "/a/x", EventType::kDeleted, "x-final@4"}});
  EXPECT_EQ(rec.events()[2].record.createRevision, 1);
}

TEST_F(WatchTest, ReplaysHistoryIncludingTombstones) {
  auto x = createSync(*store_, "/a/x", "x1");                              // 1
  ASSERT_TRUE(createSync(*store_, "/b/y", "y1").isOk());                   // 2
  ASSERT_TRUE(updateSync(*store_, "/a/x", 1, "x2").isOk());                // 3
  ASSERT_TRUE(removeSync(*store_, "/a/x", 3, stamped("x-final")).isOk());  // 4
  ASSERT_TRUE(createSync(*store_, "/a/z", "z1").isOk());                   // 5

  EventRecorder fromStart;
  auto w1 = store_->watch("/a/", 0, fromStart.callbacks());
  ASSERT_TRUE(w1.isOk());
  ASSERT_TRUE(fromStart.waitForRevision(5));
  expectEvents(fromStart.events(), {{1, "/a/x", EventType::kAdded, "x1"},
                                    {3, "/a/x", EventType::kModified, "x2"},
                                    {4, "/a/x", EventType::kDeleted, "x-final@4"},
                                    {5, "/a/z", EventType::kAdded, "z1"}});

  EventRecorder fromMiddle;
  auto w2 = store_->watch("/a/", 3, fromMiddle.callbacks());
  ASSERT_TRUE(w2.isOk());
  ASSERT_TRUE(fromMiddle.waitForRevision(5));
  expectEvents(fromMiddle.events(),
               {{4, "/a/x", EventType::kDeleted, "x-final@4"}, {5, "/a/z", EventType::kAdded, "z1"}});
}

TEST_F(WatchTest, ReplayAfterReopen) {
  ASSERT_TRUE(createSync(*store_, "/a/x", "x1").isOk());
  ASSERT_TRUE(createSync(*store_, "/a/y", "y1").isOk());
  reopen(options_);
  EventRecorder rec;
  auto w = store_->watch("", 1, rec.callbacks());
  ASSERT_TRUE(w.isOk());
  ASSERT_TRUE(createSync(*store_, "/a/z", "z1").isOk());
  ASSERT_TRUE(rec.waitForRevision(3));
  expectEvents(rec.events(), {{2, "/a/y", EventType::kAdded, "y1"}, {3, "/a/z", EventType::kAdded, "z1"}});
}

// Writers keep committing while the watch registers and replays: every event after the
// requested revision arrives exactly once, in order.
TEST_F(WatchTest, ReplayThenLiveUnderConcurrentWritesHasNoGapAndNoDuplicate) {
  std::mutex mu;
  std::map<Revision, Expected> acked;  // every committed write, by revision
  auto record = [&](const Result<Record>& r, EventType type) {
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    std::lock_guard lock(mu);
    acked[r->modRevision] = Expected{r->modRevision, r->key, type, r->value};
  };
  for (int i = 0; i < 300; ++i) {
    std::string key = (i % 2 ? "/a/" : "/b/") + std::to_string(i);
    record(createSync(*store_, key, stamped(key)), EventType::kAdded);
  }
  const Revision from = 150;

  constexpr int kWriters = 3;
  constexpr int kWritesEach = 200;
  Gate started;
  std::atomic<int> running{kWriters};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWritesEach; ++i) {
        if (i == kWritesEach / 4 && --running == 0) started.open();
        // Each key is created, updated and deleted by three consecutive writes.
        std::string key = ((i / 3) % 2 ? "/a/w" : "/b/w") + std::to_string(t) + "-" + std::to_string(i / 3);
        if (i % 3 == 0) {
          record(createSync(*store_, key, stamped(key)), EventType::kAdded);
        } else if (i % 3 == 1) {
          auto cur = store_->get(key);
          record(updateSync(*store_, key, cur->modRevision, stamped(key)), EventType::kModified);
        } else {
          auto cur = store_->get(key);
          record(removeSync(*store_, key, cur->modRevision, stamped(key + "-final")), EventType::kDeleted);
        }
      }
    });
  }
  started.wait();  // register in the middle of the writing
  EventRecorder rec;
  auto watch = store_->watch("/a/", from, rec.callbacks());
  ASSERT_TRUE(watch.isOk());
  for (auto& w : writers) w.join();

  std::vector<Expected> want;
  for (auto& [rev, e] : acked) {
    if (rev > from && e.key.rfind("/a/", 0) == 0) want.push_back(e);
  }
  ASSERT_FALSE(want.empty());
  ASSERT_TRUE(rec.waitForRevision(want.back().revision));
  expectEvents(rec.events(), want);
}

TEST_F(WatchTest, WatchFromTheFutureStartsThere) {
  ASSERT_TRUE(createSync(*store_, "/a/1", "1").isOk());
  EventRecorder rec;
  auto w = store_->watch("/a/", 3, rec.callbacks());
  ASSERT_TRUE(w.isOk());
  for (int i = 2; i <= 4; ++i) ASSERT_TRUE(createSync(*store_, "/a/" + std::to_string(i), "v").isOk());
  ASSERT_TRUE(rec.waitForRevision(4));
  expectEvents(rec.events(), {{4, "/a/4", EventType::kAdded, "v"}});
}

TEST_F(WatchTest, ReturningFalseEndsTheWatchWithoutOnClosed) {
  std::atomic<int> seen{0};
  std::atomic<int> closed{0};
  WatchCallbacks cb;
  cb.onEvent = [&](const Event&) {
    ++seen;
    return false;
  };
  cb.onClosed = [&](const Status&) { ++closed; };
  auto w = store_->watch("/a/", 0, cb);
  ASSERT_TRUE(w.isOk());
  EventRecorder barrier;  // registered later, so it is served after the first watcher
  auto b = store_->watch("/a/", 0, barrier.callbacks());
  ASSERT_TRUE(b.isOk());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(createSync(*store_, "/a/" + std::to_string(i), "v").isOk());
  ASSERT_TRUE(barrier.waitForRevision(5));
  EXPECT_EQ(seen.load(), 1);
  store_.reset();
  EXPECT_EQ(closed.load(), 0) << "a watch the watcher ended is not closed again at shutdown";
  EXPECT_EQ(barrier.closed().size(), 1u);
}

TEST_F(WatchTest, StopFromInsideTheCallbackDoesNotDeadlock) {
  std::unique_ptr<Watch> handle;
  std::atomic<int> seen{0};
  WatchCallbacks cb;
  cb.onEvent = [&](const Event&) {
    ++seen;
    handle->stop();
    return true;
  };
  auto w = store_->watch("/a/", 0, cb);
  ASSERT_TRUE(w.isOk());
  handle = std::move(*w);
  EventRecorder barrier;
  auto b = store_->watch("/a/", 0, barrier.callbacks());
  ASSERT_TRUE(b.isOk());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(createSync(*store_, "/a/" + std::to_string(i), "v").isOk());
  ASSERT_TRUE(barrier.waitForRevision(5));
  EXPECT_EQ(seen.load(), 1);
  EXPECT_EQ(store_->stats().watchers, 1u);
}

TEST_F(WatchTest, NoCallbackAfterStopReturns) {
  std::atomic<bool> stopped{false};
  std::atomic<bool> lateCallback{false};
  Gate firstEvent;
  WatchCallbacks cb;
  cb.onEvent = [&](const Event&) {
    if (stopped) lateCallback = true;
    firstEvent.open();
    return true;
  };
  auto w = store_->watch("", 0, cb);
  ASSERT_TRUE(w.isOk());
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; writing; ++i) ASSERT_TRUE(createSync(*store_, "/k/" + std::to_string(i), "v").isOk());
  });
  firstEvent.wait();  // events are flowing
  (*w)->stop();
  stopped = true;
  // More events after stop() returned; a barrier watch proves they were delivered.
  EventRecorder barrier;
  auto b = store_->watch("", store_->currentRevision(), barrier.callbacks());
  ASSERT_TRUE(b.isOk());
  ASSERT_TRUE(barrier.waitForCount(20));
  writing = false;
  writer.join();
  EXPECT_FALSE(lateCallback.load());
}

TEST_F(WatchTest, SlowWatcherIsClosedAndDoesNotBlockWrites) {
  SqliteStoreOptions options;
  options.watchQueueLimit = 4;
  reopen(options);
  Gate inCallback, release;
  std::atomic<int> seen{0};
  std::vector<Status> closed;
  Gate closedGate;
  WatchCallbacks cb;
  cb.onEvent = [&](const Event&) {
    if (++seen == 1) {
      inCallback.open();
      release.wait();
    }
    return true;
  };
  cb.onClosed = [&](const Status& s) {
    closed.push_back(s);
    closedGate.open();
  };
  auto w = store_->watch("", 0, cb);
  ASSERT_TRUE(w.isOk());
  ASSERT_TRUE(createSync(*store_, "/k/0", "v").isOk());
  inCallback.wait();  // the delivery thread is stuck in the watcher
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(createSync(*store_, "/k/" + std::to_string(i), "v").isOk()) << "writes go on";
  }
  release.open();
  closedGate.wait();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(seen.load(), 1) << "the backlog is dropped with the watch";
  EXPECT_EQ(store_->stats().watchers, 0u);
}

TEST_F(WatchTest, ShutdownClosesWatchesOnce) {
  EventRecorder rec;
  auto w = store_->watch("", 0, rec.callbacks());
  ASSERT_TRUE(w.isOk());
  ASSERT_TRUE(createSync(*store_, "/k", "v").isOk());
  ASSERT_TRUE(rec.waitForRevision(1));
  store_.reset();
  ASSERT_EQ(rec.closed().size(), 1u);
  EXPECT_EQ(rec.closed()[0].code(), StatusCode::kUnavailable);
  (*w)->stop();  // a handle outliving its store is harmless
  EXPECT_EQ(rec.closed().size(), 1u);
}

TEST_F(WatchTest, WatchWithoutOnEventIsRejected) {
  auto w = store_->watch("", 0, WatchCallbacks{});
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(WatchTest, ManyWatchersEachGetEverything) {
  constexpr int kWatchers = 8;
  std::vector<std::unique_ptr<EventRecorder>> recs;
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < kWatchers; ++i) {
    recs.push_back(std::make_unique<EventRecorder>());
    auto w = store_->watch("", 0, recs.back()->callbacks());
    ASSERT_TRUE(w.isOk());
    watches.push_back(std::move(*w));
  }
  for (int i = 1; i <= 50; ++i) ASSERT_TRUE(createSync(*store_, "/k/" + std::to_string(i), "v").isOk());
  for (auto& rec : recs) {
    ASSERT_TRUE(rec->waitForRevision(50));
    auto events = rec->events();
    ASSERT_EQ(events.size(), 50u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(events[i].record.modRevision, i + 1);
  }
}

}  // namespace
}  // namespace edgeway::store
