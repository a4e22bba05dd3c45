#include "dns/resolv_conf.h"

#include <gtest/gtest.h>

namespace edgeway::dns {
namespace {

SocketAddress addr(const std::string& text) {
  auto parsed = parseSocketAddress(text, kDnsPort);
  EXPECT_TRUE(parsed.isOk()) << text << ": " << parsed.status().toString();
  return parsed.isOk() ? *parsed : SocketAddress{};
}

TEST(SocketAddressTest, ParsesHostAndPort) {
  EXPECT_EQ(addr("10.0.0.1:5353").toString(), "10.0.0.1:5353");
  EXPECT_EQ(addr("[fd00::1]:5353").toString(), "[fd00::1]:5353");
  EXPECT_EQ(addr("127.0.0.1:0").port, 0);
}

TEST(SocketAddressTest, DefaultPortWhenOmitted) {
  EXPECT_EQ(addr("10.0.0.1").toString(), "10.0.0.1:53");
  EXPECT_EQ(addr("fd00::1").toString(), "[fd00::1]:53");
  EXPECT_EQ(addr("[::1]").toString(), "[::1]:53");
}

TEST(SocketAddressTest, RejectsGarbage) {
  EXPECT_FALSE(parseSocketAddress("10.0.0.1", /*defaultPort=*/0).isOk());  // port required
  for (const char* text : {"", "dns.example:53", "10.0.0.1:", "10.0.0.1:65536", "10.0.0.1:x", "[::1:53",
                           "[::1]53", "10.0.0.256:53", " 10.0.0.1:53"}) {
    auto parsed = parseSocketAddress(text, kDnsPort);
    EXPECT_FALSE(parsed.isOk()) << text;
    if (!parsed.isOk()) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(ResolvConfTest, NameserverLinesInOrder) {
  const auto servers = parseResolvConf(
      "# generated\n"
      "search default.svc.cluster.local svc.cluster.local\n"
      "nameserver 10.0.0.2\n"
      "  nameserver\t2001:db8::53   # trailing comment\n"
      "options ndots:5\n"
      "nameserver 10.0.0.3 ; also a comment\n"
      "nameserver fe80::1%eth0\n"  // scoped: unreachable without the interface
      "nameserver not-an-ip\n"
      "nameserver\n"
      "; nameserver 10.9.9.9\n"
      "nameserver 10.0.0.4");  // no final newline
  ASSERT_EQ(servers.size(), 4u);
  EXPECT_EQ(servers[0].toString(), "10.0.0.2:53");
  EXPECT_EQ(servers[1].toString(), "[2001:db8::53]:53");
  EXPECT_EQ(servers[2].toString(), "10.0.0.3:53");
  EXPECT_EQ(servers[3].toString(), "10.0.0.4:53");
}

TEST(ResolvConfTest, EmptyAndMissing) {
  EXPECT_TRUE(parseResolvConf("").empty());
  auto missing = readResolvConf("/nonexistent/resolv.conf");
  EXPECT_FALSE(missing.isOk());
}

TEST(ResolvConfTest, SkipsOwnListenAddresses) {
  const std::vector<SocketAddress> upstreams = {addr("127.0.0.1"), addr("127.0.0.53"), addr("10.0.0.2"),
                                                addr("::1"), addr("192.168.1.1")};
  // Listening on 127.0.0.1:53: forwarding to it would be a loop; 127.0.0.53 is another server.
  auto kept = withoutOwnAddresses(upstreams, {addr("127.0.0.1:53")});
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept[0], addr("127.0.0.53"));

  // A wildcard listener on port 53 is reached through every loopback address of its family.
  kept = withoutOwnAddresses(upstreams, {addr("0.0.0.0:53")});
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0], addr("10.0.0.2"));
  EXPECT_EQ(kept[1], addr("::1"));

  // Listening on the node address itself.
  kept = withoutOwnAddresses(upstreams, {addr("192.168.1.1:53"), addr("[::]:53")});
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[2], addr("10.0.0.2"));

  // Another port is another server.
  EXPECT_EQ(withoutOwnAddresses(upstreams, {addr("127.0.0.1:5353")}).size(), upstreams.size());
}

}  // namespace
}  // namespace edgeway::dns
