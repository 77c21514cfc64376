// CommandTimer against steady_clock over the same interval: its scale (the time-stamp
// counter's rate measured at start-up) must be right to a few percent; and its wall-clock
// times against the system clock.
#include "server/command_timer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

namespace kizuna::server {
namespace {

TEST(CommandTimerTest, AgreesWithSteadyClock) {
  CommandTimer timer;
  for (int ms : {1, 20}) {
    auto start = std::chrono::steady_clock::now();
    uint64_t reading = timer.Now();
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(ms)) {
    }
    int64_t micros = timer.MicrosSince(reading);
    auto steady = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
    EXPECT_GE(micros, ms * 1000 * 97 / 100) << ms;
    EXPECT_LE(micros, steady * 103 / 100 + 2) << ms;
  }
}

TEST(CommandTimerTest, NeverNegative) {
  CommandTimer timer;
  EXPECT_EQ(timer.MicrosSince(timer.Now() + 1'000'000'000'000), 0);
}

int64_t SystemMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(CommandTimerTest, WallTimeAtAReadingFollowsTheSystemClock) {
  // Over 5 ms of readings (five system clock reads, and times scaled from readings between
  // them), each answer lies between the system clock just before and just after its reading
  // (a millisecond either way: a time scaled from the reading may fall across a boundary),
  // and none is less than the one before.
  CommandTimer timer;
  const int64_t first = SystemMs();
  int64_t last = 0;
  size_t answers = 0;
  while (SystemMs() - first < 5) {
    const int64_t before = SystemMs();
    const int64_t ms = timer.WallMsAt(timer.Now());
    const int64_t after = SystemMs();
    ASSERT_GE(ms, before - 1);
    ASSERT_LE(ms, after + 1);
    ASSERT_GE(ms, last);
    last = ms;
    ++answers;
  }
  EXPECT_GT(answers, 100u);
}

TEST(CommandTimerTest, WallTimeScalesReadingsAndNeverGoesBack) {
  // Between system clock reads a time is scaled from the reading: a reading 0.95-1 ms after
  // the read answers a millisecond later, unless the read fell in a millisecond's first 5%
  // (so in most of 20 rounds: a wrong scale answers the same millisecond in all of them). An
  // earlier reading after it must not answer less (each round fails without the hold when it
  // crossed). A fresh timer per round, so that no round's answer holds the next one back.
  int crossed = 0;
  for (int round = 0; round < 20; ++round) {
    CommandTimer timer;
    const uint64_t r = timer.Now();
    uint64_t lo = 0, hi = 1;
    while (timer.MicrosBetween(r, r + hi) < 1000) hi *= 2;
    while (true) {  // a distance of 950-999 µs, by bisection
      const uint64_t mid = lo + (hi - lo) / 2;
      const int64_t us = timer.MicrosBetween(r, r + mid);
      if (us >= 950 && us < 1000) {
        lo = mid;
        break;
      }
      (us < 950 ? lo : hi) = mid;
    }
    const int64_t synced = timer.WallMsAt(r);  // a system clock read
    const int64_t later = timer.WallMsAt(r + lo);
    EXPECT_GE(later, synced);
    EXPECT_LE(later, synced + 1);
    crossed += later == synced + 1;
    EXPECT_EQ(timer.WallMsAt(r + 1), later);
  }
  EXPECT_GE(crossed, 10);
}

#if defined(__x86_64__)
TEST(CommandTimerTest, UsesTheCounterWhenTheCpuSaysItIsInvariant) {
  // Linux shows CPUID's invariant-TSC bit as "nonstop_tsc".
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string text((std::istreambuf_iterator<char>(cpuinfo)), std::istreambuf_iterator<char>());
  if (text.empty()) GTEST_SKIP() << "no /proc/cpuinfo";
  EXPECT_EQ(CommandTimer().uses_tsc(), text.find(" nonstop_tsc") != std::string::npos);
}
#endif

}  // namespace
}  // namespace kizuna::server
