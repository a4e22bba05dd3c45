#include "dns/cluster_zone.h"

#include <gtest/gtest.h>

#include "cache/snapshot_builder.h"
#include "dns/resolver.h"
#include "dns/src/zone_names.h"
#include "dns/zone_text.h"
#include "dns_test_util.h"

namespace edgeway::dns {
namespace {

IpAddress ip(const std::string& text) { return *IpAddress::parse(text); }

cache::ServicePtr service(const std::string& ns, const std::string& name, const std::string& clusterIp) {
  return testing::clusterIpService(ns, name, clusterIp);
}

TEST(ClusterZoneTest, EmptySnapshot) {
  auto zone = ClusterZone::build(cache::Snapshot(), {});
  EXPECT_FALSE(zone->synced());
  EXPECT_EQ(zone->domain(), "cluster.local");
  EXPECT_EQ(zone->ttl(), 5u);
  EXPECT_FALSE(zone->podRecords());
  EXPECT_EQ(zone->recordCount(), 3u) << "SOA, NS and the dns-version TXT";
}

TEST(ClusterZoneTest, CountsRecordsAndCarriesTheSnapshotState) {
  cache::SnapshotBuilder b{cache::Snapshot()};
  b.put(service("default", "web", "10.43.0.10"));
  auto zone = ClusterZone::build(*b.build(7, true), {});
  EXPECT_TRUE(zone->synced());
  EXPECT_EQ(zone->revision(), 7);
  // 3 + A + SRV at the name + SRV at _http._tcp + PTR.
  EXPECT_EQ(zone->recordCount(), 7u);
}

TEST(ClusterZoneTest, SoaSerialIsTheSnapshotRevision) {
  cache::SnapshotBuilder b{cache::Snapshot()};
  auto zone = ClusterZone::build(*b.build(1234, true), {});
  Message q;
  q.questions.push_back(Question{"cluster.local", Type::kSOA, kClassIn});
  auto r = resolve(q, *zone);
  ASSERT_TRUE(r);
  EXPECT_TRUE(testing::sameRecords(
      r->answers,
      {"cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1234 7200 1800 86400 5"}));
}

TEST(ClusterZoneTest, ANewSnapshotGivesANewZoneAndLeavesTheOldOne) {
  cache::SnapshotBuilder b{cache::Snapshot()};
  b.put(service("default", "web", "10.43.0.10"));
  auto first = b.build(1, true);
  auto before = ClusterZone::build(*first, {});
  cache::SnapshotBuilder next(*first);
  next.put(service("default", "web", "10.43.0.11"));
  auto after = ClusterZone::build(*next.build(2, true), {});

  Message q;
  q.questions.push_back(Question{"web.default.svc.cluster.local", Type::kA, kClassIn});
  EXPECT_TRUE(testing::sameRecords(resolve(q, *before)->answers,
                                   {"web.default.svc.cluster.local. 5 IN A 10.43.0.10"}));
  EXPECT_TRUE(testing::sameRecords(resolve(q, *after)->answers,
                                   {"web.default.svc.cluster.local. 5 IN A 10.43.0.11"}));
  q.questions[0] = Question{"10.0.43.10.in-addr.arpa", Type::kPTR, kClassIn};
  EXPECT_TRUE(resolve(q, *before).has_value());
  EXPECT_FALSE(resolve(q, *after).has_value()) << "the old address is no longer ours";
}

TEST(ZoneNamesTest, ReverseNames) {
  EXPECT_EQ(zone_detail::reverseName(ip("10.43.0.1")), "1.0.43.10.in-addr.arpa");
  EXPECT_EQ(zone_detail::reverseName(ip("2001:db8::567:89ab")),
            "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST(ZoneNamesTest, DashedLabels) {
  EXPECT_EQ(zone_detail::dashedLabel(ip("10.42.0.5")), "10-42-0-5");
  EXPECT_EQ(zone_detail::dashedLabel(ip("fd00::5")), "fd00--5");
  EXPECT_EQ(zone_detail::parseDashedLabel("10-42-0-5"), ip("10.42.0.5"));
  EXPECT_EQ(zone_detail::parseDashedLabel("fd00--5"), ip("fd00::5"));
  EXPECT_EQ(zone_detail::parseDashedLabel("fd00-0-0-0-0-0-0-5"), ip("fd00::5"));
  EXPECT_FALSE(zone_detail::parseDashedLabel("web"));
  EXPECT_FALSE(zone_detail::parseDashedLabel("10-42-0"));
  EXPECT_FALSE(zone_detail::parseDashedLabel("10-42-0-256"));
  EXPECT_FALSE(zone_detail::parseDashedLabel(""));
}

// The test helper itself: each type round-trips through recordText, and a mismatch fails.
TEST(ZoneTextTest, ParsesAndComparesOrderInsensitively) {
  const std::vector<std::string> lines = {
      "a.example. 5 IN A 10.0.0.1",
      "a.example. 5 IN AAAA fd00::1",
      "a.example. 5 IN CNAME b.example.",
      "1.0.0.10.in-addr.arpa. 5 IN PTR a.example.",
      "example. 5 IN NS ns.dns.example.",
      "example. 5 IN SOA ns.dns.example. hostmaster.example. 1 7200 1800 86400 5",
      "_x._tcp.a.example. 5 IN SRV 0 100 80 a.example.",
      R"(v.example. 5 IN TXT "1.1.0")",
  };
  auto records = testing::parseRecords(lines);
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(recordText(records[i]), lines[i]);
  std::vector<Record> reversed(records.rbegin(), records.rend());
  EXPECT_TRUE(testing::sameRecords(reversed, lines));
  EXPECT_FALSE(testing::sameRecords(records, {"a.example. 5 IN A 10.0.0.1"}));
  EXPECT_FALSE(testing::sameRecords({records[0]}, {"a.example. 6 IN A 10.0.0.1"}));
}

}  // namespace
}  // namespace edgeway::dns
