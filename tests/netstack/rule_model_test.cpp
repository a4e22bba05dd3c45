#include "netstack/rule_model.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "netstack/nft_text.h"
#include "scenarios.h"

namespace edgeway::netstack {
namespace {

using namespace testing;
namespace fs = std::filesystem;

fs::path goldenDir() { return fs::path(__FILE__).parent_path() / "golden"; }

bool envSet(const char* name) {
  const char* v = std::getenv(name);
  return v && std::string(v) == "1";
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compares renderNft(model) with golden/<name>.nft; EDGEWAY_UPDATE_GOLDEN=1 rewrites it.
void expectGolden(const std::string& name, const RuleModel& model) {
  std::string text = renderNft(model);
  fs::path path = goldenDir() / (name + ".nft");
  if (envSet("EDGEWAY_UPDATE_GOLDEN")) {
    std::ofstream(path) << text;
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " missing; run with EDGEWAY_UPDATE_GOLDEN=1";
  EXPECT_EQ(text, readFile(path)) << "golden " << path
                                  << " differs; if intended, rerun with EDGEWAY_UPDATE_GOLDEN=1";
}

struct GoldenCase {
  const char* name;
  std::shared_ptr<const cache::Snapshot> (*snapshot)();
};

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, RendersAsGolden) {
  auto snap = GetParam().snapshot();
  expectGolden(GetParam().name, buildRuleModel(*snap, testNode()));
}

INSTANTIATE_TEST_SUITE_P(Shapes, GoldenTest,
                         ::testing::Values(GoldenCase{"empty", [] { return SnapshotMaker().build(); }},
                                           GoldenCase{"cluster_ip", clusterIpScenario},
                                           GoldenCase{"node_port", nodePortScenario},
                                           GoldenCase{"load_balancer", loadBalancerScenario},
                                           GoldenCase{"affinity", affinityScenario},
                                           GoldenCase{"internal_local", internalLocalScenario},
                                           GoldenCase{"protocols", protocolsScenario},
                                           GoldenCase{"dual_stack", dualStackScenario}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RuleModelTest, MasqueradeAllGolden) {
  NodeInfo node = testNode();
  node.masqueradeAll = true;
  node.clusterCidrs.clear();
  expectGolden("masquerade_all", buildRuleModel(*clusterIpScenario(), node));
}

// `nft -c -f` parses every golden and has the kernel check it without committing.
TEST(RuleModelTest, GoldensPassNftCheck) {
  bool require = envSet("EDGEWAY_REQUIRE_PRIVILEGED");
  bool haveNft = std::system("command -v nft >/dev/null 2>&1") == 0;
  if (geteuid() != 0 || !haveNft) {
    if (require) FAIL() << "needs root and nft (EDGEWAY_REQUIRE_PRIVILEGED=1)";
    GTEST_SKIP() << "needs root and the nft program";
  }
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(goldenDir())) {
    if (entry.path().extension() != ".nft") continue;
    std::string cmd = "nft -c -f '" + entry.path().string() + "' 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buf[512];
    while (fgets(buf, sizeof buf, pipe)) output += buf;
    int rc = pclose(pipe);
    EXPECT_EQ(rc, 0) << entry.path() << ":\n" << output;
    ++checked;
  }
  EXPECT_GE(checked, 9);
}

TEST(RuleModelTest, DeterministicAndSorted) {
  auto snap = loadBalancerScenario();
  EXPECT_EQ(renderNft(buildRuleModel(*snap, testNode())), renderNft(buildRuleModel(*snap, testNode())));
  for (const auto& t : buildRuleModel(*snap, testNode()).tables)
    for (const auto& s : t.sets) EXPECT_TRUE(std::is_sorted(s.elements.begin(), s.elements.end())) << s.name;
}

TEST(RuleModelTest, NoVerdictMapsAndEveryReferenceResolves) {
  auto model = buildRuleModel(*affinityScenario(), testNode());
  for (const auto& t : model.tables) {
    for (const auto& c : t.chains) {
      for (const auto& r : c.rules) {
        for (const auto& m : r.matches) {
          if (auto* l = std::get_if<MatchLookup>(&m)) {
            EXPECT_NE(t.findSet(l->set), nullptr) << l->set;
          }
        }
        for (const auto& s : r.statements) {
          if (auto* v = std::get_if<StmtVerdict>(&s); v && !v->chain.empty()) {
            EXPECT_NE(t.findChain(v->chain), nullptr) << v->chain;
          }
          if (auto* d = std::get_if<StmtDnatMap>(&s)) {
            EXPECT_NE(t.findSet(d->map), nullptr) << d->map;
          }
        }
      }
    }
  }
}

TEST(RuleModelTest, ConflictingEntriesWarnAndFirstWins) {
  auto snap =
      SnapshotMaker()
          .add(
              ServiceBuilder("a", "one", {"10.43.0.1"}).port("http", 80).externalIps({"203.0.113.9"}).build())
          .add(slice("a", "one-1", "one", {{"10.42.0.1"}}))
          .add(
              ServiceBuilder("b", "two", {"10.43.0.2"}).port("http", 80).externalIps({"203.0.113.9"}).build())
          .add(slice("b", "two-1", "two", {{"10.42.0.2"}}))
          .build();
  auto model = buildRuleModel(*snap, testNode());
  ASSERT_EQ(model.warnings.size(), 1u);
  EXPECT_EQ(model.warnings[0].service, "b/two");
}

// The layout's point: a Service adds elements, never chains or rules.
std::shared_ptr<const cache::Snapshot> scaleSnapshot(int services) {
  SnapshotMaker m;
  for (int i = 0; i < services; ++i) {
    std::string n = "svc-" + std::to_string(i);
    std::string v4 = "10.43." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    std::string v6 = "fd00:43::" + std::to_string(i + 1);
    ServiceBuilder b("scale", n, {v4, v6});
    b.type(i % 3 == 0 ? "LoadBalancer" : "NodePort").port("http", 80, "TCP", 30000 + i);
    if (i % 3 == 0) {
      b.loadBalancerIps({"192.168." + std::to_string(78 + i / 250) + "." + std::to_string(i % 250 + 1)});
      b.sourceRanges({"192.168.0.0/16"});
    }
    if (i % 4 == 0) b.affinity(10800);
    if (i % 5 == 0) b.externalLocal();
    if (i % 7 == 0) b.internalLocal();
    m.add(b.build());
    std::string p = "10.42." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    m.add(slice("scale", n + "-v4", n,
                {{p},
                 {p.substr(0, p.rfind('.')) + ".251", "node-b"},
                 {p.substr(0, p.rfind('.')) + ".252", "node-b"}}));
    m.add(slice("scale", n + "-v6", n,
                {{"fd42::" + std::to_string(i + 1)}, {"fd42:0:0:1::" + std::to_string(i + 1), "node-b"}}));
  }
  return m.build();
}

TEST(RuleModelTest, ChainsAndRulesDoNotGrowWithServices) {
  auto small = buildRuleModel(*scaleSnapshot(10), testNode());
  auto large = buildRuleModel(*scaleSnapshot(1000), testNode());
  ASSERT_EQ(small.tables.size(), large.tables.size());
  for (size_t i = 0; i < small.tables.size(); ++i) {
    const Table& s = small.tables[i];
    const Table& l = large.tables[i];
    EXPECT_EQ(s.chains.size(), l.chains.size());
    EXPECT_EQ(s.ruleCount(), l.ruleCount());
    EXPECT_EQ(s.sets.size(), l.sets.size());
    EXPECT_GT(l.elementCount(), 50 * s.elementCount());
    std::printf(
        "[ size ] %s: 10 services: %zu chains, %zu rules, %zu sets, %zu elements; "
        "1000 services: %zu chains, %zu rules, %zu sets, %zu elements\n",
        s.family == IpFamily::kIPv4 ? "ip" : "ip6", s.chains.size(), s.ruleCount(), s.sets.size(),
        s.elementCount(), l.chains.size(), l.ruleCount(), l.sets.size(), l.elementCount());
  }
  EXPECT_TRUE(large.warnings.empty());
}

}  // namespace
}  // namespace edgeway::netstack
