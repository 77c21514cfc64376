// CommandTimer against steady_clock over the same interval: its scale (the time-stamp
// counter's rate measured at start-up) must be right to a few percent.
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
