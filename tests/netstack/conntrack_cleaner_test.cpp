// ConntrackCleaner against the real kernel, in a network namespace the test creates (the
// host's conntrack table is never touched). UDP flows are made over loopback to local
// addresses, with an nft NAT rule standing in for a Service (10.96.0.10:53 ->
// 10.0.0.1:5353, and the same for IPv6); /proc/thread-self/net/nf_conntrack is the
// independent witness of what the kernel holds. Skips without root, unless
// EDGEWAY_REQUIRE_PRIVILEGED=1 (then fails).

#include "netstack/conntrack_cleaner.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "tests/netstack/privileged_test_util.h"

namespace edgeway::netstack {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

using testing::requirePrivileged;
using testing::sh;

using testing::sockaddrOf;

// Sends one datagram from src:srcPort to dst:dstPort (creating a conntrack entry).
bool sendDatagram(const IpAddress& src, uint16_t srcPort, const IpAddress& dst, uint16_t dstPort) {
  int fd = socket(src.isV4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len;
  auto from = sockaddrOf(src, srcPort, &len);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&from), len) == 0;
  auto to = sockaddrOf(dst, dstPort, &len);
  ok = ok && sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), len) == 1;
  close(fd);
  return ok;
}

// The kernel's own listing, for the namespace of the calling thread.
std::string procConntrack() {
  std::ifstream in("/proc/thread-self/net/nf_conntrack");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Lines of procConntrack() for UDP flows whose original source port is `sport`.
int procFlowsFromPort(uint16_t sport) {
  std::istringstream in(procConntrack());
  std::string line;
  int n = 0;
  const std::string key = "sport=" + std::to_string(sport) + " ";
  while (std::getline(in, line)) {
    if (line.find(" udp ") != std::string::npos && line.find(key) != std::string::npos) ++n;
  }
  return n;
}

constexpr const char* kRuleset = R"(
table inet edgeway-cttest {
  chain out {
    type filter hook output priority 0; policy accept;
    ct state new accept
  }
  chain nat-out {
    type nat hook output priority -100; policy accept;
    ip daddr 10.96.0.10 udp dport 53 dnat ip to 10.0.0.1:5353
    ip6 daddr fd96::10 udp dport 53 dnat ip6 to [fd00::1]:5353
  }
}
)";

class ConntrackCleanerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (geteuid() != 0) why = "needs root";
    if (why.empty() && sh("ip netns add " + name_) != 0)
      why = "cannot create a network namespace (ip netns add)";
    if (!why.empty()) {
      if (requirePrivileged()) FAIL() << why << " (EDGEWAY_REQUIRE_PRIVILEGED=1)";
      GTEST_SKIP() << why;
    }
    created_ = true;
    const std::string n = "ip -n " + name_ + " ";
    ASSERT_EQ(sh(n + "link set lo up"), 0);
    ASSERT_EQ(sh(n + "addr add 10.0.0.1/32 dev lo"), 0);
    ASSERT_EQ(sh(n + "addr add fd00::1/128 dev lo"), 0);
    ASSERT_EQ(sh(n + "route add 10.96.0.0/24 dev lo"), 0);
    ASSERT_EQ(sh(n + "-6 route add fd96::/64 dev lo"), 0);
    std::string out;
    ASSERT_EQ(sh("printf '%s' '" + std::string(kRuleset) + "' | ip netns exec " + name_ + " nft -f -", &out),
              0)
        << out;
  }
  void TearDown() override {
    if (created_) sh("ip netns del " + name_);
  }

  void inNetns(const std::function<void()>& f) { testing::inNetns(name_, f); }

  std::string name_ = "edgeway-ct-" + std::to_string(getpid());
  bool created_ = false;
};

struct FamilyCase {
  const char* endpoint;  // local address; the "pod"
  const char* service;   // DNATed to endpoint:5353 on port 53
};

void exerciseFamily(ConntrackCleaner& cleaner, const FamilyCase& c, uint16_t portBase) {
  const IpAddress ep = ip(c.endpoint), svc = ip(c.service);
  const IpFamily fam = ep.family();
  const uint16_t viaService = portBase, direct = portBase + 1, other = portBase + 2;
  auto makeFlows = [&] {
    ASSERT_TRUE(sendDatagram(ep, viaService, svc, 53));
    ASSERT_TRUE(sendDatagram(ep, direct, ep, 5353));
    ASSERT_TRUE(sendDatagram(ep, other, ep, 6000));
  };
  makeFlows();
  ASSERT_EQ(procFlowsFromPort(viaService), 1) << procConntrack();
  ASSERT_EQ(procFlowsFromPort(direct), 1);
  ASSERT_EQ(procFlowsFromPort(other), 1);

  // The listing sees the DNAT: original destination the service, reply source the endpoint.
  UdpFlowFilter mine;
  mine.origDst = svc;
  auto flows = cleaner.listUdp(fam, mine);
  ASSERT_TRUE(flows) << flows.status().toString();
  ASSERT_EQ(flows->size(), 1u);
  EXPECT_EQ((*flows)[0].origSrcPort, viaService);
  EXPECT_EQ((*flows)[0].origDstPort, 53);
  EXPECT_EQ((*flows)[0].replySrc, ep);
  EXPECT_EQ((*flows)[0].replySrcPort, 5353);

  // Narrowest: the service's flows to that endpoint only.
  auto n = cleaner.deleteUdpForServiceEndpoint(svc, 53, ep, 5353);
  ASSERT_TRUE(n) << n.status().toString();
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(procFlowsFromPort(viaService), 0) << procConntrack();
  EXPECT_EQ(procFlowsFromPort(direct), 1);
  EXPECT_EQ(procFlowsFromPort(other), 1);

  // A wrong endpoint port matches nothing.
  makeFlows();
  n = cleaner.deleteUdpForServiceEndpoint(svc, 53, ep, 5354);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(procFlowsFromPort(viaService), 1);

  // Service IP: everything sent to svc:53.
  n = cleaner.deleteUdpForServiceIp(svc, 53);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(procFlowsFromPort(viaService), 0);

  // Endpoint: everything answered by ep:5353, through the service or not.
  makeFlows();
  n = cleaner.deleteUdpToEndpoint(ep, 5353);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(procFlowsFromPort(viaService), 0);
  EXPECT_EQ(procFlowsFromPort(direct), 0);
  EXPECT_EQ(procFlowsFromPort(other), 1);

  // NodePort style: by destination port alone.
  n = cleaner.deleteUdpForNodePort(fam, 6000);
  ASSERT_TRUE(n);
  EXPECT_GE(*n, 1u);
  EXPECT_EQ(procFlowsFromPort(other), 0) << procConntrack();
}

TEST_F(ConntrackCleanerTest, DeletesMatchingUdpFlowsOnly) {
  inNetns([&] {
    auto cleaner = ConntrackCleaner::create();
    ASSERT_TRUE(cleaner) << cleaner.status().toString();
    exerciseFamily(**cleaner, {"10.0.0.1", "10.96.0.10"}, 41000);
    // IPv6 flows made now; deleting IPv4 ones must not touch them.
    ASSERT_TRUE(sendDatagram(ip("fd00::1"), 42001, ip("fd00::1"), 5353));
    auto n = (*cleaner)->deleteUdpToEndpoint(ip("10.0.0.1"), 5353);
    ASSERT_TRUE(n);
    EXPECT_EQ(procFlowsFromPort(42001), 1);
    n = (*cleaner)->deleteUdpToEndpoint(ip("fd00::1"), 5353);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 1u);
    EXPECT_EQ(procFlowsFromPort(42001), 0);
    exerciseFamily(**cleaner, {"fd00::1", "fd96::10"}, 43000);
  });
}

// Many stale entries at once (a restart): one dump, each filter still as narrow as alone.
TEST_F(ConntrackCleanerTest, DeletesFlowsMatchingAnyOfManyFilters) {
  inNetns([&] {
    auto cleaner = ConntrackCleaner::create();
    ASSERT_TRUE(cleaner) << cleaner.status().toString();
    const IpAddress ep = ip("10.0.0.1"), svc = ip("10.96.0.10");
    ASSERT_TRUE(sendDatagram(ep, 44001, svc, 53));          // via the service, to ep:5353
    ASSERT_TRUE(sendDatagram(ep, 44002, ep, 5353));         // straight to the endpoint
    ASSERT_TRUE(sendDatagram(ep, 44003, ep, 6000));         // another port
    ASSERT_TRUE(sendDatagram(ip("fd00::1"), 44004, ip("fd96::10"), 53));  // the other family
    UdpFlowFilter wrongEndpointPort, service, direct;
    wrongEndpointPort.origDst = svc;
    wrongEndpointPort.origDstPort = 53;
    wrongEndpointPort.replySrc = ep;
    wrongEndpointPort.replySrcPort = 5354;
    auto n = (*cleaner)->deleteUdpMatchingAny(IpFamily::kIPv4, {wrongEndpointPort});
    ASSERT_TRUE(n) << n.status().toString();
    EXPECT_EQ(*n, 0u);
    service.origDst = svc;
    service.origDstPort = 53;
    direct.origDst = ep;
    direct.origDstPort = 5353;
    n = (*cleaner)->deleteUdpMatchingAny(IpFamily::kIPv4, {wrongEndpointPort, service, direct});
    ASSERT_TRUE(n) << n.status().toString();
    EXPECT_EQ(*n, 2u);
    EXPECT_EQ(procFlowsFromPort(44001), 0) << procConntrack();
    EXPECT_EQ(procFlowsFromPort(44002), 0);
    EXPECT_EQ(procFlowsFromPort(44003), 1);
    EXPECT_EQ(procFlowsFromPort(44004), 1);
    EXPECT_FALSE((*cleaner)->deleteUdpMatchingAny(IpFamily::kIPv4, {UdpFlowFilter{}})) << "needs a destination";
  });
}

TEST_F(ConntrackCleanerTest, RejectsMixedFamilies) {
  inNetns([&] {
    auto cleaner = ConntrackCleaner::create();
    ASSERT_TRUE(cleaner);
    auto n = (*cleaner)->deleteUdpForServiceEndpoint(ip("10.96.0.10"), 53, ip("fd00::1"), 53);
    EXPECT_FALSE(n);
    UdpFlowFilter f;
    f.origDst = ip("fd96::10");
    EXPECT_FALSE((*cleaner)->deleteUdp(IpFamily::kIPv4, f));
  });
}

}  // namespace
}  // namespace edgeway::netstack
