// CustomerTable::Candidates, the lookup ahead of time that pipelined commands use: it must
// name the customer an id belongs to (among at most a few candidates), through a growing
// table (both tables while an incremental move is under way), without reading ids.
#include "store/customer_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace kizuna::store {
namespace {

TEST(CustomerTableTest, CandidatesNameTheCustomerOfAnId) {
  CustomerTable table;
  constexpr int kN = 200'000;  // past 2^16 slots: incremental moves happen on the way
  size_t candidates = 0;
  for (int i = 0; i < kN; ++i) {
    std::string id = "cust:" + std::to_string(100000000 + i * 7);
    CustomerIndex c = table.Insert(id);
    CustomerIndex out[64];
    size_t n = table.Candidates(HashedId::Of(id), out, 64);
    ASSERT_TRUE(std::find(out, out + n, c) != out + n) << id;
    candidates += n;
  }
  // Mostly the customer alone: another id's slot matches its 7 hash bits 1 time in 128, and a
  // probe looks at a group of 16 slots or two (measured: ~10% extra).
  EXPECT_LT(candidates, kN + kN / 4);
  // Unknown ids: a candidate only on a 7-bit hash collision in the probed groups (~13%).
  size_t false_candidates = 0;
  for (int i = 0; i < 10'000; ++i) {
    CustomerIndex out[4];
    false_candidates += table.Candidates(HashedId::Of("other:" + std::to_string(i)), out, 4);
  }
  EXPECT_LT(false_candidates, 3'000u);
  EXPECT_EQ(table.Find("cust:100000007"), CustomerIndex{1});
}

}  // namespace
}  // namespace kizuna::store
