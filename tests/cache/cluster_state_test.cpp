// ClusterState over a real SqliteStore in a temporary directory, through LocalStoreSource.
// Relisting, retries and queue overflow are driven by a fake source in
// cluster_state_source_test.cpp.

#include "cache/cluster_state.h"

#include <gtest/gtest.h>

#include "cache/local_store_source.h"
#include "cache_test_util.h"
#include "store/store_test_util.h"

namespace edgeway::cache {
namespace {

using store::testing::createSync;
using store::testing::openStore;
using store::testing::removeSync;
using store::testing::TempDir;
using store::testing::updateSync;
using testing::ip;
using testing::Recorder;

std::string key(Kind kind, const std::string& ns, const std::string& name) {
  return LocalStoreSource::prefixOf(kind) + ns + "/" + name;
}

class ClusterStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = openStore(dir_.file("state.db"));
    ASSERT_NE(store_, nullptr);
    source_ = std::make_unique<LocalStoreSource>(*store_);
  }
  void TearDown() override {
    if (cache_) cache_->stop();
  }

  void startCache(ClusterStateOptions options = {}) {
    cache_ = std::make_unique<ClusterState>(*source_, options);
    cache_->subscribe(recorder_.callback());
    cache_->start();
  }

  store::Revision put(Kind kind, const std::string& ns, const std::string& name, const std::string& json) {
    const std::string k = key(kind, ns, name);
    auto existing = store_->get(k);
    auto written = existing ? updateSync(*store_, k, existing->modRevision, store::testing::fixed(json))
                            : createSync(*store_, k, json);
    EXPECT_TRUE(written.isOk()) << written.status().toString();
    return written.isOk() ? written->modRevision : 0;
  }
  store::Revision remove(Kind kind, const std::string& ns, const std::string& name) {
    const std::string k = key(kind, ns, name);
    auto existing = store_->get(k);
    EXPECT_TRUE(existing.has_value()) << k;
    if (!existing) return 0;
    auto removed = removeSync(*store_, k, existing->modRevision, store::testing::fixed(existing->value));
    EXPECT_TRUE(removed.isOk()) << removed.status().toString();
    return removed.isOk() ? removed->modRevision : 0;
  }

  // The first published snapshot at or past `revision`.
  Recorder::Published waitForRevision(store::Revision revision) {
    int i =
        recorder_.waitFor([&](const Recorder::Published& p) { return p.snapshot->revision() >= revision; });
    return i < 0 ? Recorder::Published{} : recorder_.at(static_cast<size_t>(i));
  }

  TempDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<LocalStoreSource> source_;
  Recorder recorder_;
  std::unique_ptr<ClusterState> cache_;
};

TEST_F(ClusterStateTest, InitialSyncListsEveryKindIntoOneSnapshot) {
  put(Kind::kService, "shop", "web", testing::serviceJson("shop", "web", {"10.43.0.10"}));
  put(Kind::kEndpointSlice, "shop", "web-1", testing::sliceJson("shop", "web-1", "web", {"10.42.0.5"}));
  put(Kind::kPod, "shop", "web-0", testing::podJson("shop", "web-0", "10.42.0.5"));
  put(Kind::kNode, "", "node-1", testing::nodeJson("node-1", "192.168.1.10"));
  put(Kind::kIngress, "shop", "front", testing::ingressJson("shop", "front", "shop.example.com"));
  put(Kind::kIngressClass, "", "edgeway", testing::ingressClassJson("edgeway", true));
  const store::Revision last =
      put(Kind::kSecret, "shop", "tls", testing::secretJson("shop", "tls", "Y2VydA=="));
  // Objects of other kinds and other resources under similar prefixes are not followed.
  ASSERT_TRUE(createSync(*store_, "/core/namespaces//shop", R"({"metadata":{"name":"shop"}})").isOk());
  ASSERT_TRUE(createSync(*store_, "/core/servicesx/shop/web", "garbage").isOk());

  ClusterState cache(*source_);
  EXPECT_FALSE(cache.hasSynced());
  ASSERT_NE(cache.current(), nullptr);
  EXPECT_FALSE(cache.current()->synced());
  cache.subscribe(recorder_.callback());
  cache.start();

  int first = recorder_.waitForSynced();
  ASSERT_EQ(first, 0) << "nothing is published before the first list of every kind";
  EXPECT_TRUE(cache.hasSynced());
  auto published = recorder_.at(0);
  EXPECT_EQ(cache.current(), published.snapshot);
  const Snapshot& s = *published.snapshot;
  EXPECT_GE(s.revision(), last);
  EXPECT_NE(s.service("shop", "web"), nullptr);
  EXPECT_EQ(s.servicesByClusterIp(ip("10.43.0.10")).size(), 1u);
  EXPECT_EQ(s.endpointSlicesOf("shop", "web").size(), 1u);
  EXPECT_EQ(s.endpointsByIp(ip("10.42.0.5")).size(), 1u);
  EXPECT_EQ(s.podsByIp(ip("10.42.0.5")).size(), 1u);
  EXPECT_NE(s.node("node-1"), nullptr);
  EXPECT_NE(s.ingress("shop", "front"), nullptr);
  EXPECT_NE(s.ingressClass("edgeway"), nullptr);
  EXPECT_EQ(s.secret("shop", "tls")->tlsCert, "cert");
  // The first snapshot reports everything as changed.
  EXPECT_EQ(published.changes.of(Kind::kService), testing::names({{"shop", "web"}}));
  EXPECT_EQ(published.changes.of(Kind::kNode), testing::names({{"", "node-1"}}));
  EXPECT_EQ(published.changes.of(Kind::kIngressClass), testing::names({{"", "edgeway"}}));
  EXPECT_EQ(published.changes.size(), 7u);
  cache.stop();
}

TEST_F(ClusterStateTest, AnEmptyStoreStillSyncs) {
  startCache();
  recorder_.waitForSynced();
  EXPECT_TRUE(cache_->hasSynced());
  EXPECT_TRUE(cache_->current()->synced());
  EXPECT_TRUE(recorder_.at(0).changes.empty());
}

// Create, update and delete one object of each kind; each change shows up with exactly its
// name reported.
TEST_F(ClusterStateTest, CreateUpdateDeleteOfEachKind) {
  startCache();
  recorder_.waitForSynced();

  struct Case {
    Kind kind;
    std::string ns, name, created, updated;
    std::function<bool(const Snapshot&, bool updated)> present;
    std::function<bool(const Snapshot&)> absent;
  };
  std::vector<Case> cases = {
      {Kind::kService, "shop", "web", testing::serviceJson("shop", "web", {"10.43.0.10"}),
       testing::serviceJson("shop", "web", {"10.43.0.20"}),
       [](const Snapshot& s, bool updated) {
         return s.servicesByClusterIp(ip(updated ? "10.43.0.20" : "10.43.0.10")).size() == 1 &&
                s.servicesByClusterIp(ip(updated ? "10.43.0.10" : "10.43.0.20")).empty();
       },
       [](const Snapshot& s) {
         return !s.service("shop", "web") && s.servicesByClusterIp(ip("10.43.0.20")).empty();
       }},
      {Kind::kEndpointSlice, "shop", "web-1", testing::sliceJson("shop", "web-1", "web", {"10.42.0.5"}),
       testing::sliceJson("shop", "web-1", "web", {"10.42.0.6"}),
       [](const Snapshot& s, bool updated) {
         return s.endpointSlicesOf("shop", "web").size() == 1 &&
                s.endpointsByIp(ip(updated ? "10.42.0.6" : "10.42.0.5")).size() == 1 &&
                s.endpointsByIp(ip(updated ? "10.42.0.5" : "10.42.0.6")).empty();
       },
       [](const Snapshot& s) {
         return s.endpointSlicesOf("shop", "web").empty() && s.endpointsByIp(ip("10.42.0.6")).empty();
       }},
      {Kind::kPod, "shop", "web-0", testing::podJson("shop", "web-0", "10.42.0.5", false),
       testing::podJson("shop", "web-0", "10.42.0.5", true),
       [](const Snapshot& s, bool updated) {
         auto p = s.pod("shop", "web-0");
         return p && p->ready == updated && s.podsByIp(ip("10.42.0.5")).size() == 1;
       },
       [](const Snapshot& s) { return !s.pod("shop", "web-0") && s.podsByIp(ip("10.42.0.5")).empty(); }},
      {Kind::kNode, "", "node-1", testing::nodeJson("node-1", "192.168.1.10"),
       testing::nodeJson("node-1", "192.168.1.11"),
       [](const Snapshot& s, bool updated) {
         auto n = s.node("node-1");
         return n && n->addresses[0].ip == ip(updated ? "192.168.1.11" : "192.168.1.10");
       },
       [](const Snapshot& s) { return !s.node("node-1"); }},
      {Kind::kIngress, "shop", "front", testing::ingressJson("shop", "front", "a.example.com"),
       testing::ingressJson("shop", "front", "b.example.com"),
       [](const Snapshot& s, bool updated) {
         auto i = s.ingress("shop", "front");
         return i && i->rules[0].host == (updated ? "b.example.com" : "a.example.com");
       },
       [](const Snapshot& s) { return !s.ingress("shop", "front"); }},
      {Kind::kIngressClass, "", "edgeway", testing::ingressClassJson("edgeway", false),
       testing::ingressClassJson("edgeway", true),
       [](const Snapshot& s, bool updated) {
         auto c = s.ingressClass("edgeway");
         return c && c->isDefault == updated;
       },
       [](const Snapshot& s) { return !s.ingressClass("edgeway"); }},
      {Kind::kSecret, "shop", "tls", testing::secretJson("shop", "tls", "b25l"),
       testing::secretJson("shop", "tls", "dHdv"),
       [](const Snapshot& s, bool updated) {
         auto x = s.secret("shop", "tls");
         return x && x->tlsCert == (updated ? "two" : "one");
       },
       [](const Snapshot& s) { return !s.secret("shop", "tls"); }},
  };

  for (const Case& c : cases) {
    SCOPED_TRACE(kindName(c.kind));
    const std::vector<NamespacedName> expected = {{c.ns, c.name}};
    auto created = waitForRevision(put(c.kind, c.ns, c.name, c.created));
    ASSERT_NE(created.snapshot, nullptr);
    EXPECT_TRUE(c.present(*created.snapshot, false));
    EXPECT_EQ(created.changes.of(c.kind), expected);
    EXPECT_EQ(created.changes.size(), 1u);

    auto updated = waitForRevision(put(c.kind, c.ns, c.name, c.updated));
    ASSERT_NE(updated.snapshot, nullptr);
    EXPECT_TRUE(c.present(*updated.snapshot, true));
    EXPECT_EQ(updated.changes.of(c.kind), expected);
    EXPECT_EQ(updated.changes.size(), 1u);

    auto deleted = waitForRevision(remove(c.kind, c.ns, c.name));
    ASSERT_NE(deleted.snapshot, nullptr);
    EXPECT_TRUE(c.absent(*deleted.snapshot));
    EXPECT_EQ(deleted.changes.of(c.kind), expected);
    EXPECT_EQ(deleted.changes.size(), 1u);
  }
  EXPECT_EQ(cache_->stats().badObjects, 0u);
}

// While the cache thread is held inside a subscriber, writes pile up in its queue; when it
// resumes they become one snapshot.
TEST_F(ClusterStateTest, CoalescesQueuedEventsIntoOneSnapshot) {
  put(Kind::kService, "shop", "old", testing::serviceJson("shop", "old", {"10.43.0.2"}));
  startCache();
  recorder_.waitForSynced();

  recorder_.hold();
  put(Kind::kService, "shop", "first", testing::serviceJson("shop", "first", {"10.43.0.1"}));
  recorder_.waitHeld();
  const size_t heldAt = recorder_.count();
  const uint64_t queuedBefore = cache_->stats().eventsQueued;

  const int kWrites = 30;
  for (int i = 0; i < kWrites; ++i) {
    std::string name = "svc" + std::to_string(i % 10);  // 10 objects, each written 3 times
    put(Kind::kService, "shop", name,
        testing::serviceJson("shop", name, {"10.43.1." + std::to_string(i + 1)}));
  }
  remove(Kind::kService, "shop", "svc9");  // created and deleted within the batch
  const store::Revision last = remove(Kind::kService, "shop", "old");
  ASSERT_TRUE(
      testing::eventually([&] { return cache_->stats().eventsQueued >= queuedBefore + kWrites + 2; }));
  recorder_.release();

  auto final = waitForRevision(last);
  ASSERT_NE(final.snapshot, nullptr);
  EXPECT_EQ(recorder_.count(), heldAt + 1) << "every queued event went into one snapshot";
  std::vector<NamespacedName> expected = {{"shop", "old"}};
  for (int i = 0; i < 9; ++i) expected.push_back({"shop", "svc" + std::to_string(i)});
  EXPECT_EQ(final.changes.of(Kind::kService), expected)
      << "each name once; svc9 was in neither snapshot, so it did not change";

  const Snapshot& s = *final.snapshot;
  EXPECT_EQ(s.services().size(), 10u);  // first + svc0..svc8
  EXPECT_EQ(s.service("shop", "svc9"), nullptr);
  EXPECT_EQ(s.service("shop", "old"), nullptr);
  EXPECT_TRUE(s.servicesByClusterIp(ip("10.43.0.2")).empty());
  for (int i = 0; i < 9; ++i) {
    // The last write of svc<i> was write number 20 + i; earlier addresses no longer resolve.
    auto svc = s.service("shop", "svc" + std::to_string(i));
    ASSERT_NE(svc, nullptr);
    EXPECT_EQ(svc->clusterIps[0], ip(("10.43.1." + std::to_string(21 + i)).c_str()));
    EXPECT_TRUE(s.servicesByClusterIp(ip(("10.43.1." + std::to_string(1 + i)).c_str())).empty());
    EXPECT_TRUE(s.servicesByClusterIp(ip(("10.43.1." + std::to_string(11 + i)).c_str())).empty());
  }
}

TEST_F(ClusterStateTest, UnchangedObjectsAreSharedBetweenSnapshots) {
  put(Kind::kService, "shop", "web", testing::serviceJson("shop", "web", {"10.43.0.10"}));
  put(Kind::kService, "shop", "db", testing::serviceJson("shop", "db", {"10.43.0.11"}));
  put(Kind::kPod, "shop", "web-0", testing::podJson("shop", "web-0", "10.42.0.5"));
  startCache();
  auto before = recorder_.at(static_cast<size_t>(recorder_.waitForSynced())).snapshot;

  auto after =
      waitForRevision(put(Kind::kService, "shop", "web", testing::serviceJson("shop", "web", {"10.43.0.12"})))
          .snapshot;
  ASSERT_NE(after, nullptr);
  EXPECT_NE(before->service("shop", "web"), after->service("shop", "web"));
  EXPECT_EQ(before->service("shop", "db"), after->service("shop", "db"));
  EXPECT_EQ(before->pod("shop", "web-0"), after->pod("shop", "web-0"));
  // The Pod index was not touched at all: its entries are the same memory.
  EXPECT_EQ(&*before->pods().begin(), &*after->pods().begin());
}

TEST_F(ClusterStateTest, BadStoredObjectsAreSkippedAndRecoverWhenFixed) {
  put(Kind::kService, "shop", "web", testing::serviceJson("shop", "web", {"10.43.0.10"}));
  put(Kind::kService, "shop", "broken", "{this is not json");
  put(Kind::kPod, "shop", "bad-ip", testing::podJson("shop", "bad-ip", "10.42.0.300"));
  // Readable, but stored under another name than it carries.
  put(Kind::kPod, "shop", "alias", testing::podJson("shop", "other", "10.42.0.7"));
  startCache();
  auto synced = recorder_.at(static_cast<size_t>(recorder_.waitForSynced()));
  EXPECT_NE(synced.snapshot->service("shop", "web"), nullptr);
  EXPECT_EQ(synced.snapshot->service("shop", "broken"), nullptr);
  EXPECT_TRUE(synced.snapshot->pods().empty());
  EXPECT_EQ(synced.changes.of(Kind::kService), testing::names({{"shop", "web"}}));
  EXPECT_EQ(cache_->stats().badObjects, 3u);

  // Fixed: it appears.
  auto fixed = waitForRevision(
      put(Kind::kService, "shop", "broken", testing::serviceJson("shop", "broken", {"10.43.0.9"})));
  EXPECT_NE(fixed.snapshot->service("shop", "broken"), nullptr);
  EXPECT_EQ(fixed.changes.of(Kind::kService), testing::names({{"shop", "broken"}}));

  // Broken again: it is removed, and the removal is reported.
  auto broken = waitForRevision(put(Kind::kService, "shop", "web", R"({"metadata": 7})"));
  EXPECT_EQ(broken.snapshot->service("shop", "web"), nullptr);
  EXPECT_TRUE(broken.snapshot->servicesByClusterIp(ip("10.43.0.10")).empty());
  EXPECT_EQ(broken.changes.of(Kind::kService), testing::names({{"shop", "web"}}));
  EXPECT_EQ(cache_->stats().badObjects, 4u);

  // Deleting a bad object that was never held publishes nothing for it.
  const size_t before = recorder_.count();
  remove(Kind::kPod, "shop", "bad-ip");
  auto next = waitForRevision(put(Kind::kNode, "", "n", testing::nodeJson("n", "192.168.0.1")));
  EXPECT_EQ(recorder_.count(), before + 1);
  EXPECT_TRUE(next.changes.of(Kind::kPod).empty());
}

TEST_F(ClusterStateTest, StopIsCleanAndIdempotent) {
  startCache();
  recorder_.waitForSynced();
  cache_->stop();
  cache_->stop();
  const size_t published = recorder_.count();
  put(Kind::kService, "shop", "late", testing::serviceJson("shop", "late", {"10.43.0.1"}));
  EXPECT_EQ(recorder_.count(), published) << "nothing is published after stop()";
  EXPECT_EQ(cache_->current()->service("shop", "late"), nullptr);

  ClusterState neverStarted(*source_);
  neverStarted.stop();
}

}  // namespace
}  // namespace edgeway::cache
