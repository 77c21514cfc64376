#include "store/timer_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>
#include <vector>

namespace kizuna::store {
namespace {

constexpr TimeMs kDay = 24 * 3600 * 1000;

std::vector<uint64_t> FireAll(TimerWheel& wheel, TimeMs now) {
  std::vector<uint64_t> fired;
  EXPECT_TRUE(wheel.Advance(now, SIZE_MAX, [&](TimerWheel::Fired f) {
    EXPECT_LE(f.due, now);
    fired.push_back(f.payload);
  }));
  return fired;
}

TEST(TimerWheel, FiresInDueOrderThenArmOrder) {
  TimerWheel wheel(1000);
  wheel.Arm(1000 + 90 * kDay, 4);
  wheel.Arm(1005, 1);
  wheel.Arm(1000 + kDay, 3);
  wheel.Arm(1005, 2);
  EXPECT_EQ(wheel.next_wakeup(), 1005);
  EXPECT_TRUE(FireAll(wheel, 1004).empty());
  EXPECT_EQ(FireAll(wheel, 1005), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(FireAll(wheel, 1000 + 100 * kDay), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(wheel.size(), 0u);
  EXPECT_EQ(wheel.now(), 1000 + 100 * kDay);
  EXPECT_EQ(wheel.next_wakeup(), INT64_MAX);
}

TEST(TimerWheel, SameDueKeepsArmOrderAcrossLevels) {
  // The first timer waits in an outer level and comes down late; it still fires first.
  TimerWheel wheel(0);
  const TimeMs due = 3 * kDay + 12345;
  wheel.Arm(due, 1);
  EXPECT_TRUE(FireAll(wheel, due - 10).empty());
  wheel.Arm(due, 2);  // straight into level 0
  EXPECT_TRUE(FireAll(wheel, due - 1).empty());
  wheel.Arm(due, 3);
  EXPECT_EQ(FireAll(wheel, due), (std::vector<uint64_t>{1, 2, 3}));
}

TEST(TimerWheel, DueAtOrBeforeNowFiresAtNextAdvanceFirst) {
  TimerWheel wheel(5000);
  wheel.Arm(6000, 2);
  wheel.Arm(4000, 1);  // already due
  wheel.Arm(5000, 0);
  EXPECT_EQ(FireAll(wheel, 5000), (std::vector<uint64_t>{1, 0}));
  EXPECT_EQ(FireAll(wheel, 7000), (std::vector<uint64_t>{2}));
}

TEST(TimerWheel, CancelPendingReadyAndStaleHandles) {
  TimerWheel wheel(0);
  auto a = wheel.Arm(100, 1);
  auto b = wheel.Arm(100, 2);
  auto c = wheel.Arm(kDay, 3);
  EXPECT_TRUE(wheel.Cancel(c));
  EXPECT_FALSE(wheel.Cancel(c));
  TimeMs due;
  uint64_t payload;
  EXPECT_TRUE(wheel.Get(a, &due, &payload));
  EXPECT_EQ(due, 100);
  EXPECT_EQ(payload, 1u);
  // Stop after one firing: b waits in the ready heap, where it can still be cancelled.
  std::vector<uint64_t> fired;
  EXPECT_FALSE(wheel.Advance(200, 1, [&](TimerWheel::Fired f) { fired.push_back(f.payload); }));
  EXPECT_EQ(fired, (std::vector<uint64_t>{1}));
  EXPECT_FALSE(wheel.Cancel(a));  // already fired
  EXPECT_FALSE(wheel.Get(a, &due, &payload));
  EXPECT_TRUE(wheel.Cancel(b));
  EXPECT_TRUE(FireAll(wheel, 2 * kDay).empty());
  EXPECT_EQ(wheel.size(), 0u);
  // A reused node does not answer to the old handle.
  auto d = wheel.Arm(3 * kDay, 4);
  EXPECT_EQ(d.index, b.index);  // the most recently freed node
  EXPECT_FALSE(wheel.Cancel(b));
  EXPECT_TRUE(wheel.Get(d, &due, &payload));
}

TEST(TimerWheel, LimitBoundsEachPassAndKeepsOrder) {
  TimerWheel wheel(0);
  for (uint64_t i = 0; i < 10; ++i) wheel.Arm(static_cast<TimeMs>(50 - i), i);
  std::vector<uint64_t> fired;
  int passes = 0;
  while (!wheel.Advance(100, 3, [&](TimerWheel::Fired f) { fired.push_back(f.payload); })) {
    ++passes;
  }
  EXPECT_EQ(passes, 3);
  EXPECT_EQ(fired, (std::vector<uint64_t>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
}

TEST(TimerWheel, CallbackMayArmAndCancel) {
  TimerWheel wheel(0);
  TimerWheel::Handle victim = wheel.Arm(30, 99);
  wheel.Arm(10, 1);
  std::vector<uint64_t> fired;
  wheel.Advance(20, SIZE_MAX, [&](TimerWheel::Fired f) {
    fired.push_back(f.payload);
    if (f.payload == 1) {
      wheel.Arm(15, 2);  // due within this pass: fires in it
      wheel.Arm(25, 3);  // after `now`: waits
      wheel.Cancel(victim);
    }
  });
  EXPECT_EQ(fired, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(FireAll(wheel, 40), (std::vector<uint64_t>{3}));
}

TEST(TimerWheel, FarFutureAndOverflow) {
  TimerWheel wheel(0);
  const TimeMs far = TimeMs{1} << 46;  // beyond the outermost level: the overflow list
  wheel.Arm(far, 2);
  wheel.Arm(TimeMs{1} << 40, 1);
  EXPECT_TRUE(FireAll(wheel, far - 1).size() == 1);
  EXPECT_EQ(FireAll(wheel, far), (std::vector<uint64_t>{2}));
}

// Random arms, cancels and clock moves, checked against a sorted reference.
TEST(TimerWheel, MatchesReferenceUnderRandomUse) {
  std::mt19937_64 rng(42);
  TimeMs now = 1'700'000'000'000;
  TimerWheel wheel(now);
  std::map<std::pair<TimeMs, uint64_t>, uint64_t> pending;  // (due, arm order) -> payload
  std::vector<std::tuple<TimerWheel::Handle, TimeMs, uint64_t>> handles;
  uint64_t arm_order = 0, next_payload = 0;
  const TimeMs spans[] = {5, 300, 20'000, 3'600'000, 40 * kDay, 400 * kDay};
  for (int round = 0; round < 3000; ++round) {
    int arms = static_cast<int>(rng() % 8);
    for (int i = 0; i < arms; ++i) {
      TimeMs span = spans[rng() % std::size(spans)];
      TimeMs due = now - 2 + static_cast<TimeMs>(rng() % static_cast<uint64_t>(span));
      uint64_t payload = next_payload++;
      auto h = wheel.Arm(due, payload);
      pending[{due, arm_order++}] = payload;
      handles.emplace_back(h, due, arm_order - 1);
    }
    if (!handles.empty() && rng() % 3 == 0) {
      size_t pick = rng() % handles.size();
      auto [h, due, order] = handles[pick];
      bool was_pending = pending.erase({due, order}) > 0;
      EXPECT_EQ(wheel.Cancel(h), was_pending);
      handles.erase(handles.begin() + static_cast<long>(pick));
    }
    TimeMs step = spans[rng() % std::size(spans)] / (1 + static_cast<TimeMs>(rng() % 4));
    now += static_cast<TimeMs>(rng() % static_cast<uint64_t>(step + 1));
    std::vector<uint64_t> expected;
    while (!pending.empty() && pending.begin()->first.first <= now) {
      expected.push_back(pending.begin()->second);
      pending.erase(pending.begin());
    }
    if (!pending.empty()) {
      ASSERT_LE(wheel.next_wakeup(), pending.begin()->first.first);
    }
    ASSERT_EQ(FireAll(wheel, now), expected) << "round " << round;
    ASSERT_EQ(wheel.size(), pending.size());
  }
}

}  // namespace
}  // namespace kizuna::store
