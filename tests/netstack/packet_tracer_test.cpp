#include "netstack/packet_tracer.h"
#include <algorithm>

#include <gtest/gtest.h>

#include "scenarios.h"

namespace edgeway::netstack {
namespace {

using namespace testing;
using Origin = TracePacket::Origin;
using Outcome = TraceResult::Outcome;
using Strings = std::vector<std::string>;

TracePacket packet(const char* src, const char* dst, int port, Origin origin = Origin::kPod,
                   api::Protocol proto = api::Protocol::kTCP) {
  TracePacket p;
  p.src = ip(src);
  p.dst = ip(dst);
  p.dport = port;
  p.protocol = proto;
  p.origin = origin;
  return p;
}

class Traced {
 public:
  explicit Traced(std::shared_ptr<const cache::Snapshot> snap, NodeInfo node = testNode())
      : snap_(std::move(snap)), model_(buildRuleModel(*snap_, node)), tracer_(model_) {}
  TraceResult operator()(const TracePacket& p) { return tracer_.trace(p); }
  PacketTracer& tracer() { return tracer_; }

 private:
  std::shared_ptr<const cache::Snapshot> snap_;
  RuleModel model_;
  PacketTracer tracer_;
};

// --- ClusterIP ----------------------------------------------------------------------------

TEST(PacketTracerTest, ClusterIpFromPodBalancesOverReadyEndpointsWithoutMasquerade) {
  Traced t(clusterIpScenario());
  auto r = t(packet("10.42.0.99", "10.43.0.10", 80));
  ASSERT_EQ(r.outcome, Outcome::kDnat) << r.describe();
  EXPECT_EQ(r.endpointStrings(), (Strings{"10.42.0.11:8080", "10.42.1.12:8080", "10.42.1.13:8080"}));
  // Exact 1/3 shares: one slot of `numgen random mod 3` each.
  for (const auto& e : r.endpoints) {
    EXPECT_EQ(e.slots, 1u);
    EXPECT_EQ(e.slotCount, 3u);
  }
  EXPECT_TRUE(r.noneMasqueraded()) << r.describe();
}

// Entries with 1..6 endpoints share one hash map; the DNAT rule for N endpoints only draws
// slots of N's block, so each entry reaches exactly its own endpoints, each with 1/N.
TEST(PacketTracerTest, EveryEndpointCountReachesOnlyItsOwnEndpointsWithEqualShares) {
  SnapshotMaker m;
  for (int n = 1; n <= 6; ++n) {
    std::string name = "svc" + std::to_string(n);
    m.add(ServiceBuilder("shop", name, {"10.43.1." + std::to_string(n)}).port("http", 80).build());
    std::vector<Ep> eps;
    for (int i = 0; i < n; ++i) eps.push_back({"10.42.2." + std::to_string(10 * n + i)});
    m.add(slice("shop", name + "-1", name, eps));
  }
  Traced t(m.build());
  for (int n = 1; n <= 6; ++n) {
    auto r = t(packet("10.42.0.99", ("10.43.1." + std::to_string(n)).c_str(), 80));
    ASSERT_EQ(r.outcome, Outcome::kDnat) << r.describe();
    Strings want;
    for (int i = 0; i < n; ++i) want.push_back("10.42.2." + std::to_string(10 * n + i) + ":8080");
    std::sort(want.begin(), want.end());
    EXPECT_EQ(r.endpointStrings(), want) << r.describe();
    for (const auto& e : r.endpoints) {
      EXPECT_EQ(e.slots, 1u);
      EXPECT_EQ(e.slotCount, static_cast<uint32_t>(n));
    }
  }
}

TEST(PacketTracerTest, ClusterIpFromNodeOrOutsideIsMasqueraded) {
  Traced t(clusterIpScenario());
  auto local = t(packet("192.168.77.1", "10.43.0.10", 80, Origin::kLocalProcess));
  ASSERT_EQ(local.outcome, Outcome::kDnat) << local.describe();
  EXPECT_EQ(local.endpoints.size(), 3u);
  EXPECT_TRUE(local.allMasqueraded()) << local.describe();
  auto outside = t(packet("203.0.113.5", "10.43.0.10", 80, Origin::kExternal));
  ASSERT_EQ(outside.outcome, Outcome::kDnat);
  EXPECT_TRUE(outside.allMasqueraded()) << outside.describe();
}

TEST(PacketTracerTest, ClusterIpOnAPortItDoesNotServeIsRejected) {
  Traced t(clusterIpScenario());
  auto r = t(packet("10.42.0.99", "10.43.0.10", 81));
  EXPECT_EQ(r.outcome, Outcome::kRejected) << r.describe();
  EXPECT_TRUE(r.tcpReset);
  auto fromNode = t(packet("192.168.77.1", "10.43.0.10", 81, Origin::kLocalProcess));
  EXPECT_EQ(fromNode.outcome, Outcome::kRejected) << fromNode.describe();
}

// As kube-proxy: an address of the service CIDR that no Service holds is dropped, never
// routed out of the node.
TEST(PacketTracerTest, UnallocatedClusterIpIsDropped) {
  Traced t(clusterIpScenario());
  auto r = t(packet("10.42.0.99", "10.43.9.9", 80));
  EXPECT_EQ(r.outcome, Outcome::kDropped) << r.describe();
  auto fromNode = t(packet("192.168.77.1", "10.43.9.9", 80, Origin::kLocalProcess));
  EXPECT_EQ(fromNode.outcome, Outcome::kDropped) << fromNode.describe();
  EXPECT_EQ(t(packet("10.42.0.99", "fd00:43::99", 80)).outcome, Outcome::kDropped);
  EXPECT_EQ(t(packet("10.42.0.99", "10.44.0.1", 80)).outcome, Outcome::kAccepted) << "outside the CIDR";
  NodeInfo without = testNode();
  without.serviceCidrs.clear();
  Traced t2(clusterIpScenario(), without);
  EXPECT_EQ(t2(packet("10.42.0.99", "10.43.9.9", 80)).outcome, Outcome::kAccepted);
}

TEST(PacketTracerTest, OtherTrafficIsUntouched) {
  Traced t(clusterIpScenario());
  auto r = t(packet("10.42.0.99", "10.42.1.12", 8080));
  EXPECT_EQ(r.outcome, Outcome::kAccepted) << r.describe();
  EXPECT_FALSE(r.masqueraded);
}

TEST(PacketTracerTest, HairpinIsMasqueradedOnlyWhenTheEndpointIsTheClient) {
  Traced t(clusterIpScenario());
  auto r = t(packet("10.42.0.11", "10.43.0.10", 80));
  ASSERT_EQ(r.outcome, Outcome::kDnat) << r.describe();
  for (const auto& e : r.endpoints) EXPECT_EQ(e.masqueraded, e.ip == ip("10.42.0.11")) << e.ip.toString();
}

TEST(PacketTracerTest, NoEndpointsRejectsImmediately) {
  Traced t(clusterIpScenario());
  auto pod = t(packet("10.42.0.99", "10.43.0.20", 80));
  EXPECT_EQ(pod.outcome, Outcome::kRejected) << pod.describe();
  EXPECT_TRUE(pod.tcpReset) << "TCP gets a reset: ICMP errors are rate-limited into timeouts";
  auto node = t(packet("192.168.77.1", "10.43.0.20", 80, Origin::kLocalProcess));
  EXPECT_EQ(node.outcome, Outcome::kRejected) << node.describe();

  Traced udp(
      SnapshotMaker().add(ServiceBuilder("a", "u", {"10.43.0.9"}).port("q", 53, "UDP").build()).build());
  auto r = udp(packet("10.42.0.99", "10.43.0.9", 53, Origin::kPod, api::Protocol::kUDP));
  EXPECT_EQ(r.outcome, Outcome::kRejected) << r.describe();
  EXPECT_FALSE(r.tcpReset) << "UDP gets ICMP port unreachable";
}

TEST(PacketTracerTest, TerminatingEndpointsOnlyWhenNoneIsReady) {
  Traced t(clusterIpScenario());
  auto draining = t(packet("10.42.0.99", "10.43.0.30", 80));
  ASSERT_EQ(draining.outcome, Outcome::kDnat) << draining.describe();
  EXPECT_EQ(draining.endpointStrings(), (Strings{"10.42.0.31:8080"}))
      << "serving-terminating only; not-serving never";
  auto rolling = t(packet("10.42.0.99", "10.43.0.40", 80));
  EXPECT_EQ(rolling.endpointStrings(), (Strings{"10.42.0.41:8080"}))
      << "a ready endpoint hides terminating ones";
}

// --- NodePort, LoadBalancer, externalIPs ------------------------------------------------------

TEST(PacketTracerTest, NodePortOnNodeAddressesIsMasqueradedUnderClusterPolicy) {
  Traced t(nodePortScenario());
  auto r = t(packet("203.0.113.5", "192.168.77.1", 30080, Origin::kExternal));
  ASSERT_EQ(r.outcome, Outcome::kDnat) << r.describe();
  EXPECT_EQ(r.endpointStrings(), (Strings{"10.42.0.11:8080", "10.42.1.12:8080"}));
  EXPECT_TRUE(r.allMasqueraded());
  auto pod = t(packet("10.42.0.99", "192.168.77.1", 30080));
  EXPECT_TRUE(pod.allMasqueraded()) << "eTP Cluster masquerades every external-entry connection";
  auto node = t(packet("192.168.77.1", "192.168.77.1", 30080, Origin::kLocalProcess));
  EXPECT_EQ(node.outcome, Outcome::kDnat) << node.describe();
}

TEST(PacketTracerTest, NodePortIsNotOnLoopback) {
  Traced t(nodePortScenario());
  auto r = t(packet("127.0.0.1", "127.0.0.1", 30080, Origin::kLocalProcess));
  EXPECT_EQ(r.outcome, Outcome::kAccepted) << r.describe();
  auto other = t(packet("203.0.113.5", "192.168.77.9", 30080, Origin::kExternal));
  EXPECT_EQ(other.outcome, Outcome::kAccepted) << "not a node address";
}

TEST(PacketTracerTest, NodePortAddressesLimitWhereNodePortsAreServed) {
  NodeInfo node = testNode();
  node.addresses.push_back(ip("192.168.88.1"));
  node.nodePortCidrs = {*Cidr::parse("192.168.77.0/24")};
  Traced t(nodePortScenario(), node);
  EXPECT_EQ(t(packet("203.0.113.5", "192.168.77.1", 30080, Origin::kExternal)).outcome, Outcome::kDnat);
  EXPECT_EQ(t(packet("203.0.113.5", "192.168.88.1", 30080, Origin::kExternal)).outcome, Outcome::kAccepted);
  EXPECT_EQ(t(packet("2001:db8::1", "fd00:77::1", 30080, Origin::kExternal)).outcome, Outcome::kAccepted)
      << "no range of the family: no NodePort";
}

TEST(PacketTracerTest, NodePortWithoutEndpointsIsRejected) {
  Traced t(nodePortScenario());
  auto r = t(packet("203.0.113.5", "192.168.77.1", 30020, Origin::kExternal));
  EXPECT_EQ(r.outcome, Outcome::kRejected) << r.describe();
}

TEST(PacketTracerTest, LoadBalancerSourceRangesFirewall) {
  Traced t(loadBalancerScenario());
  auto allowed = t(packet("192.168.50.7", "192.168.77.200", 80, Origin::kExternal));
  ASSERT_EQ(allowed.outcome, Outcome::kDnat) << allowed.describe();
  EXPECT_EQ(allowed.endpointStrings(), (Strings{"10.42.0.11:8080", "10.42.1.12:8080"}));
  EXPECT_TRUE(allowed.allMasqueraded());
  EXPECT_EQ(t(packet("10.9.200.1", "192.168.77.200", 80, Origin::kExternal)).outcome, Outcome::kDnat);
  auto denied = t(packet("198.51.100.1", "192.168.77.200", 80, Origin::kExternal));
  EXPECT_EQ(denied.outcome, Outcome::kDropped) << denied.describe();
  auto fromNode = t(packet("192.168.77.1", "192.168.77.200", 80, Origin::kLocalProcess));
  EXPECT_EQ(fromNode.outcome, Outcome::kDropped) << "the node is not in the ranges either";
  // The ranges guard the LoadBalancer address only, not the NodePort or the ClusterIP.
  EXPECT_EQ(t(packet("198.51.100.1", "192.168.77.1", 30080, Origin::kExternal)).outcome, Outcome::kDnat);
  EXPECT_EQ(t(packet("10.42.0.99", "10.43.0.10", 80)).outcome, Outcome::kDnat);
}

TEST(PacketTracerTest, ExternalIp) {
  Traced t(loadBalancerScenario());
  auto r = t(packet("198.51.100.1", "203.0.113.7", 80, Origin::kExternal));
  ASSERT_EQ(r.outcome, Outcome::kDnat) << r.describe();
  EXPECT_EQ(r.endpointStrings(), (Strings{"10.42.1.71:8080"}));
  EXPECT_TRUE(r.allMasqueraded());
  EXPECT_EQ(t(packet("198.51.100.1", "203.0.113.7", 443, Origin::kExternal)).outcome, Outcome::kAccepted);
}

// ipMode Proxy: the load balancer delivers with its own address rewritten, so traffic to
// that address is not short-circuited on the node (kube-proxy does the same).
TEST(PacketTracerTest, LoadBalancerIpWithIpModeProxyIsNotShortCircuited) {
  auto snap = SnapshotMaker()
                  .add(ServiceBuilder("shop", "web", {"10.43.0.10"})
                           .type("LoadBalancer")
                           .port("http", 80, "TCP", 30080)
                           .loadBalancerIps({"192.168.77.200"})
                           .ipModeProxy()
                           .build())
                  .add(slice("shop", "web-1", "web", {{"10.42.0.11"}}))
                  .build();
  Traced t(snap);
  EXPECT_EQ(t(packet("198.51.100.1", "192.168.77.200", 80, Origin::kExternal)).outcome, Outcome::kAccepted);
  EXPECT_EQ(t(packet("198.51.100.1", "192.168.77.1", 30080, Origin::kExternal)).outcome, Outcome::kDnat);
}

// --- traffic policies -----------------------------------------------------------------------------

TEST(PacketTracerTest, ExternalLocalKeepsTheClientAndUsesLocalEndpoints) {
  Traced t(loadBalancerScenario());
  for (auto p : {packet("198.51.100.1", "192.168.77.202", 80, Origin::kExternal),
                 packet("198.51.100.1", "192.168.77.1", 30050, Origin::kExternal)}) {
    auto r = t(p);
    ASSERT_EQ(r.outcome, Outcome::kDnat) << r.describe();
    EXPECT_EQ(r.endpointStrings(), (Strings{"10.42.0.51:8080"}));
    EXPECT_TRUE(r.noneMasqueraded()) << "the source is preserved";
  }
  // Pods and the node short-circuit to every endpoint; the node is masqueraded.
  auto pod = t(packet("10.42.0.99", "192.168.77.202", 80));
  EXPECT_EQ(pod.endpointStrings(), (Strings{"10.42.0.51:8080", "10.42.1.52:8080"})) << pod.describe();
  EXPECT_TRUE(pod.noneMasqueraded());
  auto node = t(packet("192.168.77.1", "192.168.77.202", 80, Origin::kLocalProcess));
  EXPECT_EQ(node.endpointStrings(), (Strings{"10.42.0.51:8080", "10.42.1.52:8080"})) << node.describe();
  EXPECT_TRUE(node.allMasqueraded());
  // The ClusterIP is not restricted by eTP.
  EXPECT_EQ(t(packet("10.42.0.99", "10.43.0.50", 80)).endpoints.size(), 2u);
}

TEST(PacketTracerTest, ExternalLocalWithoutLocalEndpointsDropsExternalTrafficOnly) {
  Traced t(loadBalancerScenario());
  auto ext = t(packet("198.51.100.1", "192.168.77.203", 80, Origin::kExternal));
  EXPECT_EQ(ext.outcome, Outcome::kDropped) << ext.describe();
  EXPECT_EQ(t(packet("198.51.100.1", "192.168.77.1", 30060, Origin::kExternal)).outcome, Outcome::kDropped);
  auto pod = t(packet("10.42.0.99", "192.168.77.203", 80));
  EXPECT_EQ(pod.endpointStrings(), (Strings{"10.42.1.61:8080"})) << pod.describe();
  auto node = t(packet("192.168.77.1", "192.168.77.1", 30060, Origin::kLocalProcess));
  EXPECT_EQ(node.endpointStrings(), (Strings{"10.42.1.61:8080"})) << node.describe();
}

TEST(PacketTracerTest, InternalLocal) {
  Traced t(internalLocalScenario());
  auto near = t(packet("10.42.0.99", "10.43.0.10", 80));
  EXPECT_EQ(near.endpointStrings(), (Strings{"10.42.0.11:8080"})) << near.describe();
  auto far = t(packet("10.42.0.99", "10.43.0.20", 80));
  EXPECT_EQ(far.outcome, Outcome::kDropped) << "endpoints exist, none local: dropped, not rejected";
  auto farNode = t(packet("192.168.77.1", "10.43.0.20", 80, Origin::kLocalProcess));
  EXPECT_EQ(farNode.outcome, Outcome::kDropped) << farNode.describe();
}

// --- session affinity -----------------------------------------------------------------------------

TEST(PacketTracerTest, ClientIpAffinityPinsAClientUntilItExpires) {
  Traced t(affinityScenario());
  auto first = packet("10.42.5.5", "10.43.0.10", 80);
  first.choice = 1;
  auto r1 = t(first);
  ASSERT_EQ(r1.outcome, Outcome::kDnat) << r1.describe();
  EXPECT_EQ(r1.endpoints.size(), 3u);
  EXPECT_FALSE(r1.affinityHit);
  EXPECT_TRUE(r1.affinityRecorded) << r1.describe();

  auto again = packet("10.42.5.5", "10.43.0.10", 80);
  again.choice = 2;  // the random choice no longer matters
  auto r2 = t(again);
  ASSERT_EQ(r2.outcome, Outcome::kDnat) << r2.describe();
  EXPECT_TRUE(r2.affinityHit) << r2.describe();
  EXPECT_EQ(r2.endpointStrings(), (Strings{"10.42.1.12:8080"}));

  // Another client, or the same client on another entry, is balanced afresh.
  EXPECT_EQ(t(packet("10.42.5.6", "10.43.0.10", 80)).endpoints.size(), 3u);
  auto viaNodePort = t(packet("10.42.5.5", "192.168.77.1", 30080));
  EXPECT_FALSE(viaNodePort.affinityHit);

  t.tracer().expireAffinity();
  auto r3 = t(packet("10.42.5.5", "10.43.0.10", 80));
  EXPECT_FALSE(r3.affinityHit);
  EXPECT_EQ(r3.endpoints.size(), 3u);
}

TEST(PacketTracerTest, AffinityFromOutsideThroughANodePortAndFromTheNode) {
  Traced t(affinityScenario());
  auto ext = packet("198.51.100.1", "192.168.77.1", 30080, Origin::kExternal);
  EXPECT_TRUE(t(ext).affinityRecorded);
  auto r = t(ext);
  EXPECT_TRUE(r.affinityHit) << r.describe();
  EXPECT_EQ(r.endpointStrings(), (Strings{"10.42.0.11:8080"}));
  EXPECT_TRUE(r.allMasqueraded()) << "affinity does not skip the eTP Cluster masquerade";

  auto node = packet("192.168.77.1", "10.43.0.20", 80, Origin::kLocalProcess);
  EXPECT_TRUE(t(node).affinityRecorded);
  EXPECT_TRUE(t(node).affinityHit);
}

TEST(PacketTracerTest, NoAffinityForServicesWithoutIt) {
  Traced t(clusterIpScenario());
  auto r = t(packet("10.42.5.5", "10.43.0.10", 80));
  EXPECT_FALSE(r.affinityRecorded);
  EXPECT_FALSE(t(packet("10.42.5.5", "10.43.0.10", 80)).affinityHit);
}

// --- protocols and families -----------------------------------------------------------------------

TEST(PacketTracerTest, UdpAndSctp) {
  Traced t(protocolsScenario());
  auto udp = t(packet("10.42.0.99", "10.43.0.10", 53, Origin::kPod, api::Protocol::kUDP));
  EXPECT_EQ(udp.endpointStrings(), (Strings{"10.42.0.11:5353", "10.42.1.12:5353"})) << udp.describe();
  auto tcp = t(packet("10.42.0.99", "10.43.0.10", 53, Origin::kPod, api::Protocol::kTCP));
  EXPECT_EQ(tcp.endpoints.size(), 2u);
  auto sctp = t(packet("10.42.0.99", "10.43.0.20", 3868, Origin::kPod, api::Protocol::kSCTP));
  EXPECT_EQ(sctp.endpointStrings(), (Strings{"10.42.1.21:3868"})) << sctp.describe();
  auto wrongProto = t(packet("10.42.0.99", "10.43.0.20", 3868, Origin::kPod, api::Protocol::kTCP));
  EXPECT_EQ(wrongProto.outcome, Outcome::kRejected) << "SCTP-only service, TCP port not served";
}

TEST(PacketTracerTest, Ipv6AndDualStack) {
  Traced t(dualStackScenario());
  auto v6 = t(packet("fd42::99", "fd00:43::10", 80));
  ASSERT_EQ(v6.outcome, Outcome::kDnat) << v6.describe();
  EXPECT_EQ(v6.endpointStrings(), (Strings{"[fd42:0:0:1::12]:8080", "[fd42::11]:8080"}));
  EXPECT_TRUE(v6.noneMasqueraded());
  auto v4 = t(packet("10.42.0.99", "10.43.0.10", 80));
  EXPECT_EQ(v4.endpointStrings(), (Strings{"10.42.0.11:8080", "10.42.1.12:8080"}))
      << "each family its own endpoints";
  auto np6 = t(packet("2001:db8::1", "fd00:77::1", 30080, Origin::kExternal));
  ASSERT_EQ(np6.outcome, Outcome::kDnat) << np6.describe();
  EXPECT_TRUE(np6.allMasqueraded());
  EXPECT_EQ(t(packet("2001:db8::1", "::1", 30080, Origin::kLocalProcess)).outcome, Outcome::kAccepted);
  auto hairpin6 = t(packet("fd42::11", "fd00:43::10", 80));
  for (const auto& e : hairpin6.endpoints) EXPECT_EQ(e.masqueraded, e.ip == ip("fd42::11"));
  auto empty6 = t(packet("fd42::99", "fd00:43::20", 80));
  EXPECT_EQ(empty6.outcome, Outcome::kRejected) << empty6.describe();
}

TEST(PacketTracerTest, MasqueradeAllMasqueradesPodTraffic) {
  NodeInfo node = testNode();
  node.masqueradeAll = true;
  Traced t(clusterIpScenario(), node);
  EXPECT_TRUE(t(packet("10.42.0.99", "10.43.0.10", 80)).allMasqueraded());
}

}  // namespace
}  // namespace edgeway::netstack
