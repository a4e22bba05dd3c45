// staleUdpFlows: which UDP conntrack entries a model change makes stale.
#include "netstack/conntrack_flows.h"

#include <gtest/gtest.h>

#include "netstack_test_util.h"

namespace edgeway::netstack {
namespace {

using testing::ip;
using testing::ServiceBuilder;
using testing::slice;
using testing::SnapshotMaker;

StaleUdpFlows all(const char* entry, uint16_t port) { return StaleUdpFlows{ip(entry), port, std::nullopt}; }
StaleUdpFlows to(const char* entry, uint16_t port, const char* ep, uint16_t epPort) {
  return StaleUdpFlows{ip(entry), port, std::make_pair(ip(ep), epPort)};
}

std::string show(const std::vector<StaleUdpFlows>& flows) {
  std::string out;
  for (const auto& f : flows) {
    out += f.entry.toString() + ":" + std::to_string(f.port);
    if (f.endpoint) out += "->" + f.endpoint->first.toString() + ":" + std::to_string(f.endpoint->second);
    out += "\n";
  }
  return out;
}

// A UDP DNS-like Service (ClusterIP + NodePort) and a TCP one, with the given endpoints.
RuleModel model(const std::vector<testing::Ep>& udpEps, const std::vector<testing::Ep>& tcpEps = {},
                bool externalLocal = false) {
  SnapshotMaker m;
  ServiceBuilder dns("kube-system", "dns", {"10.43.0.10"});
  dns.type("NodePort").port("dns", 53, "UDP", 30053);
  if (externalLocal) dns.externalLocal();
  m.add(dns.build());
  m.add(ServiceBuilder("shop", "web", {"10.43.0.20"}).port("http", 80).build());
  if (!udpEps.empty()) m.add(slice("kube-system", "dns-1", "dns", udpEps, {{"dns", 5353, "UDP"}}));
  if (!tcpEps.empty()) m.add(slice("shop", "web-1", "web", tcpEps, {{"http", 8080}}));
  return buildRuleModel(*m.build(), testing::testNode());
}

TEST(ConntrackFlowsTest, NothingWhenUnchanged) {
  auto a = model({{"10.42.0.11"}, {"10.42.0.12"}});
  EXPECT_EQ(show(staleUdpFlows(a, a)), "");
}

TEST(ConntrackFlowsTest, RemovedEndpointClearsItsFlowsOfEveryEntry) {
  auto before = model({{"10.42.0.11"}, {"10.42.0.12"}});
  auto after = model({{"10.42.0.11"}});
  // The ClusterIP and the NodePort on the node's IPv4 address.
  EXPECT_EQ(show(staleUdpFlows(before, after)),
            show({to("10.43.0.10", 53, "10.42.0.12", 5353), to("192.168.77.1", 30053, "10.42.0.12", 5353)}));
}

TEST(ConntrackFlowsTest, FirstEndpointClearsTheEntry) {
  auto before = model({});
  auto after = model({{"10.42.0.11"}});
  EXPECT_EQ(show(staleUdpFlows(before, after)), show({all("10.43.0.10", 53), all("192.168.77.1", 30053)}));
  // Not-ready endpoints are no endpoints.
  EXPECT_EQ(show(staleUdpFlows(model({{"10.42.0.11", "node-a", false, false}}), after)),
            show({all("10.43.0.10", 53), all("192.168.77.1", 30053)}));
}

TEST(ConntrackFlowsTest, LastEndpointGoneClearsItsFlowsOnly) {
  EXPECT_EQ(show(staleUdpFlows(model({{"10.42.0.11"}}), model({}))),
            show({to("10.43.0.10", 53, "10.42.0.11", 5353), to("192.168.77.1", 30053, "10.42.0.11", 5353)}));
}

TEST(ConntrackFlowsTest, TcpIsIgnored) {
  EXPECT_EQ(show(staleUdpFlows(model({{"10.42.0.11"}}, {{"10.42.0.21"}}), model({{"10.42.0.11"}}, {}))), "");
  EXPECT_EQ(show(staleUdpFlows(model({{"10.42.0.11"}}, {}), model({{"10.42.0.11"}}, {{"10.42.0.21"}}))), "");
}

TEST(ConntrackFlowsTest, ReplacedEndpointBothRules) {
  // 11 replaced by 12: flows to 11 go; nothing is cleared wholesale (the entry had endpoints).
  EXPECT_EQ(show(staleUdpFlows(model({{"10.42.0.11"}}), model({{"10.42.0.12"}}))),
            show({to("10.43.0.10", 53, "10.42.0.11", 5353), to("192.168.77.1", 30053, "10.42.0.11", 5353)}));
}

TEST(ConntrackFlowsTest, LocalPolicyCountsEveryEndpointOfTheEntry) {
  // eTP Local: the NodePort entry is served by local endpoints for outside clients and by
  // every endpoint for pods (cluster-endpoints); a remote endpoint leaving is seen.
  auto before = model({{"10.42.0.11"}, {"10.42.0.12", "node-b"}}, {}, true);
  auto after = model({{"10.42.0.11"}}, {}, true);
  EXPECT_EQ(show(staleUdpFlows(before, after)),
            show({to("10.43.0.10", 53, "10.42.0.12", 5353), to("192.168.77.1", 30053, "10.42.0.12", 5353)}));
}

TEST(ConntrackFlowsTest, DeletedServiceClearsFlowsToItsEndpoints) {
  RuleModel empty = buildRuleModel(*SnapshotMaker().build(), testing::testNode());
  EXPECT_EQ(show(staleUdpFlows(model({{"10.42.0.11"}}), empty)),
            show({to("10.43.0.10", 53, "10.42.0.11", 5353), to("192.168.77.1", 30053, "10.42.0.11", 5353)}));
  // ...and a new Service with endpoints counts as "no endpoints before".
  EXPECT_EQ(show(staleUdpFlows(empty, model({{"10.42.0.11"}}))),
            show({all("10.43.0.10", 53), all("192.168.77.1", 30053)}));
}

TEST(ConntrackFlowsTest, IPv6) {
  auto v6 = [](const std::vector<testing::Ep>& eps) {
    SnapshotMaker m;
    m.add(ServiceBuilder("default", "syslog", {"fd43::10"}).port("syslog", 514, "UDP").build());
    if (!eps.empty()) m.add(slice("default", "syslog-1", "syslog", eps, {{"syslog", 5514, "UDP"}}));
    return buildRuleModel(*m.build(), testing::testNode());
  };
  EXPECT_EQ(show(staleUdpFlows(v6({{"fd42::11"}, {"fd42::12"}}), v6({{"fd42::11"}}))),
            show({to("fd43::10", 514, "fd42::12", 5514)}));
  EXPECT_EQ(show(staleUdpFlows(v6({}), v6({{"fd42::11"}}))), show({all("fd43::10", 514)}));
}

}  // namespace
}  // namespace edgeway::netstack
