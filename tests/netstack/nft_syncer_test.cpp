// NftSyncer and the encoder without a kernel: a fake backend records each batch and can
// refuse one.

#include <gtest/gtest.h>

#include <chrono>
#include <linux/netlink.h>

#include <deque>
#include <set>

#include "netstack/nft_encoder.h"
#include "netstack/nft_syncer.h"
#include "netstack/rule_tracker.h"
#include "cache/changes.h"
#include "scenarios.h"

namespace edgeway::netstack {
namespace {

using namespace testing;
using K = NftOp::Kind;

class FakeBackend : public NftBackend {
 public:
  Status commit(const NftBatch& batch) override {
    // Every batch must encode: that is what the real backend sends.
    auto encoded = encodeBatch(batch, 100);
    EXPECT_TRUE(encoded.isOk()) << encoded.status().message();
    batches.push_back(batch);
    if (failNext) {
      failNext = false;
      return internalError("nftables: injected failure");
    }
    return Status::ok();
  }
  Result<std::vector<Element>> listElements(IpFamily, const std::string&, const NamedSet& set) override {
    listed.push_back(set.name);
    return affinityEntries;
  }

  size_t count(const NftBatch& b, K kind) const {
    size_t n = 0;
    for (const auto& op : b.ops) n += op.kind == kind;
    return n;
  }

  std::vector<NftBatch> batches;
  std::vector<std::string> listed;
  std::vector<Element> affinityEntries;
  bool failNext = false;
};

RuleModel model(const std::shared_ptr<const cache::Snapshot>& s) { return buildRuleModel(*s, testNode()); }

std::shared_ptr<const cache::Snapshot> webWith(const std::vector<Ep>& endpoints, int affinity = 0) {
  ServiceBuilder web("shop", "web", {"10.43.0.10"});
  web.type("NodePort").port("http", 80, "TCP", 30080);
  if (affinity) web.affinity(affinity);
  return SnapshotMaker().add(web.build()).add(slice("shop", "web-1", "web", endpoints)).build();
}

TEST(NftSyncerTest, FirstSyncReplacesEveryTableAtomically) {
  FakeBackend backend;
  NftSyncer syncer(backend);
  auto r = syncer.sync(model(clusterIpScenario()));
  ASSERT_TRUE(r.isOk());
  EXPECT_TRUE(r->full);
  ASSERT_EQ(backend.batches.size(), 1u);
  const NftBatch& b = backend.batches[0];
  // add + delete + add per table (stale state from a previous run goes), in one batch.
  ASSERT_GE(b.ops.size(), 3u);
  EXPECT_EQ(b.ops[0].kind, K::kAddTable);
  EXPECT_EQ(b.ops[1].kind, K::kDeleteTable);
  EXPECT_EQ(b.ops[2].kind, K::kAddTable);
  EXPECT_EQ(backend.count(b, K::kDeleteTable), 2u);  // ip and ip6
  auto m = model(clusterIpScenario());
  EXPECT_EQ(backend.count(b, K::kAddRule), m.tables[0].ruleCount() + m.tables[1].ruleCount());
}

TEST(NftSyncerTest, EndpointChangeSendsOnlyElements) {
  FakeBackend backend;
  NftSyncer syncer(backend);
  ASSERT_TRUE(syncer.sync(model(webWith({{"10.42.0.11"}, {"10.42.1.12", "node-b"}}))).isOk());
  auto r = syncer.sync(model(webWith({{"10.42.0.11"}, {"10.42.1.13", "node-b"}})));
  ASSERT_TRUE(r.isOk());
  EXPECT_FALSE(r->full);
  EXPECT_EQ(r->structureChanges, 0u);
  ASSERT_EQ(backend.batches.size(), 2u);
  for (const auto& op : backend.batches[1].ops)
    EXPECT_TRUE(op.kind == K::kAddElements || op.kind == K::kDeleteElements) << op.describe();
  // The endpoint's slots changed owner in service-endpoints (ClusterIP and NodePort entry)
  // and hairpin-endpoints lost one address and gained one.
  EXPECT_GT(r->elementsAdded, 0u);
  EXPECT_EQ(r->elementsAdded, r->elementsRemoved);
  // Deletes come before adds of the same set.
  bool seenAdd = false;
  for (const auto& op : backend.batches[1].ops) {
    if (op.set->name != "service-endpoints") continue;
    if (op.kind == K::kAddElements) seenAdd = true;
    if (op.kind == K::kDeleteElements) {
      EXPECT_FALSE(seenAdd);
    }
  }
}

TEST(NftSyncerTest, IdenticalModelSendsNothing) {
  FakeBackend backend;
  NftSyncer syncer(backend);
  ASSERT_TRUE(syncer.sync(model(loadBalancerScenario())).isOk());
  auto r = syncer.sync(model(loadBalancerScenario()));
  ASSERT_TRUE(r.isOk());
  EXPECT_FALSE(r->sent);
  EXPECT_EQ(backend.batches.size(), 1u);
}

TEST(NftSyncerTest, FailureMakesTheNextSyncAFullReplace) {
  FakeBackend backend;
  NftSyncer syncer(backend);
  ASSERT_TRUE(syncer.sync(model(webWith({{"10.42.0.11"}}))).isOk());
  backend.failNext = true;
  auto r = syncer.sync(model(webWith({{"10.42.0.12"}})));
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("injected"), std::string::npos);
  EXPECT_TRUE(syncer.fullSyncPending());
  r = syncer.sync(model(webWith({{"10.42.0.12"}})));
  ASSERT_TRUE(r.isOk());
  EXPECT_TRUE(r->full);
  EXPECT_EQ(backend.count(backend.batches.back(), K::kDeleteTable), 2u);
  // And back to incremental after that.
  r = syncer.sync(model(webWith({{"10.42.0.13"}})));
  ASSERT_TRUE(r.isOk());
  EXPECT_FALSE(r->full);
}

TEST(NftSyncerTest, RequestedAndPeriodicFullResync) {
  FakeBackend backend;
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  NftSyncer syncer(backend, NftSyncerOptions{std::chrono::seconds(3600), [&] { return now; }});
  auto m = model(nodePortScenario());
  ASSERT_TRUE(syncer.sync(m).isOk());
  now += std::chrono::minutes(59);
  EXPECT_FALSE(syncer.sync(m)->full);
  now += std::chrono::minutes(2);
  EXPECT_TRUE(syncer.sync(m)->full);  // an hour after the last full one
  EXPECT_FALSE(syncer.sync(m)->full);
  syncer.requestFullSync();
  EXPECT_TRUE(syncer.sync(m)->full);
}

TEST(NftSyncerTest, StructureChangeTouchesOnlyAffectedObjects) {
  FakeBackend backend;
  NftSyncer syncer(backend);
  ASSERT_TRUE(syncer.sync(model(webWith({{"10.42.0.11"}}, 60))).isOk());
  // A new affinity timeout: the 60 s map and set go, the 120 s ones come, and only the
  // chains whose rules mention them are rewritten.
  auto r = syncer.sync(model(webWith({{"10.42.0.11"}}, 120)));
  ASSERT_TRUE(r.isOk());
  EXPECT_FALSE(r->full);
  const NftBatch& b = backend.batches.back();
  EXPECT_EQ(backend.count(b, K::kDeleteTable), 0u);
  std::set<std::string> flushed, deletedSets, addedSets;
  for (const auto& op : b.ops) {
    if (op.kind == K::kFlushChain) flushed.insert(op.chain->name);
    if (op.kind == K::kDeleteSet) deletedSets.insert(op.set->name);
    if (op.kind == K::kAddSet) addedSets.insert(op.set->name);
  }
  EXPECT_EQ(flushed, (std::set<std::string>{"affinity-record", "services"}));
  EXPECT_EQ(deletedSets, (std::set<std::string>{"affinity-60", "affinity-entries-60"}));
  EXPECT_EQ(addedSets, (std::set<std::string>{"affinity-120", "affinity-entries-120"}));
  // Order: flush before the set deletes, set adds before the rules that use them.
  size_t lastFlush = 0, firstDeleteSet = SIZE_MAX, lastAddSet = 0, firstRule = SIZE_MAX;
  for (size_t i = 0; i < b.ops.size(); ++i) {
    if (b.ops[i].kind == K::kFlushChain) lastFlush = i;
    if (b.ops[i].kind == K::kDeleteSet) firstDeleteSet = std::min(firstDeleteSet, i);
    if (b.ops[i].kind == K::kAddSet) lastAddSet = i;
    if (b.ops[i].kind == K::kAddRule) firstRule = std::min(firstRule, i);
  }
  EXPECT_LT(lastFlush, firstDeleteSet);
  EXPECT_LT(lastAddSet, firstRule);
}

TEST(NftSyncerTest, StaleAffinityEntriesAreDeletedWithTheEndpoint) {
  FakeBackend backend;
  NftSyncer syncer(backend);
  ASSERT_TRUE(syncer.sync(model(webWith({{"10.42.0.11"}, {"10.42.0.12"}}, 60))).isOk());
  auto entry = [](const char* client, const char* endpoint) {
    return Element{{Value::address(ip(client)), Value::address(ip("10.43.0.10")), Value::protocol(api::Protocol::kTCP),
                    Value::port(80)},
                   {Value::address(ip(endpoint)), Value::port(8080)},
                   {}};
  };
  backend.affinityEntries = {entry("10.0.0.1", "10.42.0.11"), entry("10.0.0.2", "10.42.0.12")};
  auto r = syncer.sync(model(webWith({{"10.42.0.11"}}, 60)));
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->affinityRemoved, 1u);
  bool found = false;
  for (const auto& op : backend.batches.back().ops) {
    if (op.kind != K::kDestroyElements) continue;
    found = true;
    EXPECT_EQ(op.set->name, "affinity-60");
    ASSERT_EQ(op.elements.size(), 1u);
    EXPECT_EQ(op.elements[0].data[0].addr, ip("10.42.0.12"));
  }
  EXPECT_TRUE(found);
  // A change that removes no endpoint does not read the affinity maps.
  backend.listed.clear();
  ASSERT_TRUE(syncer.sync(model(webWith({{"10.42.0.11"}, {"10.42.0.13"}}, 60))).isOk());
  EXPECT_TRUE(backend.listed.empty());
}

TEST(NftSyncerTest, ShutdownDeletesTheTables) {
  FakeBackend backend;
  NftSyncer syncer(backend);
  ASSERT_TRUE(syncer.deleteTables().isOk());  // before any sync: the default tables
  EXPECT_EQ(backend.count(backend.batches.back(), K::kDeleteTable), 2u);
  ASSERT_TRUE(syncer.sync(model(clusterIpScenario())).isOk());
  ASSERT_TRUE(syncer.deleteTables().isOk());
  const NftBatch& b = backend.batches.back();
  ASSERT_EQ(b.ops.size(), 4u);  // add + delete per family: a missing table is no error
  EXPECT_EQ(backend.count(b, K::kDeleteTable), 2u);
  EXPECT_TRUE(syncer.fullSyncPending());
}

// An op as text, its elements sorted: two batches that do the same compare equal.
std::vector<std::string> normalized(const NftBatch& b) {
  std::vector<std::string> out;
  for (const auto& op : b.ops) {
    std::string text = op.describe();
    std::vector<std::string> elements;
    for (const auto& e : op.elements) {
      std::string k;
      for (const auto& v : e.key) k += v.kind == Value::Kind::kAddr ? v.addr.toString() + "." : std::to_string(v.low) + ".";
      for (const auto& v : e.data) k += v.kind == Value::Kind::kAddr ? v.addr.toString() + ":" : std::to_string(v.low) + ":";
      elements.push_back(k + e.comment);
    }
    std::sort(elements.begin(), elements.end());
    for (const auto& e : elements) text += " " + e;
    out.push_back(text);
  }
  return out;
}

// The proxy's way in: the tracker's recorded changes give the batch a diff of the two whole
// models gives, for element-only changes and for structure changes alike.
TEST(NftSyncerTest, TrackerSyncSendsWhatAWholeModelDiffSends) {
  FakeBackend viaModel, viaTracker;
  NftSyncer modelSyncer(viaModel), trackerSyncer(viaTracker);
  RuleTracker tracker;
  cache::Changes changes;
  changes.byKind[cache::kindIndex(cache::Kind::kService)] = {{"shop", "web"}};
  changes.byKind[cache::kindIndex(cache::Kind::kEndpointSlice)] = {{"shop", "web-1"}};
  const std::vector<std::shared_ptr<const cache::Snapshot>> steps = {
      webWith({{"10.42.0.11"}, {"10.42.1.12", "node-b"}}),
      webWith({{"10.42.0.11"}, {"10.42.1.13", "node-b"}}),
      webWith({{"10.42.0.11"}, {"10.42.1.13", "node-b"}}, 60),    // affinity: a set, a map, rules
      webWith({{"10.42.0.11"}}, 60),                              // endpoint gone
      webWith({{"10.42.0.11"}, {"10.42.1.14", "node-b"}, {"10.42.1.15", "node-b"}}),  // affinity gone
      webWith({}),                                                // no endpoints: reject
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    if (i == 0)
      tracker.updateAll(*steps[i], testNode());
    else
      tracker.update(*steps[i], testNode(), changes);
    auto byModel = modelSyncer.sync(model(steps[i]));
    auto byTracker = trackerSyncer.sync(tracker);
    ASSERT_TRUE(byModel.isOk());
    ASSERT_TRUE(byTracker.isOk());
    EXPECT_EQ(byTracker->full, i == 0);
    EXPECT_EQ(byTracker->elementsAdded, byModel->elementsAdded);
    EXPECT_EQ(byTracker->elementsRemoved, byModel->elementsRemoved);
    EXPECT_EQ(byTracker->totalElements, byModel->totalElements);
    EXPECT_EQ(normalized(viaTracker.batches.back()), normalized(viaModel.batches.back()));
  }
}

TEST(NftSyncerTest, TrackerSyncAfterAFailureReplacesTheTables) {
  FakeBackend backend;
  NftSyncer syncer(backend);
  RuleTracker tracker;
  tracker.updateAll(*webWith({{"10.42.0.11"}}), testNode());
  ASSERT_TRUE(syncer.sync(tracker).isOk());
  cache::Changes changes;
  changes.byKind[cache::kindIndex(cache::Kind::kEndpointSlice)] = {{"shop", "web-1"}};
  tracker.update(*webWith({{"10.42.0.12"}}), testNode(), changes);
  backend.failNext = true;
  EXPECT_FALSE(syncer.sync(tracker).isOk());
  auto r = syncer.sync(tracker);  // nothing new in the tracker, but the kernel state is unknown
  ASSERT_TRUE(r.isOk());
  EXPECT_TRUE(r->full);
  EXPECT_EQ(normalized(backend.batches.back()), normalized(NftSyncer::fullReplace(model(webWith({{"10.42.0.12"}})).tables)));
}

TEST(NftEncoderTest, LargeElementListsSplitIntoMessagesUnder64KiB) {
  NamedSet s;
  s.name = "cluster-ips";
  s.key = {Expr::kDstAddr};
  std::vector<Element> elements;
  for (uint32_t i = 0; i < 20000; ++i) elements.push_back(Element{{Value::address(IpAddress::v4(0x0a000000 + i))}, {}, "x"});
  NftBatch b;
  b.addElements(IpFamily::kIPv4, "edgeway", s, elements);
  auto e = encodeBatch(b, 1);
  ASSERT_TRUE(e.isOk());
  EXPECT_GT(e->descriptions.size(), 3u);
  // Walk the messages: each fits the 16-bit attribute length; the last data one asks for an ACK.
  size_t pos = 0, count = 0;
  while (pos < e->bytes.size()) {
    const auto* h = reinterpret_cast<const nlmsghdr*>(e->bytes.data() + pos);
    EXPECT_LT(h->nlmsg_len, 65535u);
    EXPECT_EQ(h->nlmsg_seq, 1 + count);
    if (h->nlmsg_seq == e->lastSeq - 1) {
      EXPECT_TRUE(h->nlmsg_flags & NLM_F_ACK);
    }
    pos += NLMSG_ALIGN(h->nlmsg_len);
    ++count;
  }
  EXPECT_EQ(count, e->descriptions.size());
}

TEST(NftEncoderTest, RuleNamingAnUnknownSetIsAnError) {
  Table t;
  t.name = "edgeway";
  Chain c;
  c.name = "services";
  Rule r;
  r.matches.push_back(MatchLookup{{Expr::kDstAddr}, "nope", false});
  NftBatch b;
  b.addRule(IpFamily::kIPv4, "edgeway", c, r, std::make_shared<const Table>(t));
  auto e = encodeBatch(b, 1);
  ASSERT_FALSE(e.isOk());
  EXPECT_NE(e.status().message().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace edgeway::netstack
