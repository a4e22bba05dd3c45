#include "http/src/rate_limited_log.h"

#include <gtest/gtest.h>

namespace edgeway::http::detail {
namespace {

using std::chrono::seconds;

TEST(RateLimitedLogTest, AdmitsABurstPerWindowAndCountsTheRest) {
  RateLimitedLog log(2, seconds(60));
  const auto t0 = RateLimitedLog::Clock::time_point() + seconds(1000);
  EXPECT_EQ(log.admit("a", t0), "a");
  EXPECT_EQ(log.admit("b", t0 + seconds(1)), "b");
  EXPECT_EQ(log.admit("c", t0 + seconds(2)), std::nullopt);
  EXPECT_EQ(log.admit("d", t0 + seconds(59)), std::nullopt);
  // A new window: the first line carries the count of what was left out.
  EXPECT_EQ(log.admit("e", t0 + seconds(60)), "e (2 similar events before it were not logged)");
  EXPECT_EQ(log.admit("f", t0 + seconds(61)), "f");
  EXPECT_EQ(log.admit("g", t0 + seconds(62)), std::nullopt);
}

}  // namespace
}  // namespace edgeway::http::detail
