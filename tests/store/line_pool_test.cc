#include "store/line_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <vector>

namespace kizuna::store {
namespace {

TEST(LinePoolTest, BlocksOfEverySizeAreAlignedAndDisjointAcrossChunks) {
  // Start address -> end, for every block taken: more lines than one 2 MiB chunk holds, in
  // sizes whose sum does not divide it, so that a chunk's tail is handed out too.
  std::map<uintptr_t, uintptr_t> taken;
  std::vector<std::pair<void*, size_t>> blocks;
  for (int i = 0; i < 12000; ++i) {
    const size_t lines = 1 + (i * 5) % LinePool::kMaxLines;
    void* p = LinePool::Take(lines);
    const auto at = reinterpret_cast<uintptr_t>(p);
    ASSERT_EQ(at % 64, 0u);
    static_cast<char*>(p)[lines * LinePool::kLineBytes - 1] = 1;  // all of it is writable
    auto [it, fresh] = taken.emplace(at, at + lines * LinePool::kLineBytes);
    ASSERT_TRUE(fresh) << "block handed out twice";
    if (it != taken.begin()) {
      ASSERT_LE(std::prev(it)->second, at) << "overlaps the one before";
    }
    if (std::next(it) != taken.end()) {
      ASSERT_LE(it->second, std::next(it)->first);
    }
    blocks.emplace_back(p, lines);
  }
  for (auto [p, lines] : blocks) LinePool::Give(p, lines);
}

TEST(LinePoolTest, ReusesAFreedBlockOfTheSameSizeOnly) {
  // Five lines freed last: one free list for every size would hand them to the 3-line ask.
  void* three = LinePool::Take(3);
  void* five = LinePool::Take(5);
  LinePool::Give(three, 3);
  LinePool::Give(five, 5);
  EXPECT_EQ(LinePool::Take(3), three);
  EXPECT_EQ(LinePool::Take(5), five);
  LinePool::Give(three, 3);
  LinePool::Give(five, 5);
}

}  // namespace
}  // namespace kizuna::store
