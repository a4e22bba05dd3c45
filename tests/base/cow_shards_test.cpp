#include "base/cow_shards.h"

#include <gtest/gtest.h>

#include <vector>

namespace edgeway {
namespace {

using Cow = CowShards<std::vector<int>, 4>;

TEST(CowShardsTest, AFrozenArrayNeverChangesAndUntouchedShardsStayShared) {
  Cow first;
  first.mutableShard(0).push_back(1);
  first.mutableShard(1).push_back(2);
  auto v1 = first.freeze();
  ASSERT_NE(v1, nullptr);

  Cow second(v1);
  second.mutableShard(0).push_back(3);
  auto v2 = second.freeze();
  EXPECT_EQ(*(*v1)[0], (std::vector<int>{1})) << "the earlier version is untouched";
  EXPECT_EQ(*(*v2)[0], (std::vector<int>{1, 3}));
  EXPECT_EQ((*v1)[1], (*v2)[1]) << "a shard nobody wrote is the same object";
  EXPECT_NE((*v1)[0], (*v2)[0]);

  // After freeze(), the next write copies again: v2 stays as it was.
  second.mutableShard(0).push_back(4);
  EXPECT_EQ(*(*v2)[0], (std::vector<int>{1, 3}));
  EXPECT_EQ(*second.shard(0), (std::vector<int>{1, 3, 4}));
}

TEST(CowShardsTest, AShardLeftEmptyReadsAsAbsent) {
  Cow cow;
  EXPECT_EQ(cow.shard(2), nullptr);
  EXPECT_EQ(cow.freeze(), nullptr) << "never written: no array at all";
  cow.mutableShard(2) = {7, 8};
  auto frozen = cow.freeze();
  cow.eraseAt(2, 0);
  EXPECT_EQ(*cow.shard(2), (std::vector<int>{8}));
  cow.eraseAt(2, 0);
  EXPECT_EQ(cow.shard(2), nullptr);
  EXPECT_EQ(*(*frozen)[2], (std::vector<int>{7, 8})) << "the frozen version keeps its shard";
}

}  // namespace
}  // namespace edgeway
