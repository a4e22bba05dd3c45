#include "base/clock.h"

#include <gtest/gtest.h>

#include <regex>

#include "base/uuid.h"

namespace edgeway::clock {
namespace {

TEST(ClockTest, FormatsUtcWithWholeSeconds) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339(1714564800), "2024-05-01T12:00:00Z");
}

TEST(ClockTest, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(parseRfc3339("2024-05-01T12:00:00Z"), std::time_t{1714564800});
  EXPECT_EQ(parseRfc3339("2024-05-01T12:00:00.123456Z"), std::time_t{1714564800});
  EXPECT_EQ(parseRfc3339("2024-05-01T14:00:00+02:00"), std::time_t{1714564800});
  EXPECT_EQ(parseRfc3339("2024-05-01T07:30:00-04:30"), std::time_t{1714564800});
  EXPECT_EQ(parseRfc3339("1969-12-31T23:59:59Z"), std::time_t{-1});
}

TEST(ClockTest, RejectsMalformed) {
  for (const char* bad : {"", "2024-05-01", "2024-05-01T12:00:00", "2024-13-01T12:00:00Z",
                          "2024-05-01T12:00:00Zjunk", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00.Z"}) {
    EXPECT_FALSE(parseRfc3339(bad).has_value()) << bad;
  }
}

TEST(ClockTest, RoundTripsNow) {
  std::time_t now = nowSeconds();
  EXPECT_EQ(parseRfc3339(formatRfc3339(now)), now);
}

TEST(ClockTest, FormatsHttpDate) {
  EXPECT_EQ(formatHttpDate(1714564800), "Wed, 01 May 2024 12:00:00 GMT");
}

TEST(UuidTest, IsVersion4AndUnique) {
  std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::string a = newUuid(), b = newUuid();
  EXPECT_TRUE(std::regex_match(a, shape)) << a;
  EXPECT_TRUE(std::regex_match(b, shape)) << b;
  EXPECT_NE(a, b);
}

}  // namespace
TEST(ClockTest, ParsesKubernetesTimestamps) {
  EXPECT_EQ(parseRfc3339("1970-01-01T00:00:00Z"), std::time_t{0});
  EXPECT_EQ(parseRfc3339("2024-05-01T12:00:00Z"), std::time_t{1714564800});
  EXPECT_EQ(parseRfc3339("2024-05-01T12:00:00.123456Z"), std::time_t{1714564800});  // MicroTime
  EXPECT_EQ(parseRfc3339("2024-05-01T14:00:00+02:00"), std::time_t{1714564800});
  EXPECT_EQ(parseRfc3339("2024-05-01T07:30:00-04:30"), std::time_t{1714564800});
  EXPECT_EQ(parseRfc3339("2000-02-29T00:00:00Z"), std::time_t{951782400});  // leap day
  for (const char* bad :
       {"", "2024-05-01", "2024-05-01T12:00:00", "2024-13-01T12:00:00Z", "2024-05-01 12:00:00Z",
        "2024-05-01T12:00:00Zjunk", "2024-05-01T12:00:00.Z", "yesterday"}) {
    EXPECT_FALSE(parseRfc3339(bad).has_value()) << bad;
  }
}

}  // namespace edgeway::clock
