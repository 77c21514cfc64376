// IncrementalHashSet: the same answers as a plain set through growth and removals, and no
// insert that rehashes the whole table.
#include "store/incremental_hash_set.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"

namespace kizuna::store {
namespace {

// Keys are uint64_t; entries are uint32_t values whose key is value * 3 (so lookups by key go
// through the transparent overloads, as the pending-timer set's do). Counts hash calls.
struct Key {
  uint64_t v;
};
struct CountingHash {
  using is_transparent = void;
  size_t* calls;
  size_t operator()(Key k) const { return absl::HashOf(k.v); }
  size_t operator()(uint32_t e) const {
    ++*calls;
    return absl::HashOf(uint64_t{e} * 3);
  }
};
struct KeyEq {
  using is_transparent = void;
  bool operator()(uint32_t a, uint32_t b) const { return a == b; }
  bool operator()(uint32_t a, Key b) const { return uint64_t{a} * 3 == b.v; }
  bool operator()(Key a, uint32_t b) const { return a.v == uint64_t{b} * 3; }
};
using Set = IncrementalHashSet<uint32_t, CountingHash, KeyEq, std::allocator<uint32_t>>;

TEST(IncrementalHashSetTest, InsertsNeverRehashEverything) {
  size_t calls = 0;
  Set set(CountingHash{&calls}, KeyEq{}, /*incremental_from=*/64);
  size_t worst = 0;
  bool moved = false;
  for (uint32_t i = 0; i < 200'000; ++i) {
    size_t before = calls;
    set.insert(i);
    moved |= set.moving();
    if (i >= 1000) worst = std::max(worst, calls - before);
  }
  EXPECT_TRUE(moved);
  // Two hashes for the insert (the old table's check, the new table's insert) and two per
  // entry moved (8: its prefetch, its insert), never the ~100k of a full rehash. Without
  // NDEBUG, absl hashes more to check that hash and equality agree.
#ifdef NDEBUG
  constexpr size_t kMaxHashesPerInsert = 18;
#else
  constexpr size_t kMaxHashesPerInsert = 32;
#endif
  EXPECT_LE(worst, kMaxHashesPerInsert);
  EXPECT_EQ(set.size(), 200'000u);
  for (uint32_t i = 0; i < 200'000; i += 997) ASSERT_TRUE(set.contains(Key{uint64_t{i} * 3}));
}

// A hasher that reads memory (the customer table's reads an id) asks for it to be fetched
// first: the entries one operation moves are prefetched together, stage by stage, before any
// of them is hashed into the new table, so that their misses overlap.
struct StagedHash {
  using is_transparent = void;
  static constexpr int kPrefetchStages = 2;
  std::vector<std::pair<uint32_t, int>>* prefetched;
  void Prefetch(uint32_t e, int stage) const { prefetched->emplace_back(e, stage); }
  size_t operator()(Key k) const { return absl::HashOf(k.v); }
  size_t operator()(uint32_t e) const { return absl::HashOf(uint64_t{e} * 3); }
};

TEST(IncrementalHashSetTest, MovesPrefetchEachStageOfABatchTogether) {
  std::vector<std::pair<uint32_t, int>> prefetched;
  IncrementalHashSet<uint32_t, StagedHash, KeyEq, std::allocator<uint32_t>> set(
      StagedHash{&prefetched}, KeyEq{}, /*incremental_from=*/64, /*moves_per_operation=*/8);
  for (uint32_t i = 0; i < 100'000; ++i) set.insert(i);
  ASSERT_GT(prefetched.size(), 10'000u);  // several growths moved their entries
  // The calls come in batches of up to 8 entries: all at stage 0, then the same entries in the
  // same order at stage 1.
  size_t at = 0, moved = 0, batches = 0, full = 0;
  while (at < prefetched.size()) {
    size_t n = 0;
    while (at + n < prefetched.size() && prefetched[at + n].second == 0) ++n;
    ASSERT_GE(n, 1u) << at;
    ASSERT_LE(n, 8u) << at;
    ASSERT_LE(at + 2 * n, prefetched.size());
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(prefetched[at + n + i].first, prefetched[at + i].first) << at;
      ASSERT_EQ(prefetched[at + n + i].second, 1) << at;
      ASSERT_TRUE(set.contains(Key{uint64_t{prefetched[at + i].first} * 3}));
    }
    at += 2 * n;
    moved += n;
    ++batches;
    full += n == 8;
  }
  EXPECT_EQ(set.size(), 100'000u);
  EXPECT_GT(moved, 50'000u);
  EXPECT_GT(full * 10, batches * 9) << "entries were not moved 8 at a time";
}

TEST(IncrementalHashSetTest, AgreesWithAPlainSetUnderRandomOperations) {
  size_t calls = 0;
  Set set(CountingHash{&calls}, KeyEq{}, /*incremental_from=*/16);
  std::set<uint32_t> reference;
  std::mt19937 rng(7);
  for (int step = 0; step < 300'000; ++step) {
    uint32_t v = rng() % 50'000;
    Key key{uint64_t{v} * 3};
    switch (rng() % 8) {
      case 0:
      case 1:
      case 2:
      case 3:
        if (!reference.count(v)) {
          set.insert(v);
          reference.insert(v);
        }
        break;
      case 4:
      case 5: {
        std::optional<uint32_t> taken = set.Take(key);
        ASSERT_EQ(taken.has_value(), reference.erase(v) == 1) << step;
        if (taken) {
          ASSERT_EQ(*taken, v);
        }
        break;
      }
      case 6:
        ASSERT_EQ(set.Find(key).has_value(), reference.count(v) == 1) << step;
        break;
      case 7:
        if (step % 5000 == 7) {  // rare, like TRIGGER.DEL: drop one residue class
          uint32_t r = rng() % 7;
          size_t n = set.EraseIf([&](uint32_t e) { return e % 7 == r; });
          size_t m = std::erase_if(reference, [&](uint32_t e) { return e % 7 == r; });
          ASSERT_EQ(n, m);
        }
        break;
    }
    ASSERT_EQ(set.size(), reference.size()) << step;
  }
  std::set<uint32_t> seen;
  set.ForEach([&](uint32_t e) { EXPECT_TRUE(seen.insert(e).second) << "twice: " << e; });
  EXPECT_EQ(seen, reference);
  set.clear();
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.contains(Key{3}));
}

}  // namespace
}  // namespace kizuna::store
