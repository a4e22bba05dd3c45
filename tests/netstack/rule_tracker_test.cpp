#include "netstack/rule_tracker.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <tuple>

#include "cache/changes.h"
#include "netstack/conntrack_flows.h"
#include "netstack/nft_text.h"
#include "netstack_test_util.h"

namespace edgeway::netstack {
namespace {

using namespace testing;

// A cluster that changes one edit at a time, with the cache::Changes each edit makes.
class EditableCluster {
 public:
  void put(cache::ServicePtr s) {
    changes_.byKind[cache::kindIndex(cache::Kind::kService)].push_back({s->ns, s->name});
    builder_.put(std::move(s));
  }
  void put(cache::EndpointSlicePtr s) {
    changes_.byKind[cache::kindIndex(cache::Kind::kEndpointSlice)].push_back({s->ns, s->name});
    builder_.put(std::move(s));
  }
  void remove(cache::Kind kind, const std::string& ns, const std::string& name) {
    changes_.byKind[cache::kindIndex(kind)].push_back({ns, name});
    builder_.remove(kind, {ns, name});
  }
  // The snapshot so far and what changed since the last publish.
  std::pair<std::shared_ptr<const cache::Snapshot>, cache::Changes> publish() {
    for (auto& names : changes_.byKind) {
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
    }
    return {builder_.build(++revision_, true), std::exchange(changes_, {})};
  }

 private:
  cache::SnapshotBuilder builder_{cache::Snapshot()};
  cache::Changes changes_;
  int64_t revision_ = 0;
};

using ElementSet = std::multiset<std::tuple<std::vector<Value>, std::vector<Value>, std::string>>;

ElementSet asSet(const std::vector<Element>& elements) {
  ElementSet out;
  for (const auto& e : elements) out.emplace(e.key, e.data, e.comment);
  return out;
}

// Applies `changes` to the elements of `before` as the kernel would; every removed element
// must be there (the kernel fails a batch that deletes a missing element).
void expectChangesLead(const RuleModel& before, const ElementChanges& changes, const RuleModel& after) {
  for (const auto& table : after.tables) {
    const Table* old = before.table(table.family);
    ASSERT_NE(old, nullptr);
    for (const auto& set : table.sets) {
      const NamedSet* was = old->findSet(set.name);
      ElementSet elements = was ? asSet(was->elements) : ElementSet{};
      if (const SetChanges* c = changes.find(table.family, set.name)) {
        for (const auto& e : c->removed) {
          auto it = elements.find({e.key, e.data, e.comment});
          ASSERT_NE(it, elements.end()) << set.name << ": removes an element it does not hold";
          elements.erase(it);
        }
        for (const auto& e : c->added) elements.emplace(e.key, e.data, e.comment);
      }
      if (was || !set.dynamic) EXPECT_EQ(elements, asSet(set.elements)) << "set " << set.name;
    }
  }
}

std::string skeletonText(std::vector<Table> tables) {
  RuleModel m;
  m.tables = std::move(tables);
  for (auto& t : m.tables)
    for (auto& s : t.sets) s.elements.clear();
  return renderNft(m);
}

std::vector<std::string> warningTexts(const std::vector<ModelWarning>& warnings) {
  std::vector<std::string> out;
  for (const auto& w : warnings) out.push_back(w.service + ": " + w.message);
  return out;
}

// Random Service shapes over a few names, so that edits collide: shared externalIPs and
// LoadBalancer IPs (claims change hands), every traffic policy, affinity timeouts coming
// and going, UDP ports, dual stack, slices moving between Services.
class RandomCluster {
 public:
  explicit RandomCluster(uint32_t seed) : rng_(seed) {}

  void edit(EditableCluster& c) {
    switch (pick(6)) {
      case 0:
      case 1:
        c.put(service());
        break;
      case 2:
        c.remove(cache::Kind::kService, "ns" + std::to_string(pick(2)), "svc-" + std::to_string(pick(6)));
        break;
      case 3:
      case 4:
        c.put(endpointSlice());
        break;
      default:
        c.remove(cache::Kind::kEndpointSlice, "ns" + std::to_string(pick(2)),
                 "sl-" + std::to_string(pick(10)));
        break;
    }
  }

 private:
  uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }

  cache::ServicePtr service() {
    const uint32_t i = pick(6), ns = pick(2);
    std::vector<std::string> ips = {"10.43." + std::to_string(ns) + "." + std::to_string(i + 1)};
    if (pick(3) == 0) ips.push_back("fd00:43::" + std::to_string(ns * 16 + i + 1));
    ServiceBuilder b("ns" + std::to_string(ns), "svc-" + std::to_string(i), ips);
    const char* protocol = pick(3) == 0 ? "UDP" : "TCP";
    const int port = pick(2) ? 80 : 53;
    switch (pick(4)) {
      case 0:
        b.port("p", port, protocol);
        break;
      case 1:
        b.type("NodePort").port("p", port, protocol, 30000 + static_cast<int>(i));
        break;
      default:
        b.type("LoadBalancer").port("p", port, protocol, 30000 + static_cast<int>(i));
        b.loadBalancerIps({"192.168.77." + std::to_string(200 + pick(3))});
        if (pick(2)) b.sourceRanges({"192.168.50.0/24"});
        break;
    }
    if (pick(3) == 0) b.port("q", 8443, "TCP");
    if (pick(3) == 0) b.externalIps({"203.0.113." + std::to_string(1 + pick(2))});
    if (pick(4) == 0) b.externalLocal();
    if (pick(4) == 0) b.internalLocal();
    if (pick(3) == 0) b.affinity(pick(2) ? 60 : 10800);
    return b.build();
  }

  cache::EndpointSlicePtr endpointSlice() {
    const uint32_t ns = pick(2);
    const bool v6 = pick(4) == 0;
    std::vector<Ep> eps;
    const uint32_t n = pick(11);
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t host = 1 + pick(12);
      Ep e{v6 ? "fd42::" + std::to_string(host) : "10.42.0." + std::to_string(host)};
      e.node = pick(2) ? "node-a" : "node-b";
      if (pick(5) == 0) e = terminating(e.ip, e.node);
      eps.push_back(e);
    }
    std::vector<SlicePort> ports = {{"p", 8080, pick(3) == 0 ? "UDP" : "TCP"}};
    if (pick(3) == 0) ports.push_back({"q", 9443, "TCP"});
    return slice("ns" + std::to_string(ns), "sl-" + std::to_string(pick(10)),
                 "svc-" + std::to_string(pick(6)), eps, ports);
  }

  std::mt19937 rng_;
};

// The heart of it: after any sequence of edits, the incrementally kept model is the model a
// whole build gives, and the recorded changes turn the last model into the new one.
TEST(RuleTrackerTest, IncrementalUpdatesMatchWholeBuilds) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomCluster random(seed);
    EditableCluster cluster;
    RuleTracker tracker;
    NodeInfo node = testNode();
    tracker.updateAll(*cluster.publish().first, node);
    RuleModel last = tracker.model();
    tracker.clearChanges();
    (void)tracker.takeStaleUdpFlows();
    for (int step = 0; step < 150; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      const int edits = 1 + static_cast<int>(seed % 3);
      for (int k = 0; k < edits; ++k) random.edit(cluster);
      if (step % 50 == 49) node.addresses.push_back(ip(step % 100 == 49 ? "192.168.77.9" : "fd00:77::9"));
      if (step == 120) node.clusterCidrs.pop_back();
      auto [snapshot, changes] = cluster.publish();
      tracker.update(*snapshot, node, changes);

      RuleModel whole = buildRuleModel(*snapshot, node);
      RuleModel kept = tracker.model();
      ASSERT_EQ(renderNft(kept), renderNft(whole));
      EXPECT_EQ(warningTexts(kept.warnings), warningTexts(whole.warnings));
      EXPECT_EQ(skeletonText(tracker.skeleton()), skeletonText(whole.tables));
      EXPECT_EQ(tracker.elementCount(), whole.tables[0].elementCount() + whole.tables[1].elementCount());
      ASSERT_NO_FATAL_FAILURE(expectChangesLead(last, tracker.takeChanges(), whole));
      EXPECT_EQ(tracker.takeStaleUdpFlows(), staleUdpFlows(last, whole));
      last = std::move(whole);
    }
  }
}

TEST(RuleTrackerTest, OneServiceChangeRecordsOnlyItsElements) {
  EditableCluster cluster;
  for (int i = 0; i < 50; ++i) {
    const std::string name = "svc-" + std::to_string(i);
    cluster.put(ServiceBuilder("shop", name, {"10.43.1." + std::to_string(i + 1)}).port("http", 80).build());
    cluster.put(slice("shop", name + "-1", name, {{"10.42.1." + std::to_string(i + 1)}}));
  }
  RuleTracker tracker;
  tracker.updateAll(*cluster.publish().first, testNode());
  tracker.clearChanges();

  cluster.put(slice("shop", "svc-7-1", "svc-7", {{"10.42.2.1"}, {"10.42.2.2"}}));
  auto [snapshot, changes] = cluster.publish();
  tracker.update(*snapshot, testNode(), changes);
  ElementChanges c = tracker.takeChanges();
  const SetChanges* endpoints = c.find(IpFamily::kIPv4, "service-endpoints");
  ASSERT_NE(endpoints, nullptr);
  EXPECT_EQ(endpoints->removed.size(), 1u);
  EXPECT_EQ(endpoints->added.size(), 2u);
  const SetChanges* hairpin = c.find(IpFamily::kIPv4, "hairpin-endpoints");
  ASSERT_NE(hairpin, nullptr);
  EXPECT_EQ(hairpin->removed.size(), 1u);
  EXPECT_EQ(hairpin->added.size(), 2u);
  EXPECT_EQ(c.sets.size(), 2u) << "the entry sets of svc-7 did not change";
}

TEST(RuleTrackerTest, ALostClaimIsProgrammedWhenTheWinnerGoes) {
  EditableCluster cluster;
  cluster.put(
      ServiceBuilder("a", "one", {"10.43.0.1"}).port("http", 80).externalIps({"203.0.113.7"}).build());
  cluster.put(slice("a", "one-1", "one", {{"10.42.0.1"}}));
  cluster.put(
      ServiceBuilder("b", "two", {"10.43.0.2"}).port("http", 80).externalIps({"203.0.113.7"}).build());
  cluster.put(slice("b", "two-1", "two", {{"10.42.0.2"}}));
  RuleTracker tracker;
  tracker.updateAll(*cluster.publish().first, testNode());
  auto warnings = tracker.takeWarnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].service, "b/two");
  EXPECT_EQ(warnings[0].message, "203.0.113.7 TCP/80 is already used by a/one:http");
  tracker.clearChanges();

  // The winner's endpoints change: no news for the loser.
  cluster.put(slice("a", "one-1", "one", {{"10.42.0.3"}}));
  auto [changedSnapshot, changedChanges] = cluster.publish();
  tracker.update(*changedSnapshot, testNode(), changedChanges);
  EXPECT_TRUE(tracker.takeWarnings().empty());
  tracker.clearChanges();

  cluster.remove(cache::Kind::kService, "a", "one");
  auto [snapshot, changes] = cluster.publish();
  tracker.update(*snapshot, testNode(), changes);
  EXPECT_TRUE(tracker.takeWarnings().empty());
  const std::vector<Value> entry = {Value::address(ip("203.0.113.7")), Value::protocol(api::Protocol::kTCP),
                                    Value::port(80)};
  EXPECT_TRUE(tracker.serves(IpFamily::kIPv4, entry, {Value::address(ip("10.42.0.2")), Value::port(8080)}));
  EXPECT_FALSE(tracker.serves(IpFamily::kIPv4, entry, {Value::address(ip("10.42.0.1")), Value::port(8080)}));
  EXPECT_TRUE(tracker.model().warnings.empty());
}

TEST(RuleTrackerTest, UsualEndpointCountsNeverChangeTheRules) {
  EditableCluster cluster;
  cluster.put(ServiceBuilder("shop", "web", {"10.43.0.1"}).port("http", 80).build());
  RuleTracker tracker;
  tracker.updateAll(*cluster.publish().first, testNode());
  const std::string before = skeletonText(tracker.skeleton());
  for (uint32_t n = 1; n <= kPredeclaredTiers; ++n) {
    std::vector<Ep> eps;
    for (uint32_t k = 0; k < n; ++k) eps.push_back({"10.42.0." + std::to_string(k + 1)});
    cluster.put(slice("shop", "web-1", "web", eps));
    auto [snapshot, changes] = cluster.publish();
    tracker.update(*snapshot, testNode(), changes);
    EXPECT_EQ(skeletonText(tracker.skeleton()), before) << n << " endpoints";
  }
  std::vector<Ep> many;
  for (uint32_t k = 0; k <= kPredeclaredTiers; ++k) many.push_back({"10.42.0." + std::to_string(k + 1)});
  cluster.put(slice("shop", "web-1", "web", many));
  auto [snapshot, changes] = cluster.publish();
  tracker.update(*snapshot, testNode(), changes);
  EXPECT_NE(skeletonText(tracker.skeleton()), before) << "a larger count gets its own rule";
}

}  // namespace
}  // namespace edgeway::netstack
