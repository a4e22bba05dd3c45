#include "http/query.h"

#include <gtest/gtest.h>

namespace edgeway::http {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(PercentDecodeTest, DecodesEscapes) {
  EXPECT_EQ(percentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(percentDecode("%e2%9c%93"), "\xe2\x9c\x93");
}

TEST(PercentDecodeTest, KeepsPlusAndMalformedEscapes) {
  EXPECT_EQ(percentDecode("a+b"), "a+b");
  EXPECT_EQ(percentDecode("100%"), "100%");
  EXPECT_EQ(percentDecode("%4"), "%4");
  EXPECT_EQ(percentDecode("%zz%41"), "%zzA");
}

TEST(ParseQueryTest, SplitsAndDecodes) {
  EXPECT_EQ(parseQuery("labelSelector=app%3Dweb%2Ctier+in+(a)&limit=500"),
            (Pairs{{"labelSelector", "app=web,tier in (a)"}, {"limit", "500"}}));
}

TEST(ParseQueryTest, KeepsOrderAndRepeatedKeys) {
  EXPECT_EQ(parseQuery("a=1&b=2&a=3"), (Pairs{{"a", "1"}, {"b", "2"}, {"a", "3"}}));
}

TEST(ParseQueryTest, FlagsEmptyValuesAndEmptySegments) {
  EXPECT_EQ(parseQuery("watch&x=&&=y&"), (Pairs{{"watch", ""}, {"x", ""}, {"", "y"}}));
  EXPECT_TRUE(parseQuery("").empty());
}

TEST(ParseQueryTest, OnlyFirstEqualsSplits) {
  EXPECT_EQ(parseQuery("fieldSelector=metadata.name=foo"), (Pairs{{"fieldSelector", "metadata.name=foo"}}));
}

}  // namespace
}  // namespace edgeway::http
