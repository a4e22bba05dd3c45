#include "cache/changes.h"

#include <gtest/gtest.h>

namespace edgeway::cache {
namespace {

TEST(ChangesTest, MergeIsTheSortedUnionPerKind) {
  Changes first;
  first.byKind[kindIndex(Kind::kPod)] = {{"a", "p1"}, {"a", "p3"}};
  first.byKind[kindIndex(Kind::kService)] = {{"a", "web"}};
  Changes later;
  later.byKind[kindIndex(Kind::kPod)] = {{"a", "p2"}, {"a", "p3"}};
  later.byKind[kindIndex(Kind::kNode)] = {{"", "edge-1"}};
  first.merge(later);
  EXPECT_EQ(first.of(Kind::kPod), (std::vector<NamespacedName>{{"a", "p1"}, {"a", "p2"}, {"a", "p3"}}));
  EXPECT_EQ(first.of(Kind::kService), (std::vector<NamespacedName>{{"a", "web"}}));
  EXPECT_EQ(first.of(Kind::kNode), (std::vector<NamespacedName>{{"", "edge-1"}}));
  EXPECT_EQ(first.size(), 5u);
}

}  // namespace
}  // namespace edgeway::cache
