#include "cache/sharded_index.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>

namespace edgeway::cache {
namespace {

// Entries are (group, member) pairs: several members per group, as in a by-IP index.
struct Item {
  std::string group;
  int member = 0;
  int value = 0;
};

struct ItemTraits {
  using Group = std::string_view;
  static Group group(const Item& i) { return i.group; }
  static auto key(const Item& i) { return std::tuple<std::string_view, int>(i.group, i.member); }
  static uint64_t hash(const Group& g) {
    return detail::hashFinish(detail::hashAppend(detail::kHashSeed, g));
  }
};

using Index = ShardedIndex<Item, ItemTraits>;

Index build(int groups, int members) {
  Index::Builder b;
  for (int g = 0; g < groups; ++g) {
    for (int m = 0; m < members; ++m) b.put(Item{"g" + std::to_string(g), m, g * 100 + m});
  }
  return b.build();
}

TEST(ShardedIndexTest, EmptyIndex) {
  Index index;
  EXPECT_TRUE(index.empty());
  EXPECT_EQ(index.begin(), index.end());
  EXPECT_TRUE(index.equalRange("x").empty());
  EXPECT_EQ(index.find("x"), nullptr);
}

TEST(ShardedIndexTest, GroupsAreContiguousAndOrderedByKey) {
  Index::Builder b;
  b.put(Item{"a", 3, 1});
  b.put(Item{"b", 1, 2});
  b.put(Item{"a", 1, 3});
  b.put(Item{"a", 2, 4});
  Index index = b.build();
  EXPECT_EQ(index.size(), 4u);
  Span<Item> a = index.equalRange("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].member, 1);
  EXPECT_EQ(a[1].member, 2);
  EXPECT_EQ(a[2].member, 3);
  EXPECT_EQ(index.find("b")->value, 2);
  EXPECT_TRUE(index.equalRange("c").empty());
}

TEST(ShardedIndexTest, PutReplacesTheEntryWithTheSameKey) {
  Index::Builder b;
  b.put(Item{"a", 1, 1});
  b.put(Item{"a", 1, 2});
  Index index = b.build();
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.find("a")->value, 2);
}

TEST(ShardedIndexTest, EraseRemovesOnlyTheMatchingKey) {
  Index base = build(3, 2);
  Index::Builder b(base);
  EXPECT_TRUE(b.erase(Item{"g1", 0, 0}));
  EXPECT_FALSE(b.erase(Item{"g1", 0, 0}));
  EXPECT_FALSE(b.erase(Item{"nope", 0, 0}));
  EXPECT_TRUE(b.erase(Item{"g2", 0, 0}));
  EXPECT_TRUE(b.erase(Item{"g2", 1, 0}));
  Index index = b.build();
  EXPECT_EQ(index.size(), 3u);
  ASSERT_EQ(index.equalRange("g1").size(), 1u);
  EXPECT_EQ(index.equalRange("g1")[0].member, 1);
  EXPECT_TRUE(index.equalRange("g2").empty());
}

TEST(ShardedIndexTest, IterationVisitsEveryEntryOnce) {
  Index index = build(500, 3);
  std::set<std::pair<std::string, int>> seen;
  size_t count = 0;
  for (const Item& item : index) {
    seen.emplace(item.group, item.member);
    ++count;
  }
  EXPECT_EQ(count, 1500u);
  EXPECT_EQ(seen.size(), 1500u);
  EXPECT_EQ(index.size(), 1500u);
}

TEST(ShardedIndexTest, EditsNeverChangeTheBase) {
  Index base = build(100, 1);
  Index::Builder b(base);
  b.put(Item{"g5", 0, -1});
  b.put(Item{"new", 0, 7});
  b.erase(Item{"g6", 0, 0});
  Index first = b.build();
  b.put(Item{"g7", 0, -2});  // after build: must not reach `first`
  Index second = b.build();

  EXPECT_EQ(base.size(), 100u);
  EXPECT_EQ(base.find("g5")->value, 500);
  EXPECT_EQ(base.find("new"), nullptr);
  EXPECT_NE(base.find("g6"), nullptr);

  EXPECT_EQ(first.size(), 100u);
  EXPECT_EQ(first.find("g5")->value, -1);
  EXPECT_EQ(first.find("g6"), nullptr);
  EXPECT_EQ(first.find("g7")->value, 700);
  EXPECT_EQ(second.find("g7")->value, -2);
}

// The point of the structure: one change copies one shard, and every other entry is the
// very same memory in both versions.
TEST(ShardedIndexTest, OneChangeSharesAllButOneShard) {
  const int n = 10000;
  Index base = build(n, 1);
  Index::Builder b(base);
  b.put(Item{"g42", 0, -1});
  Index next = b.build();

  int moved = 0;
  for (int g = 0; g < n; ++g) {
    std::string group = "g" + std::to_string(g);
    if (base.find(group) != next.find(group)) ++moved;
  }
  // The changed entry's shard holds about n / kShards entries; the rest are shared.
  EXPECT_GE(moved, 1);
  EXPECT_LT(moved, 4 * n / static_cast<int>(Index::kShards));
}

TEST(ShardedIndexTest, EmptiedIndexReadsEmpty) {
  Index base = build(2, 1);
  Index::Builder b(base);
  b.erase(Item{"g0", 0, 0});
  b.erase(Item{"g1", 0, 0});
  Index index = b.build();
  EXPECT_TRUE(index.empty());
  EXPECT_EQ(index.begin(), index.end());
  EXPECT_EQ(index.find("g0"), nullptr);
}

}  // namespace
}  // namespace edgeway::cache
