#include "store/order_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace kizuna::store {
namespace {

// Labels: the first `label_bytes` bytes of the id, big-endian, zero-padded (0: every label is
// 0, so every tie falls back to CompareIds).
struct FakeKeys : KeySource {
  std::vector<double> key;
  std::vector<std::string> id;
  size_t label_bytes = 8;
  mutable size_t id_compares = 0;
  void Fetch(const uint32_t* cs, size_t n, double* keys, uint64_t* labels) const override {
    for (size_t i = 0; i < n; ++i) {
      keys[i] = key[cs[i]];
      uint64_t v = 0;
      const std::string& s = id[cs[i]];
      for (size_t j = 0; j < 8; ++j) {
        v = (v << 8) | (j < label_bytes && j < s.size() ? static_cast<unsigned char>(s[j]) : 0u);
      }
      labels[i] = v;
    }
  }
  int CompareIds(uint32_t a, uint32_t b) const override {
    ++id_compares;
    return id[a].compare(id[b]);
  }
};

class OrderIndexRandomTest : public ::testing::TestWithParam<size_t> {};

// Label widths: none (ids decide every tie), partial (labels often tie: "c" + digits share
// their first bytes), full.
INSTANTIATE_TEST_SUITE_P(LabelBytes, OrderIndexRandomTest, ::testing::Values(0, 3, 8));

TEST_P(OrderIndexRandomTest, MatchesSortedReferenceUnderRandomUpdates) {
  FakeKeys keys;
  keys.label_bytes = GetParam();
  constexpr uint32_t kN = 5000;
  std::mt19937 rng(7);
  for (uint32_t i = 0; i < kN; ++i) {
    keys.key.push_back(static_cast<double>(rng() % 50));  // many ties
    // Ids of several lengths, some a prefix of others, some with NUL bytes.
    std::string id = "c" + std::to_string(rng() % 100000);
    if (i % 7 == 0) id += std::string(1, '\0');
    if (i % 11 == 0) id += std::to_string(i);
    keys.id.push_back(id + "#" + std::to_string(i));
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
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(index.Rank(expected[i]), i);
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
