#include "store/order_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace kizuna::store {
namespace {

struct FakeKeys : KeySource {
  std::vector<double> key;
  std::vector<std::string> id;
  double Key(uint32_t c) const override { return key[c]; }
  int CompareIds(uint32_t a, uint32_t b) const override { return id[a].compare(id[b]); }
  std::string_view Id(uint32_t c) const override { return id[c]; }
};

TEST(OrderIndexTest, MatchesSortedReferenceUnderRandomUpdates) {
  FakeKeys keys;
  constexpr uint32_t kN = 5000;
  std::mt19937 rng(7);
  for (uint32_t i = 0; i < kN; ++i) {
    keys.key.push_back(static_cast<double>(rng() % 50));  // many ties
    keys.id.push_back("c" + std::to_string(rng()));
  }
  OrderIndex index(&keys);
  auto before = [&](uint32_t a, uint32_t b) {
    if (keys.key[a] != keys.key[b]) return keys.key[a] > keys.key[b];
    return keys.id[a] < keys.id[b];
  };
  std::vector<bool> present(kN, false);
  for (int step = 0; step < 40000; ++step) {
    uint32_t c = rng() % kN;
    if (present[c]) {
      ASSERT_TRUE(index.Erase(c));
      if (rng() % 3 != 0) {
        keys.key[c] = static_cast<double>(rng() % 50);
        index.Insert(c);
      } else {
        present[c] = false;
      }
    } else {
      index.Insert(c);
      present[c] = true;
    }
  }
  std::vector<uint32_t> expected;
  for (uint32_t i = 0; i < kN; ++i) {
    if (present[i]) expected.push_back(i);
  }
  std::sort(expected.begin(), expected.end(), before);
  std::vector<uint32_t> got;
  index.ForEach(kN, [&](uint32_t c) {
    got.push_back(c);
    return true;
  });
  ASSERT_EQ(got, expected);
  ASSERT_EQ(index.size(), expected.size());
  for (size_t i = 0; i < expected.size(); i += 37) EXPECT_EQ(index.Rank(expected[i]), i);
}

TEST(OrderIndexTest, BuildThenEraseEverything) {
  FakeKeys keys;
  std::vector<uint32_t> all;
  for (uint32_t i = 0; i < 3000; ++i) {
    keys.key.push_back(i % 7);
    keys.id.push_back(std::to_string(i));
    all.push_back(i);
  }
  OrderIndex index(&keys);
  index.Build(all);
  EXPECT_EQ(index.size(), 3000u);
  EXPECT_EQ(index.Rank(1000), 0u);  // key 6 (1000 % 7), smallest such id bytewise
  for (uint32_t i = 0; i < 3000; ++i) ASSERT_TRUE(index.Erase(i));
  EXPECT_EQ(index.size(), 0u);
  EXPECT_FALSE(index.Erase(1));
}

TEST(OrderIndexTest, NanOrdersLast) {
  FakeKeys keys;
  keys.key = {1, std::nan(""), -5};
  keys.id = {"a", "b", "c"};
  OrderIndex index(&keys);
  for (uint32_t i = 0; i < 3; ++i) index.Insert(i);
  EXPECT_EQ(index.Rank(1), 2u);
  EXPECT_TRUE(index.Erase(1));
}

}  // namespace
}  // namespace kizuna::store
