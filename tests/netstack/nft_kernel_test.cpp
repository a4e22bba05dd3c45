// PRIVILEGED: programs rule models into a real kernel, inside a network namespace this test
// creates (`ip netns add edgeway-nftk-<pid>-<n>`; deleted in TearDown), and checks that
// `nft list table` shows exactly what the same model shows when loaded by `nft -f` from
// renderNft's text. Skips without root / netns support unless EDGEWAY_REQUIRE_PRIVILEGED=1.
// Never touches the host's own ruleset: the netlink socket is opened inside the namespace.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "netstack/nft_backend.h"
#include "netstack/nft_syncer.h"
#include "netstack/nft_text.h"
#include "scenarios.h"

#include "tests/netstack/privileged_test_util.h"

namespace edgeway::netstack {
namespace {

using namespace testing;

std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (status) *status = rc;
  return out;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\n");
  size_t b = s.find_last_not_of(" \t\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// `nft list` text with each set's elements sorted (the kernel lists hash sets in its own
// order) and whitespace normalised.
std::string normalise(const std::string& listing) {
  std::ostringstream out;
  std::istringstream in(listing);
  std::string line;
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.rfind("elements = {", 0) == 0) {
      std::string body = t.substr(12);
      while (body.find('}') == std::string::npos && std::getline(in, line)) body += " " + trim(line);
      body = body.substr(0, body.rfind('}'));
      std::vector<std::string> items;
      std::string item;
      std::istringstream parts(body);
      while (std::getline(parts, item, ',')) {
        if (!trim(item).empty()) items.push_back(trim(item));
      }
      std::sort(items.begin(), items.end());
      out << "elements = {\n";
      for (const auto& i : items) out << "  " << i << "\n";
      out << "}\n";
      continue;
    }
    if (!t.empty()) out << t << "\n";
  }
  return out.str();
}

class NftKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) return skipOrFail("needs root (network namespaces, CAP_NET_ADMIN)");
    if (run("command -v nft && command -v ip").find("nft") == std::string::npos)
      return skipOrFail("needs the nft and ip programs");
    static int counter = 0;
    ns_ = "edgeway-nftk-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    int rc = 0;
    std::string out = run("ip netns add " + ns_, &rc);
    if (rc != 0) {
      ns_.clear();
      return skipOrFail("cannot create a network namespace: " + out);
    }
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(self, 0);
    ASSERT_GE(target, 0);
    ASSERT_EQ(setns(target, CLONE_NEWNET), 0);
    auto backend = openNetlinkBackend();  // the socket stays in the namespace
    Status check = checkKernel();
    ASSERT_EQ(setns(self, CLONE_NEWNET), 0);
    close(self);
    close(target);
    ASSERT_TRUE(backend.isOk()) << backend.status().message();
    ASSERT_TRUE(check.isOk()) << check.message();
    backend_ = std::move(*backend);
    ready_ = true;
  }
  void TearDown() override {
    backend_.reset();
    if (!ns_.empty()) run("ip netns del " + ns_);
  }
  void skipOrFail(const std::string& why) {
    if (requirePrivileged()) FAIL() << why << " (EDGEWAY_REQUIRE_PRIVILEGED=1)";
    GTEST_SKIP() << why;
  }

  std::string nft(const std::string& args, int* rc = nullptr) { return run("ip netns exec " + ns_ + " nft " + args, rc); }
  std::string listTable(IpFamily f) { return nft(std::string("list table ") + (f == IpFamily::kIPv4 ? "ip" : "ip6") + " edgeway"); }

  // The kernel, programmed by `syncer`, lists `model` exactly as nft lists renderNft(model).
  void expectKernelHolds(const RuleModel& model) {
    std::string ours4 = listTable(IpFamily::kIPv4), ours6 = listTable(IpFamily::kIPv6);
    std::string path = "/tmp/" + ns_ + ".nft";
    std::ofstream(path) << renderNft(model);
    int rc = 0;
    std::string out = nft("-f " + path, &rc);
    ASSERT_EQ(rc, 0) << out;
    std::remove(path.c_str());
    EXPECT_EQ(normalise(ours4), normalise(listTable(IpFamily::kIPv4)));
    EXPECT_EQ(normalise(ours6), normalise(listTable(IpFamily::kIPv6)));
  }

  std::string ns_;
  bool ready_ = false;
  std::unique_ptr<NftBackend> backend_;
};

RuleModel modelOf(const std::shared_ptr<const cache::Snapshot>& s, bool masqueradeAll = false) {
  NodeInfo node = testNode();
  node.masqueradeAll = masqueradeAll;
  return buildRuleModel(*s, node);
}

TEST_F(NftKernelTest, EveryShapeListsAsItsNftText) {
  if (!ready_) return;
  NftSyncer syncer(*backend_);
  std::vector<std::pair<std::string, RuleModel>> shapes = {
      {"empty", modelOf(SnapshotMaker().build())},
      {"cluster_ip", modelOf(clusterIpScenario())},
      {"node_port", modelOf(nodePortScenario())},
      {"load_balancer", modelOf(loadBalancerScenario())},
      {"affinity", modelOf(affinityScenario())},
      {"internal_local", modelOf(internalLocalScenario())},
      {"protocols", modelOf(protocolsScenario())},
      {"dual_stack", modelOf(dualStackScenario())},
      {"masquerade_all", modelOf(clusterIpScenario(), true)},
  };
  for (const auto& [name, model] : shapes) {
    SCOPED_TRACE(name);
    syncer.requestFullSync();
    auto r = syncer.sync(model);
    ASSERT_TRUE(r.isOk()) << r.status().message();
    EXPECT_TRUE(r->full);
    expectKernelHolds(model);
  }
}

TEST_F(NftKernelTest, IncrementalChangesMatchTheModel) {
  if (!ready_) return;
  NftSyncer syncer(*backend_);
  auto first = modelOf(loadBalancerScenario());
  ASSERT_TRUE(syncer.sync(first).isOk());
  expectKernelHolds(first);

  // Endpoints only: one endpoint gone, one added; a source range changed.
  auto changed = modelOf(SnapshotMaker()
                             .add(ServiceBuilder("shop", "web", {"10.43.0.10"})
                                      .type("LoadBalancer")
                                      .port("http", 80, "TCP", 30080)
                                      .loadBalancerIps({"192.168.77.200"})
                                      .sourceRanges({"192.168.50.0/24", "10.10.0.0/16"})
                                      .build())
                             .add(slice("shop", "web-1", "web", {{"10.42.0.11"}, {"10.42.1.19", "node-b"}}))
                             .add(ServiceBuilder("shop", "new", {"10.43.0.80"}).port("http", 80).build())
                             .add(slice("shop", "new-1", "new", {{"10.42.0.81"}}))
                             .build());
  auto r = syncer.sync(changed);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_FALSE(r->full);
  // The last 2-endpoint cluster-endpoints entry (shop/local) went, and with it the DNAT
  // rules for 2-endpoint entries of that map: the services chain is refilled.
  EXPECT_EQ(r->structureChanges, 1u);
  EXPECT_GT(r->elementsAdded, 0u);
  EXPECT_GT(r->elementsRemoved, 0u);
  expectKernelHolds(changed);

  // Structure: affinity maps and rules appear, then go again.
  auto sticky = modelOf(affinityScenario());
  r = syncer.sync(sticky);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_FALSE(r->full);
  EXPECT_GT(r->structureChanges, 0u);
  expectKernelHolds(sticky);
  auto plain = modelOf(dualStackScenario());
  r = syncer.sync(plain);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_FALSE(r->full);
  expectKernelHolds(plain);

  // The same model again: nothing to send.
  r = syncer.sync(plain);
  ASSERT_TRUE(r.isOk());
  EXPECT_FALSE(r->sent);
}

TEST_F(NftKernelTest, ErrorIsReportedAndFullReplaceRecovers) {
  if (!ready_) return;
  NftSyncer syncer(*backend_);
  auto model = modelOf(clusterIpScenario());
  ASSERT_TRUE(syncer.sync(model).isOk());

  // Delete an element the kernel does not hold: the whole batch is refused, nothing changes.
  const Table& t = *model.table(IpFamily::kIPv4);
  const NamedSet& ips = *t.findSet("cluster-ips");
  NftBatch bad;
  bad.addElements(IpFamily::kIPv4, "edgeway", ips, {Element{{Value::address(ip("10.43.9.9"))}, {}, {}}});
  bad.deleteElements(IpFamily::kIPv4, "edgeway", ips, {Element{{Value::address(ip("10.43.9.99"))}, {}, {}}});
  Status s = backend_->commit(bad);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("delete elements ip edgeway cluster-ips"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.message();
  EXPECT_EQ(listTable(IpFamily::kIPv4).find("10.43.9.9"), std::string::npos) << "a failed batch applied in part";

  // Something else changes the kernel behind the syncer's back; a full replace restores it.
  int rc = 0;
  nft("delete chain ip edgeway mark-for-masquerade", &rc);  // referenced: refused, fine either way
  nft("add element ip edgeway cluster-ips { 10.43.7.7 }", &rc);
  ASSERT_EQ(rc, 0);
  syncer.requestFullSync();
  auto r = syncer.sync(model);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_TRUE(r->full);
  EXPECT_EQ(listTable(IpFamily::kIPv4).find("10.43.7.7"), std::string::npos);
  expectKernelHolds(model);

  // Deleting the tables at shutdown leaves nothing; doing it twice is fine.
  ASSERT_TRUE(syncer.deleteTables().isOk());
  ASSERT_TRUE(syncer.deleteTables().isOk());
  EXPECT_EQ(trim(nft("list ruleset")), "");
}

TEST_F(NftKernelTest, StaleAffinityEntriesGoWithTheirEndpoint) {
  if (!ready_) return;
  NftSyncer syncer(*backend_);
  ASSERT_TRUE(syncer.sync(modelOf(affinityScenario())).isOk());
  // What the packet path would have recorded: two clients of shop/sticky's ClusterIP, one
  // on the endpoint about to leave.
  int rc = 0;
  std::string out = nft(
      "add element ip edgeway affinity-10800 { 10.0.0.1 . 10.43.0.10 . tcp . 80 : 10.42.1.13 . 8080, "
      "10.0.0.2 . 10.43.0.10 . tcp . 80 : 10.42.0.11 . 8080 }",
      &rc);
  ASSERT_EQ(rc, 0) << out;
  auto without = modelOf(SnapshotMaker()
                             .add(ServiceBuilder("shop", "sticky", {"10.43.0.10"})
                                      .type("NodePort")
                                      .port("http", 80, "TCP", 30080)
                                      .affinity(10800)
                                      .build())
                             .add(slice("shop", "sticky-1", "sticky", {{"10.42.0.11"}, {"10.42.1.12", "node-b"}}))
                             .add(ServiceBuilder("shop", "brief", {"10.43.0.20"}).port("http", 80).affinity(60).build())
                             .add(slice("shop", "brief-1", "brief", {{"10.42.0.21"}, {"10.42.1.22", "node-b"}}))
                             .build());
  auto r = syncer.sync(without);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_FALSE(r->full);
  EXPECT_EQ(r->affinityRemoved, 1u);
  std::string listed = nft("list map ip edgeway affinity-10800");
  EXPECT_EQ(listed.find("10.42.1.13"), std::string::npos) << listed;
  EXPECT_NE(listed.find("10.0.0.2 . 10.43.0.10"), std::string::npos) << listed;
}

}  // namespace
}  // namespace edgeway::netstack
