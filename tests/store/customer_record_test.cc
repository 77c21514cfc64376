#include "store/customer_record.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace kizuna::store {
namespace {

// Whole amounts are stored as varints, everything else as raw doubles: every value comes back
// bit for bit, and a typical purchaser fits in 16 bytes.
TEST(CustomerRecordTest, MonetaryRoundTripsExactly) {
  const double values[] = {0.0,
                           -0.0,
                           10.0,
                           -7.0,
                           120.5,
                           1e-9,
                           0x1p53 - 1,
                           -(0x1p53 - 1),
                           0x1p53,
                           -0x1p53,
                           1e300,
                           -1e300,
                           std::numeric_limits<double>::infinity(),
                           0x1p52 + 0.5,
                           3.0e15};
  RecordPool pool;
  for (double v : values) {
    CustomerRecord r;
    r.first_seen = 5;
    r.frequency = 1;
    r.monetary = v;
    r.last_purchase = 7;
    auto h = pool.Write(RecordPool::kNoRecord, 9, r);
    CustomerRecord back;
    pool.Read(h, 9, &back);
    EXPECT_EQ(std::memcmp(&back.monetary, &v, sizeof v), 0) << v;
    EXPECT_EQ(back.last_purchase, 7) << v;
  }
  EXPECT_LE(pool.live_bytes(), sizeof(values) / sizeof(values[0]) * 24);
  // 3 action counters + a purchase of 10: one 16-byte block.
  RecordPool small;
  CustomerRecord r;
  r.frequency = 1;
  r.monetary = 10;
  for (uint32_t k : {0u, 1u, 2u}) r.Increment(k);
  small.Write(RecordPool::kNoRecord, 0, r);
  EXPECT_EQ(small.live_bytes(), 16u);
}

TEST(CustomerRecordTest, RoundTripsAndGrows) {
  RecordPool pool;
  CustomerRecord r;
  r.first_seen = 1000;
  r.frequency = 2;
  r.monetary = 120.5;
  r.last_purchase = 1500;
  r.Increment(3);
  r.Increment(1);
  r.Increment(3);
  r.Increment(kPairKeyBit | 7);
  auto h = pool.Write(RecordPool::kNoRecord, 2000, r);
  CustomerRecord back;
  pool.Read(h, 2000, &back);
  EXPECT_EQ(back.first_seen, 1000);
  EXPECT_EQ(back.frequency, 2u);
  EXPECT_EQ(back.monetary, 120.5);
  EXPECT_EQ(back.last_purchase, 1500);
  EXPECT_EQ(back.Count(3), 2u);
  EXPECT_EQ(back.Count(1), 1u);
  EXPECT_EQ(back.Count(kPairKeyBit | 7), 1u);
  EXPECT_EQ(back.Count(2), 0u);
  // Many counters move the record to a bigger block.
  for (uint32_t k = 10; k < 400; ++k) back.Increment(k);
  h = pool.Write(h, 2000, back);
  CustomerRecord again;
  pool.Read(h, 2000, &again);
  EXPECT_EQ(again.counters.size(), 393u);  // 3 + 390
  EXPECT_EQ(again.Count(399), 1u);
  EXPECT_TRUE(again.Remove(399));
  EXPECT_FALSE(again.Remove(399));
}

TEST(CustomerRecordTest, FreedBlocksAreReused) {
  RecordPool pool;
  CustomerRecord r;
  r.Increment(1);
  std::vector<RecordPool::Handle> hs;
  for (int i = 0; i < 1000; ++i) hs.push_back(pool.Write(RecordPool::kNoRecord, 5, r));
  size_t mem = pool.MemoryBytes();
  for (auto h : hs) pool.Free(h);
  for (int i = 0; i < 1000; ++i) pool.Write(RecordPool::kNoRecord, 5, r);
  EXPECT_EQ(pool.MemoryBytes(), mem);
}

}  // namespace
}  // namespace kizuna::store
