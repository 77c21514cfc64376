#include "store/persistence/state_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace kizuna::store {
namespace {

using Records = std::vector<std::pair<std::string, std::string>>;

StateOut::Sink Collect(Records* out) {
  return [out](std::string_view tag, std::string_view payload) { out->emplace_back(tag, payload); };
}

TEST(StateCodecTest, ValuesRoundTripExactly) {
  Records records;
  StateOut out(Collect(&records));
  out.Begin("t");
  out.U(0);
  out.U(UINT64_MAX);
  out.I(INT64_MIN);
  out.I(-1);
  out.I(INT64_MAX);
  out.D(-0.0);
  out.D(std::numeric_limits<double>::quiet_NaN());
  out.D(0.1);
  out.S("");
  out.S(std::string("a\0b", 3));
  out.EndItem();
  out.End();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].first, "t");
  StateIn in(records[0].second);
  uint64_t u;
  int64_t i;
  double d;
  std::string_view s;
  ASSERT_TRUE(in.U(&u) && u == 0);
  ASSERT_TRUE(in.U(&u) && u == UINT64_MAX);
  ASSERT_TRUE(in.I(&i) && i == INT64_MIN);
  ASSERT_TRUE(in.I(&i) && i == -1);
  ASSERT_TRUE(in.I(&i) && i == INT64_MAX);
  ASSERT_TRUE(in.D(&d) && d == 0 && std::signbit(d));
  ASSERT_TRUE(in.D(&d) && std::isnan(d));
  ASSERT_TRUE(in.D(&d) && d == 0.1);
  ASSERT_TRUE(in.S(&s) && s.empty());
  ASSERT_TRUE(in.S(&s) && s == std::string_view("a\0b", 3));
  EXPECT_TRUE(in.done() && in.ok());
}

TEST(StateCodecTest, SectionsSplitIntoRecordsBetweenItemsOnly) {
  Records records;
  StateOut out(Collect(&records));
  out.Begin("big");
  const std::string item(1000, 'x');
  for (int n = 0; n < 1000; ++n) {
    out.U(static_cast<uint64_t>(n));
    out.S(item);
    out.EndItem();
  }
  out.End();
  out.Begin("empty");
  out.End();  // an empty section still says it is there
  ASSERT_GT(records.size(), 3u);
  EXPECT_EQ(records.back(), (std::pair<std::string, std::string>{"empty", ""}));
  uint64_t next = 0;
  for (size_t r = 0; r + 1 < records.size(); ++r) {
    EXPECT_EQ(records[r].first, "big");
    EXPECT_LT(records[r].second.size(), StateOut::kChunkBytes + 2000);
    StateIn in(records[r].second);
    while (!in.done()) {
      uint64_t n;
      std::string_view s;
      ASSERT_TRUE(in.U(&n) && in.S(&s));
      EXPECT_EQ(n, next++);
      EXPECT_EQ(s, item);
    }
    EXPECT_TRUE(in.ok());
  }
  EXPECT_EQ(next, 1000u);
}

TEST(StateCodecTest, TruncatedOrOutOfRangeInputIsNotOk) {
  std::string payload;
  PutVarint(300, &payload);
  payload += "short";
  StateIn in(payload);
  std::string_view s;
  EXPECT_FALSE(in.S(&s));
  EXPECT_FALSE(in.ok());
  EXPECT_TRUE(in.done());

  std::string big;
  PutVarint(uint64_t{1} << 40, &big);
  StateIn in32(big);
  uint32_t v;
  EXPECT_FALSE(in32.U32(&v));
  EXPECT_FALSE(in32.ok());

  StateIn cut(std::string_view("\x80\x80", 2));  // a varint that never ends
  uint64_t u;
  EXPECT_FALSE(cut.U(&u));
  StateIn few(std::string_view("1234567", 7));
  double d;
  EXPECT_FALSE(few.D(&d));
}

}  // namespace
}  // namespace kizuna::store
