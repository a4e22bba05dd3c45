#include "base/ip.h"

#include <gtest/gtest.h>

namespace edgeway {
namespace {

std::string roundTrip(const char* text) {
  auto ip = IpAddress::parse(text);
  return ip ? ip->toString() : "error: " + ip.status().message();
}

TEST(IpAddressTest, ParsesAndFormatsIPv4) {
  auto ip = IpAddress::parse("10.43.0.10");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->family(), IpFamily::kIPv4);
  EXPECT_EQ(ip->v4Value(), 0x0a2b000au);
  EXPECT_EQ(ip->toString(), "10.43.0.10");
  EXPECT_EQ(roundTrip("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(roundTrip("255.255.255.255"), "255.255.255.255");
}

TEST(IpAddressTest, RejectsMalformedText) {
  for (const char* bad : {"",           "1.2.3",    "1.2.3.4.5",
                          "256.1.1.1",  "1.2.3.-4", "a.b.c.d",
                          " 1.2.3.4",   "1.2.3.4 ", "1..2.3",
                          "1.2.3.4/32", ":::",      "1:2:3:4:5:6:7:8:9",
                          "1::2::3",    "12345::",  "fe80::1%eth0",
                          "[::1]",      "::1.2.3",  "1:2:3:4:5:6:7:1.2.3.4",
                          "g::1",       "1:",       ":1"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
    EXPECT_FALSE(IpAddress::parseSloppy(bad)) << bad;
  }
  EXPECT_EQ(IpAddress::parse("1.2.3").status().code(), StatusCode::kInvalidArgument);
}

TEST(IpAddressTest, SloppyParsingAcceptsLeadingZerosAsDecimal) {
  EXPECT_FALSE(IpAddress::parse("010.001.000.009"));
  auto ip = IpAddress::parseSloppy("010.001.000.009");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->toString(), "10.1.0.9");
}

TEST(IpAddressTest, FormatsIPv6PerRfc5952) {
  EXPECT_EQ(roundTrip("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  EXPECT_EQ(roundTrip("::"), "::");
  EXPECT_EQ(roundTrip("::1"), "::1");
  EXPECT_EQ(roundTrip("fd00::"), "fd00::");
  // A single zero group is not compressed; the longest run is, and the first on a tie.
  EXPECT_EQ(roundTrip("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(roundTrip("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
  EXPECT_EQ(roundTrip("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  EXPECT_EQ(roundTrip("::ffff:10.0.0.1"), "::ffff:10.0.0.1");
  EXPECT_EQ(roundTrip("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
  auto ip = IpAddress::parse("fd00::a");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->family(), IpFamily::kIPv6);
}

TEST(IpAddressTest, ClassifiesSpecialRanges) {
  auto is = [](const char* text) { return *IpAddress::parse(text); };
  EXPECT_TRUE(is("0.0.0.0").isUnspecified());
  EXPECT_TRUE(is("::").isUnspecified());
  EXPECT_TRUE(is("127.1.2.3").isLoopback());
  EXPECT_TRUE(is("::1").isLoopback());
  EXPECT_FALSE(is("::2").isLoopback());
  EXPECT_TRUE(is("169.254.1.1").isLinkLocalUnicast());
  EXPECT_TRUE(is("fe80::1").isLinkLocalUnicast());
  EXPECT_TRUE(is("febf::1").isLinkLocalUnicast());
  EXPECT_FALSE(is("fec0::1").isLinkLocalUnicast());
  EXPECT_TRUE(is("224.0.0.251").isLinkLocalMulticast());
  EXPECT_FALSE(is("224.0.1.1").isLinkLocalMulticast());
  EXPECT_TRUE(is("ff02::fb").isLinkLocalMulticast());
  EXPECT_FALSE(is("10.0.0.1").isLoopback());
}

TEST(IpAddressTest, OrdersByFamilyThenValue) {
  auto a = *IpAddress::parse("10.0.0.2"), b = *IpAddress::parse("10.0.0.10"), c = *IpAddress::parse("::1");
  EXPECT_TRUE(a < b);
  EXPECT_FALSE(b < a);
  EXPECT_TRUE(b < c);
  EXPECT_EQ(a, *IpAddress::parse("10.0.0.2"));
  EXPECT_NE(a, b);
}

TEST(CidrTest, ParsesAndMasksHostBits) {
  auto c = Cidr::parse("10.43.7.9/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->toString(), "10.43.0.0/16");
  EXPECT_EQ(c->prefixLength(), 16);
  EXPECT_EQ(c->family(), IpFamily::kIPv4);
  EXPECT_EQ(c->size(), 65536u);

  auto v6 = Cidr::parse("fd00::1234/108");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->toString(), "fd00::/108");
  EXPECT_EQ(v6->size(), 1u << 20);
  EXPECT_EQ(Cidr::parse("::/0")->size(), uint64_t{1} << 63);  // capped
}

TEST(CidrTest, RejectsGarbage) {
  for (const char* bad : {"", "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/a",
                          "fd00::/129", "x/8", "10.0.0.0/8/8", "10.0.0.0/1234"}) {
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
  }
}

TEST(CidrTest, ContainsAndOffsets) {
  auto c = *Cidr::parse("10.43.0.0/16");
  EXPECT_TRUE(c.contains(*IpAddress::parse("10.43.255.255")));
  EXPECT_FALSE(c.contains(*IpAddress::parse("10.44.0.0")));
  EXPECT_FALSE(c.contains(*IpAddress::parse("::ffff:10.43.0.1")));  // other family

  EXPECT_EQ(c.addressAt(0)->toString(), "10.43.0.0");
  EXPECT_EQ(c.addressAt(257)->toString(), "10.43.1.1");
  EXPECT_EQ(c.addressAt(65535)->toString(), "10.43.255.255");
  EXPECT_FALSE(c.addressAt(65536));
  EXPECT_EQ(*c.offsetOf(*IpAddress::parse("10.43.1.1")), 257u);
  EXPECT_FALSE(c.offsetOf(*IpAddress::parse("10.42.0.1")));

  auto v6 = *Cidr::parse("fd00::/64");
  auto far = v6.addressAt(uint64_t{1} << 40);
  ASSERT_TRUE(far);
  EXPECT_EQ(far->toString(), "fd00::100:0:0");
  EXPECT_EQ(*v6.offsetOf(*far), uint64_t{1} << 40);
  // Offsets that do not fit are refused rather than wrapped.
  auto wide = *Cidr::parse("fd00::/8");
  EXPECT_FALSE(wide.offsetOf(*IpAddress::parse("fdff::1")));
}

TEST(CidrTest, CarriesAcrossByteBoundaries) {
  auto c = *Cidr::parse("fd00::ff00/120");
  EXPECT_EQ(c.addressAt(255)->toString(), "fd00::ffff");
  auto wide = *Cidr::parse("fd00:0:0:1::/63");  // bit 63 is a host bit
  EXPECT_EQ(wide.size(), uint64_t{1} << 63);
  EXPECT_EQ(wide.addressAt(0)->toString(), "fd00::");
}

TEST(PortRangeTest, Parses) {
  auto r = PortRange::parse("30000-32767");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->low, 30000);
  EXPECT_EQ(r->high, 32767);
  EXPECT_EQ(r->size(), 2768);
  EXPECT_TRUE(r->contains(30000));
  EXPECT_TRUE(r->contains(32767));
  EXPECT_FALSE(r->contains(32768));
  EXPECT_EQ(r->toString(), "30000-32767");

  EXPECT_EQ(PortRange::parse("30000+100")->high, 30100);
  EXPECT_EQ(PortRange::parse("8080")->size(), 1);
}

TEST(PortRangeTest, RejectsGarbage) {
  for (const char* bad :
       {"", "-", "30000-", "-32767", "0-10", "1-65536", "200-100", "a-b", "30000-32767x", "1--2"}) {
    auto r = PortRange::parse(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace edgeway
