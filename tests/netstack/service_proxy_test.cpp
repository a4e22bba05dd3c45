// ServiceProxy without a kernel: a real cache::ClusterState over a FakeSource feeds it, and a
// fake NftBackend records every batch it is asked to commit (and can fail one, or hold commits
// on a latch). No timing thresholds: the tests poll with generous bounds.

#include "netstack/proxy.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cache/cache_test_util.h"
#include "cache/fake_source.h"
#include "netstack/nft_encoder.h"
#include "loopback_http.h"

namespace edgeway::netstack {
namespace {

using cache::Kind;
using cache::NamespacedName;
using K = NftOp::Kind;

// What the backend saw; shared with the test (the proxy owns the backend).
struct BackendLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<NftBatch> batches;  // every commit, in order, recorded when the commit starts
  int failNext = 0;               // commits to refuse
  bool hold = false;              // commits wait while this is true (the latch)
  int waiting = 0;                // commits waiting on the latch

  size_t size() {
    std::lock_guard lock(mu);
    return batches.size();
  }
  NftBatch at(size_t i) {
    std::lock_guard lock(mu);
    return batches.at(i);
  }
  void setHold(bool h) {
    std::lock_guard lock(mu);
    hold = h;
    cv.notify_all();
  }
};

class FakeBackend : public NftBackend {
 public:
  explicit FakeBackend(std::shared_ptr<BackendLog> log) : log_(std::move(log)) {}
  Status commit(const NftBatch& batch) override {
    auto encoded = encodeBatch(batch, 100);  // what the real backend would send must encode
    EXPECT_TRUE(encoded.isOk()) << encoded.status().message();
    std::unique_lock lock(log_->mu);
    log_->batches.push_back(batch);
    if (log_->hold) {
      ++log_->waiting;
      log_->cv.wait(lock, [&] { return !log_->hold; });
      --log_->waiting;
    }
    if (log_->failNext > 0) {
      --log_->failNext;
      return internalError("nftables: injected failure");
    }
    return Status::ok();
  }
  Result<std::vector<Element>> listElements(IpFamily, const std::string&, const NamedSet&) override {
    return std::vector<Element>{};
  }

 private:
  std::shared_ptr<BackendLog> log_;
};

size_t count(const NftBatch& b, K kind) {
  size_t n = 0;
  for (const auto& op : b.ops) n += op.kind == kind;
  return n;
}

// A full replacement: the tables are deleted and rebuilt in the one batch.
bool isFullReplace(const NftBatch& b) {
  return count(b, K::kDeleteTable) == 2 && count(b, K::kAddChain) > 0 && count(b, K::kAddRule) > 0;
}

// Only set/map elements change: no table, set, chain or rule operation.
bool isElementsOnly(const NftBatch& b) {
  if (b.ops.empty()) return false;
  for (const auto& op : b.ops)
    if (op.kind != K::kAddElements && op.kind != K::kDeleteElements && op.kind != K::kDestroyElements) return false;
  return true;
}

// The tables deleted (stop()): add + delete per family, nothing else.
bool isDeleteTables(const NftBatch& b) {
  if (count(b, K::kDeleteTable) != 2) return false;
  for (const auto& op : b.ops)
    if (op.kind != K::kAddTable && op.kind != K::kDeleteTable) return false;
  return true;
}

// An element added by the batch holds `address` in its key or data.
bool adds(const NftBatch& b, const std::string& address) {
  const IpAddress ip = *IpAddress::parse(address);
  for (const auto& op : b.ops) {
    if (op.kind != K::kAddElements) continue;
    for (const auto& e : op.elements) {
      for (const auto& v : e.key)
        if (v.kind == Value::Kind::kAddr && v.addr == ip) return true;
      for (const auto& v : e.data)
        if (v.kind == Value::Kind::kAddr && v.addr == ip) return true;
    }
  }
  return false;
}

template <typename Pred>
bool eventually(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + cache::testing::kHangGuard;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

std::string serviceJson(const std::string& name, const std::string& clusterIp) {
  return nlohmann::json{{"kind", "Service"},
                        {"apiVersion", "v1"},
                        {"metadata", {{"name", name}, {"namespace", "shop"}}},
                        {"spec",
                         {{"type", "ClusterIP"},
                          {"clusterIP", clusterIp},
                          {"clusterIPs", {clusterIp}},
                          {"ports", {{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080}}}}}}}
      .dump();
}

class ServiceProxyTest : public ::testing::Test {
 protected:
  ~ServiceProxyTest() override {
    if (proxy_) (void)proxy_->stop();
    state_.stop();
  }

  static cache::ClusterStateOptions fastRetry() {
    cache::ClusterStateOptions o;
    o.retryInitial = std::chrono::milliseconds(5);
    o.retryMax = std::chrono::milliseconds(20);
    return o;
  }

  ProxyOptions options() {
    ProxyOptions o;
    o.nodeName = "node-a";
    o.nodeAddresses = ProxyOptions::fixed({*IpAddress::parse("192.168.77.1")});
    o.clusterCidrs = {*Cidr::parse("10.42.0.0/16")};
    o.retryInterval = std::chrono::milliseconds(20);
    return o;
  }

  void startProxy(ProxyOptions o) {
    proxy_ = ServiceProxy::create(state_, std::move(o), std::make_unique<FakeBackend>(log_));
    proxy_->start();
  }

  // A Service and its EndpointSlice; returns the revision of the last write.
  int64_t putService(const std::string& name, const std::string& clusterIp, const std::vector<std::string>& endpoints,
                     bool notify = true) {
    source_.set(Kind::kService, NamespacedName{"shop", name}, serviceJson(name, clusterIp), notify);
    return source_.set(Kind::kEndpointSlice, NamespacedName{"shop", name + "-1"},
                       cache::testing::sliceJson("shop", name + "-1", name, endpoints), notify);
  }

  // Starts the cache with `web` in it and waits for the proxy's first sync.
  void syncedWithWeb(ProxyOptions o) {
    putService("web", "10.43.0.10", {"10.42.0.11", "10.42.1.12"}, false);
    startProxy(std::move(o));
    state_.start();
    ASSERT_TRUE(eventually([&] { return proxy_->hasSynced(); }));
    ASSERT_EQ(log_->size(), 1u);
  }

  cache::testing::FakeSource source_;
  cache::ClusterState state_{source_, fastRetry()};
  std::shared_ptr<BackendLog> log_ = std::make_shared<BackendLog>();
  std::unique_ptr<ServiceProxy> proxy_;
};

TEST_F(ServiceProxyTest, NothingIsProgrammedBeforeTheCacheSyncsThenOneFullReplacement) {
  putService("web", "10.43.0.10", {"10.42.0.11", "10.42.1.12"}, false);
  source_.failLists(Kind::kService, 1 << 30);  // the cache cannot sync
  startProxy(options());
  state_.start();
  ASSERT_TRUE(eventually([&] { return source_.lists(Kind::kService) >= 3; }));
  // Other kinds are listed and the cache keeps retrying; the proxy waits.
  EXPECT_FALSE(state_.hasSynced());
  EXPECT_EQ(log_->size(), 0u);
  EXPECT_FALSE(proxy_->hasSynced());
  EXPECT_EQ(proxy_->stats().syncs, 0u);

  source_.failLists(Kind::kService, 0);
  ASSERT_TRUE(eventually([&] { return proxy_->hasSynced(); }));
  ASSERT_EQ(log_->size(), 1u);
  const NftBatch first = log_->at(0);
  EXPECT_TRUE(isFullReplace(first));
  EXPECT_TRUE(adds(first, "10.43.0.10"));
  EXPECT_TRUE(adds(first, "10.42.0.11"));
  const ProxyStats s = proxy_->stats();
  EXPECT_EQ(s.syncs, 1u);
  EXPECT_EQ(s.fullSyncs, 1u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_GT(s.lastElements, 0u);
}

TEST_F(ServiceProxyTest, AServiceChangeSendsOnlyElements) {
  syncedWithWeb(options());

  // A new Service with its endpoints.
  putService("api", "10.43.0.20", {"10.42.0.21"});
  ASSERT_TRUE(eventually([&] {
    bool ip = false, ep = false;
    for (size_t i = 1; i < log_->size(); ++i) {
      ip = ip || adds(log_->at(i), "10.43.0.20");
      ep = ep || adds(log_->at(i), "10.42.0.21");
    }
    return ip && ep;
  }));
  // An endpoint of an existing Service changes.
  const size_t before = log_->size();
  putService("web", "10.43.0.10", {"10.42.0.11", "10.42.1.13"});
  ASSERT_TRUE(eventually([&] {
    for (size_t i = before; i < log_->size(); ++i)
      if (adds(log_->at(i), "10.42.1.13")) return true;
    return false;
  }));
  for (size_t i = 1; i < log_->size(); ++i) {
    const NftBatch b = log_->at(i);
    EXPECT_TRUE(isElementsOnly(b)) << "batch " << i << " has " << b.ops.size() << " ops, first "
                                   << (b.ops.empty() ? std::string() : b.ops[0].describe());
  }
  EXPECT_EQ(proxy_->stats().fullSyncs, 1u);
  EXPECT_EQ(proxy_->stats().failures, 0u);
}

// Pods, Endpoints and the other kinds make no rules: their snapshots wake no sync.
TEST_F(ServiceProxyTest, SnapshotsChangingNoServiceOrSliceAreSkipped) {
  syncedWithWeb(options());
  const uint64_t syncs = proxy_->stats().syncs;
  const int64_t podRevision =
      source_.set(Kind::kPod, NamespacedName{"shop", "web-0"}, cache::testing::podJson("shop", "web-0", "10.42.0.11"));
  ASSERT_TRUE(eventually([&] { return state_.current()->revision() >= podRevision; }));
  EXPECT_TRUE(eventually([&] { return proxy_->stats().skipped == 1; }));
  source_.set(Kind::kEndpointSlice, NamespacedName{"shop", "web-1"},
              cache::testing::sliceJson("shop", "web-1", "web", {"10.42.0.11", "10.42.1.13"}));
  ASSERT_TRUE(eventually([&] { return proxy_->stats().syncs > syncs; }));
  EXPECT_EQ(proxy_->stats().syncs, syncs + 1);
}

TEST_F(ServiceProxyTest, SnapshotsArrivingDuringASlowCommitCoalesceIntoOneSync) {
  syncedWithWeb(options());
  // Subscribed after the proxy: the cache calls subscribers in order, so when this one has
  // seen a snapshot, the proxy has been handed it too.
  std::atomic<int64_t> seen{0};
  auto id = state_.subscribe([&](const std::shared_ptr<const cache::Snapshot>& s, const cache::Changes&) {
    seen = s->revision();
  });

  log_->setHold(true);
  putService("a", "10.43.0.31", {"10.42.0.31"});
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(log_->mu);
    return log_->waiting == 1;
  }));
  const size_t blocked = log_->size();  // includes the held commit
  const uint64_t syncsBefore = proxy_->stats().syncs;
  // Three more changes (six objects) while the commit is held.
  putService("b", "10.43.0.32", {"10.42.0.32"});
  putService("c", "10.43.0.33", {"10.42.0.33"});
  const int64_t last = putService("d", "10.43.0.34", {"10.42.0.34"});
  ASSERT_TRUE(eventually([&] { return seen.load() >= last; }));
  EXPECT_EQ(log_->size(), blocked);  // nothing else committed meanwhile

  log_->setHold(false);
  ASSERT_TRUE(eventually([&] { return proxy_->stats().syncs >= syncsBefore + 2; }));
  // Give a wrongly queued extra sync the chance to show up.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(proxy_->stats().syncs, syncsBefore + 2);
  ASSERT_EQ(log_->size(), blocked + 1);
  const NftBatch next = log_->at(blocked);
  EXPECT_TRUE(isElementsOnly(next));
  for (const char* ip : {"10.43.0.32", "10.43.0.33", "10.43.0.34", "10.42.0.32", "10.42.0.33", "10.42.0.34"})
    EXPECT_TRUE(adds(next, ip)) << ip;
  state_.unsubscribe(id);
}

TEST_F(ServiceProxyTest, AFailedCommitIsRetriedAsAFullReplacement) {
  syncedWithWeb(options());  // retryInterval 20 ms
  {
    std::lock_guard lock(log_->mu);
    log_->failNext = 1;
  }
  // One object changes: one snapshot, so the retry can only come from retryInterval.
  source_.set(Kind::kEndpointSlice, NamespacedName{"shop", "web-1"},
              cache::testing::sliceJson("shop", "web-1", "web", {"10.42.0.11", "10.42.1.13"}));
  ASSERT_TRUE(eventually([&] { return proxy_->stats().failures == 1; }));
  ASSERT_TRUE(eventually([&] { return proxy_->stats().fullSyncs == 2; }));
  const ProxyStats s = proxy_->stats();
  EXPECT_EQ(s.failures, 1u);
  EXPECT_TRUE(s.lastError.empty());
  ASSERT_EQ(log_->size(), 3u);  // the first sync, the failed one, the retry
  EXPECT_TRUE(isElementsOnly(log_->at(1)));
  EXPECT_TRUE(adds(log_->at(1), "10.42.1.13"));
  const NftBatch retry = log_->at(2);
  EXPECT_TRUE(isFullReplace(retry));
  EXPECT_TRUE(adds(retry, "10.42.1.13"));
  EXPECT_TRUE(adds(retry, "10.43.0.10"));
  EXPECT_TRUE(proxy_->hasSynced());
}

// kube-proxy's serviceProxyHealthy: while syncs fail, every healthCheckNodePort says 503,
// so load balancers stop sending to this node; the next good sync brings 200 back.
TEST_F(ServiceProxyTest, HealthCheckNodePortsAnswer503WhileSyncsFail) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread ioThread([&] { io.run(); });
  const uint16_t healthPort = testing::freePort();
  nlohmann::json svc = nlohmann::json::parse(serviceJson("local", "10.43.0.20"));
  svc["spec"]["type"] = "NodePort";
  svc["spec"]["ports"][0]["nodePort"] = 30020;
  svc["spec"]["externalTrafficPolicy"] = "Local";
  svc["spec"]["healthCheckNodePort"] = healthPort;
  nlohmann::json slice = nlohmann::json::parse(cache::testing::sliceJson("shop", "local-1", "local", {"10.42.0.21"}));
  slice["endpoints"][0]["nodeName"] = "node-a";
  source_.set(Kind::kService, NamespacedName{"shop", "local"}, svc.dump(), false);
  source_.set(Kind::kEndpointSlice, NamespacedName{"shop", "local-1"}, slice.dump(), false);
  ProxyOptions o = options();
  o.io = &io;
  o.retryInterval = std::chrono::milliseconds(200);
  startProxy(std::move(o));
  state_.start();
  auto status = [&] { return testing::fetch(healthPort).substr(0, 12); };
  ASSERT_TRUE(eventually([&] { return status() == "HTTP/1.1 200"; }));

  {
    std::lock_guard lock(log_->mu);
    log_->failNext = 1000;  // every commit fails until told otherwise
  }
  putService("web", "10.43.0.10", {"10.42.0.11"});
  EXPECT_TRUE(eventually([&] { return status() == "HTTP/1.1 503"; }));
  {
    std::lock_guard lock(log_->mu);
    log_->failNext = 0;
  }
  EXPECT_TRUE(eventually([&] { return status() == "HTTP/1.1 200"; }));

  (void)proxy_->stop();  // closes the listeners while the io thread still runs
  work.reset();
  ioThread.join();
}

TEST_F(ServiceProxyTest, StopDeletesTheTables) {
  syncedWithWeb(options());
  ASSERT_TRUE(proxy_->stop().isOk());
  ASSERT_EQ(log_->size(), 2u);
  EXPECT_TRUE(isDeleteTables(log_->at(1)));
  ASSERT_TRUE(proxy_->stop().isOk());  // idempotent
  EXPECT_EQ(log_->size(), 2u);
  // Stopped: later changes program nothing.
  putService("api", "10.43.0.20", {"10.42.0.21"});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(log_->size(), 2u);
}

TEST_F(ServiceProxyTest, KeepTablesOnExitLeavesThemInPlace) {
  ProxyOptions o = options();
  o.keepTablesOnExit = true;
  syncedWithWeb(o);
  ASSERT_TRUE(proxy_->stop().isOk());
  EXPECT_EQ(log_->size(), 1u);
  proxy_.reset();  // the destructor does not delete them either
  EXPECT_EQ(log_->size(), 1u);
}

}  // namespace
}  // namespace edgeway::netstack
