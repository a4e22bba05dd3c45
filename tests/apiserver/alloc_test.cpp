#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "apiserver/alloc/cluster_ip_allocator.h"
#include "apiserver/alloc/node_port_allocator.h"
#include "apiserver/alloc/offset_bitmap.h"

namespace edgeway::apiserver {
namespace {

std::unique_ptr<ClusterIpAllocator> ipAllocator(const char* cidr, uint64_t seed = 1) {
  auto a = ClusterIpAllocator::create(*Cidr::parse(cidr), seed);
  EXPECT_TRUE(a) << a.status().message();
  return std::move(*a);
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(OffsetBitmapTest, ReservedBandSizeFollowsKubernetes) {
  // Service IPs: min(max(16, size/16), 256); NodePorts: min(max(16, size/32), 128).
  EXPECT_EQ(reservedBandSize(16, 16, 16, 256), 0u);
  EXPECT_EQ(reservedBandSize(64, 16, 16, 256), 16u);
  EXPECT_EQ(reservedBandSize(1024, 16, 16, 256), 64u);
  EXPECT_EQ(reservedBandSize(65536, 16, 16, 256), 256u);
  EXPECT_EQ(reservedBandSize(2768, 16, 32, 128), 86u);
  EXPECT_EQ(reservedBandSize(100, 16, 32, 128), 16u);
  EXPECT_EQ(reservedBandSize(10000, 16, 32, 128), 128u);
}

TEST(OffsetBitmapTest, RandomAllocationUsesTheLowerBandLast) {
  OffsetBitmap bitmap(32, 8, 7);
  std::set<size_t> upper;
  for (int i = 0; i < 24; ++i) {
    auto slot = bitmap.allocateRandom();
    ASSERT_TRUE(slot);
    EXPECT_GE(*slot, 8u) << "the lower band is used before the upper one is full";
    upper.insert(*slot);
  }
  EXPECT_EQ(upper.size(), 24u);
  std::set<size_t> lower;
  for (int i = 0; i < 8; ++i) lower.insert(*bitmap.allocateRandom());
  EXPECT_EQ(lower, (std::set<size_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_FALSE(bitmap.allocateRandom());
  EXPECT_EQ(bitmap.used(), 32u);
  bitmap.clear(5);
  EXPECT_EQ(bitmap.allocateRandom(), std::optional<size_t>(5));
}

TEST(ClusterIpAllocatorTest, NeverHandsOutNetworkOrBroadcast) {
  auto a = ipAllocator("10.0.0.0/29");  // 8 addresses, 6 usable
  EXPECT_EQ(a->capacity(), 6u);
  std::set<std::string> got;
  for (int i = 0; i < 6; ++i) {
    auto next = a->allocateNext();
    ASSERT_TRUE(next);
    got.insert(next->toString());
  }
  EXPECT_EQ(got,
            (std::set<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
  auto full = a->allocateNext();
  ASSERT_FALSE(full);
  EXPECT_EQ(full.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(full.status().message(), "range is full");
}

TEST(ClusterIpAllocatorTest, IPv6KeepsItsLastAddressButNotTheNetwork) {
  auto a = ipAllocator("fd00::/125");  // 8 addresses, 7 usable (no broadcast in IPv6)
  EXPECT_EQ(a->capacity(), 7u);
  EXPECT_TRUE(a->allocate(ip("fd00::7")));
  EXPECT_FALSE(a->allocate(ip("fd00::")));
  // A large block tracks its first 65536 host addresses only, as kube does.
  EXPECT_EQ(ipAllocator("fd00::/108")->capacity(), 65536u);
}

TEST(ClusterIpAllocatorTest, SpecificAddressErrorsUseKubeWording) {
  auto a = ipAllocator("10.43.0.0/16");
  EXPECT_TRUE(a->allocate(ip("10.43.0.10")));
  EXPECT_TRUE(a->has(ip("10.43.0.10")));

  Status again = a->allocate(ip("10.43.0.10"));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.message(), "provided IP is already allocated");

  for (const char* outside : {"10.44.0.1", "10.43.0.0", "10.43.255.255", "fd00::1"}) {
    Status st = a->allocate(ip(outside));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << outside;
    EXPECT_EQ(st.message(), std::string("the provided IP (") + outside +
                                ") is not in the valid range. The range of valid IPs is 10.43.0.0/16");
  }
}

TEST(ClusterIpAllocatorTest, ReleaseMakesAnAddressAllocatableAgain) {
  auto a = ipAllocator("10.43.0.0/16");
  ASSERT_TRUE(a->allocate(ip("10.43.0.10")));
  a->release(ip("10.43.0.10"));
  EXPECT_FALSE(a->has(ip("10.43.0.10")));
  EXPECT_TRUE(a->allocate(ip("10.43.0.10")));
  a->release(ip("192.168.0.1"));  // outside: ignored
  a->release(ip("10.43.0.11"));   // not held: ignored
  EXPECT_EQ(a->used(), 1u);
  a->clear();
  EXPECT_EQ(a->used(), 0u);
}

TEST(ClusterIpAllocatorTest, DynamicAllocationPrefersTheUpperBand) {
  // 10.43.0.0/16: the first 256 host addresses (10.43.0.1 - 10.43.1.0) are left for static
  // requests while the rest of the block has room.
  auto a = ipAllocator("10.43.0.0/16", 42);
  auto lowBandEnd = *Cidr::parse("10.43.0.0/16")->addressAt(256);
  for (int i = 0; i < 2000; ++i) {
    auto next = a->allocateNext();
    ASSERT_TRUE(next);
    EXPECT_TRUE(lowBandEnd < *next) << next->toString();
  }
}

TEST(ClusterIpAllocatorTest, SmallRangesHaveNoReservedBand) {
  auto a = ipAllocator("10.0.0.0/28", 3);  // 16 addresses: no lower band
  std::set<std::string> got;
  for (int i = 0; i < 14; ++i) got.insert(a->allocateNext()->toString());
  EXPECT_EQ(got.size(), 14u);
  EXPECT_FALSE(a->allocateNext());
}

TEST(ClusterIpAllocatorTest, RejectsBlocksTooLargeToTrack) {
  auto a = ClusterIpAllocator::create(*Cidr::parse("10.0.0.0/8"));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("the mask must be >= 12"), std::string::npos) << a.status().message();
  EXPECT_TRUE(ClusterIpAllocator::create(*Cidr::parse("10.0.0.0/12")));
  EXPECT_FALSE(ClusterIpAllocator::create(*Cidr::parse("fd00::/64")));
}

TEST(ClusterIpAllocatorTest, ConcurrentAllocationsAreDistinct) {
  auto a = ipAllocator("10.43.0.0/20");
  std::vector<std::vector<std::string>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        auto next = a->allocateNext();
        if (next) results[t].push_back(next->toString());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  size_t count = 0;
  for (const auto& r : results) {
    count += r.size();
    all.insert(r.begin(), r.end());
  }
  EXPECT_EQ(count, 2000u);
  EXPECT_EQ(all.size(), 2000u);
  EXPECT_EQ(a->used(), 2000u);
}

TEST(NodePortAllocatorTest, SpecificPortErrorsUseKubeWording) {
  NodePortAllocator a(*PortRange::parse("30000-32767"), 5);
  EXPECT_TRUE(a.allocate(30080));
  Status again = a.allocate(30080);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.message(), "provided port is already allocated");
  Status outside = a.allocate(80);
  EXPECT_EQ(outside.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(outside.message(),
            "provided port is not in the valid range. The range of valid ports is 30000-32767");
  a.release(30080);
  EXPECT_TRUE(a.allocate(30080));
}

TEST(NodePortAllocatorTest, RandomPortsAvoidTheStaticBandUntilFull) {
  NodePortAllocator a(*PortRange::parse("30000-30099"), 9);  // 100 ports, 16 reserved
  std::set<int> got;
  for (int i = 0; i < 84; ++i) {
    auto port = a.allocateNext();
    ASSERT_TRUE(port);
    EXPECT_GE(*port, 30016);
    got.insert(*port);
  }
  for (int i = 0; i < 16; ++i) {
    auto port = a.allocateNext();
    ASSERT_TRUE(port);
    EXPECT_LT(*port, 30016);
    got.insert(*port);
  }
  EXPECT_EQ(got.size(), 100u);
  auto full = a.allocateNext();
  ASSERT_FALSE(full);
  EXPECT_EQ(full.status().message(), "range is full");
  EXPECT_EQ(a.used(), 100u);
  a.clear();
  EXPECT_EQ(a.used(), 0u);
}

}  // namespace
}  // namespace edgeway::apiserver
