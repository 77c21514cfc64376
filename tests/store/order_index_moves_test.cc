// OrderIndex::PlanMoves / EraseMoves / InsertMoves (one customer moved in several indexes,
// every search done before any change) and InsertAll, against a sorted reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/order_index.h"
#include "tests/store/store_test_util.h"

namespace kizuna::store {
namespace {

struct Keys : KeySource {
  std::vector<double> key;
  const std::vector<std::string>* id = nullptr;
  mutable size_t fetched = 0;  // keys read
  void Fetch(const uint32_t* cs, size_t n, double* keys, uint64_t* labels) const override {
    fetched += n;
    for (size_t i = 0; i < n; ++i) {
      keys[i] = key[cs[i]];
      labels[i] = 0;  // every tie goes to CompareIds
    }
  }
  int CompareIds(uint32_t a, uint32_t b) const override { return (*id)[a].compare((*id)[b]); }
};

// Customers [0, n) in three indexes; random moves (several indexes at once), inserts, erases,
// then 95% erased with moves in between.
// Few distinct keys (long ties); small n exercises block merges and the last block emptying,
// large n several top-level entries.
class OrderIndexMovesTest : public ::testing::TestWithParam<uint32_t> {};
INSTANTIATE_TEST_SUITE_P(Sizes, OrderIndexMovesTest, ::testing::Values(3, 300, 30000));

TEST_P(OrderIndexMovesTest, MatchesSortedReference) {
  const uint32_t n = GetParam();
  std::mt19937 rng(11);
  std::vector<std::string> ids;
  for (uint32_t i = 0; i < n; ++i)
    ids.push_back("c" + std::to_string(rng() % 1000) + "#" + std::to_string(i));
  Keys keys[3];
  std::vector<std::unique_ptr<OrderIndex>> indexes;
  for (Keys& k : keys) {
    k.id = &ids;
    for (uint32_t i = 0; i < n; ++i) k.key.push_back(static_cast<double>(rng() % 20));
    indexes.push_back(std::make_unique<OrderIndex>(&k));
  }
  OrderIndex* all[3] = {indexes[0].get(), indexes[1].get(), indexes[2].get()};
  std::vector<bool> present(n, false);
  // Moves c in a random non-empty subset, with small steps (often within one block).
  auto move = [&](uint32_t c) {
    OrderIndex::Move moves[3];
    size_t m = 0;
    double next[3];
    for (size_t k = 0; k < 3; ++k) {
      next[k] = keys[k].key[c];
      if (rng() % 2 == 0 && m > 0) continue;
      next[k] = std::max(0.0, next[k] + static_cast<double>(static_cast<int>(rng() % 5) - 2));
      moves[m].index = all[k];
      moves[m].new_key = next[k];
      ++m;
    }
    OrderIndex::PlanMoves(moves, m, c);
    OrderIndex::EraseMoves(moves, m);
    for (size_t k = 0; k < 3; ++k) keys[k].key[c] = next[k];
    OrderIndex::InsertMoves(moves, m, c);
  };
  const int steps = n < 1000 ? 20000 : 120000;
  for (int step = 0; step < steps; ++step) {
    uint32_t c = rng() % n;
    if (!present[c]) {
      OrderIndex::InsertAll(all, 3, c);
      present[c] = true;
    } else if (rng() % 8 == 0) {
      for (OrderIndex* ix : all) ASSERT_TRUE(ix->Erase(c));
      present[c] = false;
    } else {
      move(c);
    }
  }
  // Then 95% of them go, with a move after every other erase: blocks empty and merge, and
  // chunks join, between the searches and the changes of the moves.
  std::vector<uint32_t> live;
  for (uint32_t i = 0; i < n; ++i) {
    if (present[i]) live.push_back(i);
  }
  std::shuffle(live.begin(), live.end(), rng);
  const size_t keep = live.size() / 20;
  for (size_t i = live.size(); i-- > keep;) {
    for (OrderIndex* ix : all) ASSERT_TRUE(ix->Erase(live[i]));
    present[live[i]] = false;
    if (i % 2 == 0 && keep > 0) move(live[rng() % keep]);
  }
  for (size_t k = 0; k < 3; ++k) {
    std::vector<uint32_t> expected;
    for (uint32_t i = 0; i < n; ++i) {
      if (present[i]) expected.push_back(i);
    }
    std::sort(expected.begin(), expected.end(), [&](uint32_t a, uint32_t b) {
      if (keys[k].key[a] != keys[k].key[b]) return keys[k].key[a] > keys[k].key[b];
      return ids[a] < ids[b];
    });
    ASSERT_EQ(Contents(*all[k]), expected) << "index " << k;
    for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(all[k]->Rank(expected[i]), i);
  }
}

TEST(OrderIndexMovesTest, IndexesOfDifferentSizesSearchedTogether) {
  // A large index and a small one, searched in one batch: their heads take different numbers
  // of steps (SearchHeads' path for unequal sizes), in InsertAll and in PlanMoves.
  constexpr uint32_t kBig = 20'000, kSmall = 40;
  std::mt19937 rng(5);
  std::vector<std::string> ids;
  for (uint32_t i = 0; i < kBig; ++i)
    ids.push_back("c" + std::to_string(rng() % 500) + "#" + std::to_string(i));
  Keys keys[2];
  for (Keys& k : keys) {
    k.id = &ids;
    for (uint32_t i = 0; i < kBig; ++i) k.key.push_back(static_cast<double>(rng() % 10));
  }
  OrderIndex big(&keys[0]), small(&keys[1]);
  OrderIndex* both[2] = {&big, &small};
  for (uint32_t c = kSmall; c < kBig; ++c) big.Insert(c);
  for (uint32_t c = 0; c < kSmall; ++c) OrderIndex::InsertAll(both, 2, c);
  for (int step = 0; step < 2000; ++step) {
    const uint32_t c = rng() % kSmall;
    OrderIndex::Move moves[2];
    double next[2];
    for (size_t k = 0; k < 2; ++k) {
      next[k] = static_cast<double>(rng() % 10);
      moves[k].index = both[k];
      moves[k].new_key = next[k];
    }
    OrderIndex::PlanMoves(moves, 2, c);
    OrderIndex::EraseMoves(moves, 2);
    for (size_t k = 0; k < 2; ++k) keys[k].key[c] = next[k];
    OrderIndex::InsertMoves(moves, 2, c);
  }
  for (size_t k = 0; k < 2; ++k) {
    std::vector<uint32_t> expected;
    for (uint32_t i = 0; i < (k == 0 ? kBig : kSmall); ++i) expected.push_back(i);
    std::sort(expected.begin(), expected.end(), [&](uint32_t a, uint32_t b) {
      if (keys[k].key[a] != keys[k].key[b]) return keys[k].key[a] > keys[k].key[b];
      return ids[a] < ids[b];
    });
    ASSERT_EQ(Contents(*both[k]), expected) << "index " << k;
  }
}

TEST(OrderIndexMovesTest, NegativeZeroTiesWithZero) {
  std::vector<std::string> ids = {"a", "b", "c"};
  Keys keys;
  keys.id = &ids;
  keys.key = {0.0, -0.0, 0.0};
  OrderIndex index(&keys);
  OrderIndex* one[1] = {&index};
  for (uint32_t c : {2u, 1u, 0u}) OrderIndex::InsertAll(one, 1, c);
  EXPECT_EQ(Contents(index), (std::vector<uint32_t>{0, 1, 2}));
  // A move to the same key (an addition too small to change a large score) stays put.
  OrderIndex::Move move{&index, -0.0};
  OrderIndex::PlanMoves(&move, 1, 1);
  OrderIndex::EraseMoves(&move, 1);
  OrderIndex::InsertMoves(&move, 1, 1);
  EXPECT_EQ(Contents(index), (std::vector<uint32_t>{0, 1, 2}));
}

TEST(OrderIndexMovesTest, TheLeaderMovingFurtherAheadReadsNoOtherKey) {
  // The leader is the minimum of the first block. Scoring again keeps it there, so its
  // block's minimum is just its new key: reading the block's ~100 keys to find the minimum
  // again would make every event of a busy top customer that much dearer.
  constexpr uint32_t kN = 1000;
  std::vector<std::string> ids;
  Keys keys;
  keys.id = &ids;
  for (uint32_t i = 0; i < kN; ++i) {
    ids.push_back("c" + std::to_string(1000 + i));
    keys.key.push_back(i == 0 ? 1000 : i % 50);
  }
  OrderIndex index(&keys);
  OrderIndex* one[1] = {&index};
  for (uint32_t c = 0; c < kN; ++c) OrderIndex::InsertAll(one, 1, c);
  const size_t before = keys.fetched;
  for (int step = 1; step <= 100; ++step) {
    OrderIndex::Move move{&index, 1000.0 + step};
    OrderIndex::PlanMoves(&move, 1, 0);
    OrderIndex::EraseMoves(&move, 1);
    keys.key[0] = move.new_key;
    OrderIndex::InsertMoves(&move, 1, 0);
  }
  EXPECT_LE(keys.fetched - before, 100u * 4) << "keys read for 100 moves of the leader";
  EXPECT_EQ(index.Rank(0), 0u);
  std::vector<uint32_t> expected(kN);
  for (uint32_t i = 0; i < kN; ++i) expected[i] = i;
  std::sort(expected.begin(), expected.end(), [&](uint32_t a, uint32_t b) {
    return keys.key[a] != keys.key[b] ? keys.key[a] > keys.key[b] : ids[a] < ids[b];
  });
  EXPECT_EQ(Contents(index), expected);
}

}  // namespace
}  // namespace kizuna::store
