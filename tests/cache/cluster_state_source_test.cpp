// ClusterState's list/watch cycle against a FakeSource: relisting after a watch ends,
// retries of failed lists and watches, stale events of replaced watches, queue overflow.

#include <gtest/gtest.h>

#include "cache/cluster_state.h"
#include "cache_test_util.h"
#include "fake_source.h"

namespace edgeway::cache {
namespace {

using testing::FakeSource;
using testing::ip;
using testing::Recorder;

ClusterStateOptions fastRetries() {
  ClusterStateOptions options;
  options.retryInitial = std::chrono::milliseconds(1);
  options.retryMax = std::chrono::milliseconds(4);
  return options;
}

class ClusterStateSourceTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (cache_) cache_->stop();
  }
  void startCache(ClusterStateOptions options = fastRetries()) {
    cache_ = std::make_unique<ClusterState>(source_, options);
    cache_->subscribe(recorder_.callback());
    cache_->start();
  }
  int64_t setService(const std::string& name, const std::string& clusterIp, bool notify = true) {
    return source_.set(Kind::kService, {"shop", name}, testing::serviceJson("shop", name, {clusterIp}),
                       notify);
  }
  Recorder::Published waitForRevision(int64_t revision) {
    int i =
        recorder_.waitFor([&](const Recorder::Published& p) { return p.snapshot->revision() >= revision; });
    return i < 0 ? Recorder::Published{} : recorder_.at(static_cast<size_t>(i));
  }

  FakeSource source_;
  Recorder recorder_;
  std::unique_ptr<ClusterState> cache_;
};

// Events missed while a watch was down are recovered by diffing the relist against what the
// cache holds: additions, changes and -- the part a plain relist would miss -- deletions.
TEST_F(ClusterStateSourceTest, RelistAfterWatchEndsDiffsAndDeletes) {
  setService("keep", "10.43.0.1");
  setService("gone", "10.43.0.2");
  setService("changed", "10.43.0.3");
  startCache();
  auto before = recorder_.at(static_cast<size_t>(recorder_.waitForSynced())).snapshot;
  ASSERT_EQ(before->services().size(), 3u);

  // Changes the cache does not hear about...
  source_.erase(Kind::kService, {"shop", "gone"}, /*notify=*/false);
  setService("changed", "10.43.0.33", /*notify=*/false);
  const int64_t last = setService("added", "10.43.0.4", /*notify=*/false);
  // ...until the watch ends and it relists.
  source_.closeWatch(Kind::kService);

  auto after = waitForRevision(last);
  ASSERT_NE(after.snapshot, nullptr);
  const Snapshot& s = *after.snapshot;
  EXPECT_EQ(s.services().size(), 3u);
  EXPECT_EQ(s.service("shop", "gone"), nullptr);
  EXPECT_TRUE(s.servicesByClusterIp(ip("10.43.0.2")).empty());
  EXPECT_EQ(s.service("shop", "changed")->clusterIps[0], ip("10.43.0.33"));
  EXPECT_NE(s.service("shop", "added"), nullptr);
  EXPECT_EQ(s.service("shop", "keep"), before->service("shop", "keep")) << "unchanged: the same object";
  EXPECT_EQ(after.changes.of(Kind::kService),
            testing::names({{"shop", "added"}, {"shop", "changed"}, {"shop", "gone"}}));
  EXPECT_EQ(cache_->stats().relists, 1u);
  EXPECT_EQ(source_.lists(Kind::kService), 2);
  EXPECT_EQ(source_.lists(Kind::kPod), 1) << "only the kind whose watch ended is relisted";

  // And the new watch is live.
  auto live = waitForRevision(setService("later", "10.43.0.5"));
  EXPECT_NE(live.snapshot->service("shop", "later"), nullptr);
}

TEST_F(ClusterStateSourceTest, EventsOfAReplacedWatchAreIgnored) {
  startCache();
  recorder_.waitForSynced();
  SourceWatchCallbacks old = source_.liveCallbacks(Kind::kService);
  ASSERT_TRUE(old.onEvent);

  source_.closeWatch(Kind::kService);
  ASSERT_TRUE(testing::eventually([&] { return source_.watchesStarted(Kind::kService) == 2; }));

  // A late event from the first watch -- it would resurrect a deleted object.
  SourceEvent late;
  late.object = SourceObject{{"shop", "ghost"}, 5, testing::serviceJson("shop", "ghost", {"10.43.0.9"})};
  old.onEvent(std::move(late));
  old.onClosed(unavailable("late close"));  // and must not trigger another relist

  auto next = waitForRevision(setService("real", "10.43.0.1"));
  EXPECT_EQ(next.snapshot->service("shop", "ghost"), nullptr);
  EXPECT_NE(next.snapshot->service("shop", "real"), nullptr);
  EXPECT_GE(cache_->stats().eventsDropped, 1u);
  EXPECT_EQ(source_.lists(Kind::kService), 2);
}

TEST_F(ClusterStateSourceTest, NotSyncedUntilEveryKindHasBeenListed) {
  setService("web", "10.43.0.1");
  source_.failLists(Kind::kPod, 3);
  startCache();

  // The first snapshot carries what could be listed, marked unsynced.
  int first = recorder_.waitFor([](const Recorder::Published&) { return true; });
  ASSERT_EQ(first, 0);
  auto partial = recorder_.at(0);
  EXPECT_FALSE(partial.snapshot->synced());
  EXPECT_NE(partial.snapshot->service("shop", "web"), nullptr);

  int synced = recorder_.waitForSynced();
  ASSERT_GT(synced, 0);
  EXPECT_TRUE(cache_->hasSynced());
  EXPECT_EQ(source_.lists(Kind::kPod), 4) << "three failures, then the retry that worked";
  EXPECT_EQ(source_.lists(Kind::kService), 1);
}

TEST_F(ClusterStateSourceTest, AWatchThatFailsToStartIsRetriedWithARelist) {
  source_.failWatches(Kind::kService, 2);
  startCache();
  recorder_.waitForSynced();
  ASSERT_TRUE(testing::eventually([&] { return source_.watching(Kind::kService); }));
  EXPECT_EQ(source_.lists(Kind::kService), 3);

  auto live = waitForRevision(setService("web", "10.43.0.1"));
  EXPECT_NE(live.snapshot->service("shop", "web"), nullptr);
}

// A fake delivers events synchronously, so everything set while the cache thread is held is
// queued when release() is called: one snapshot, whatever the number of events.
TEST_F(ClusterStateSourceTest, CoalescesEverythingQueuedWhileHeld) {
  startCache();
  recorder_.waitForSynced();
  recorder_.hold();
  setService("first", "10.43.0.1");
  recorder_.waitHeld();
  const size_t heldAt = recorder_.count();

  int64_t last = 0;
  for (int i = 0; i < 50; ++i)
    last = setService("svc" + std::to_string(i), "10.43.1." + std::to_string(i + 1));
  source_.set(Kind::kPod, {"shop", "p"}, testing::podJson("shop", "p", "10.42.0.1"));
  last = source_.erase(Kind::kPod, {"shop", "p"});
  recorder_.release();

  auto final = waitForRevision(last);
  EXPECT_EQ(recorder_.count(), heldAt + 1);
  EXPECT_EQ(final.snapshot->services().size(), 51u);
  EXPECT_EQ(final.changes.of(Kind::kService).size(), 50u);
  EXPECT_TRUE(final.snapshot->pods().empty());
  EXPECT_TRUE(final.changes.of(Kind::kPod).empty())
      << "added and deleted within the batch: held neither before nor after";
}

// A full queue costs a relist, never unbounded memory, and the end state is still exact.
TEST_F(ClusterStateSourceTest, AFullQueueFallsBackToARelist) {
  ClusterStateOptions options = fastRetries();
  options.maxQueuedEvents = 4;
  startCache(options);
  recorder_.waitForSynced();
  recorder_.hold();
  setService("first", "10.43.0.1");
  recorder_.waitHeld();

  int64_t last = 0;
  for (int i = 0; i < 20; ++i)
    last = setService("svc" + std::to_string(i), "10.43.1." + std::to_string(i + 1));
  recorder_.release();

  auto final = waitForRevision(last);
  ASSERT_NE(final.snapshot, nullptr);
  EXPECT_EQ(final.snapshot->services().size(), 21u);
  EXPECT_EQ(final.snapshot->service("shop", "svc19")->clusterIps[0], ip("10.43.1.20"));
  EXPECT_GE(cache_->stats().eventsDropped, 16u);
  EXPECT_EQ(cache_->stats().relists, 1u);
}

TEST_F(ClusterStateSourceTest, UnsubscribedCallbacksStop) {
  startCache();
  recorder_.waitForSynced();
  Recorder second;
  auto id = cache_->subscribe(second.callback());
  setService("a", "10.43.0.1");
  second.waitFor([&](const Recorder::Published& p) { return p.snapshot->service("shop", "a") != nullptr; });
  cache_->unsubscribe(id);
  const size_t seen = second.count();
  waitForRevision(setService("b", "10.43.0.2"));
  EXPECT_EQ(second.count(), seen);
}

}  // namespace
}  // namespace edgeway::cache
