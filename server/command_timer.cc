#include "server/command_timer.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace kizuna::server {
namespace {

using Steady = std::chrono::steady_clock;

uint64_t SteadyNanos() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
          .count());
}

#if defined(__x86_64__)
bool InvariantTsc() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000007) return false;
  __get_cpuid(0x80000007, &a, &b, &c, &d);
  return (d >> 8) & 1;  // CPUID.80000007H:EDX[8]
}
#endif

}  // namespace

CommandTimer::CommandTimer() {
#if defined(__x86_64__)
  if (!InvariantTsc()) return;
  auto start = Steady::now();
  uint64_t ticks_start = __rdtsc();
  while (Steady::now() - start < std::chrono::milliseconds(2)) {
  }
  uint64_t ticks = __rdtsc() - ticks_start;
  double us = std::chrono::duration<double, std::micro>(Steady::now() - start).count();
  if (ticks > 0 && us > 0) {
    ticks_per_us_ = static_cast<double>(ticks) / us;
    ticks_per_ns_ = ticks_per_us_ / 1000;
    resync_ticks_ = static_cast<uint64_t>(ticks_per_ns_ * 1'000'000);
  }
#endif
}

uint64_t CommandTimer::Now() const {
#if defined(__x86_64__)
  if (ticks_per_us_ > 0) return __rdtsc();
#endif
  return SteadyNanos();
}

int64_t CommandTimer::WallMsAt(uint64_t reading) {
  if (synced_ns_ < 0 || reading < synced_reading_ || reading - synced_reading_ >= resync_ticks_) {
    synced_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
    synced_reading_ = reading;
  }
  const auto ns = synced_ns_ + static_cast<int64_t>(static_cast<double>(reading - synced_reading_) /
                                                    ticks_per_ns_);
  last_ms_ = std::max(last_ms_, ns / 1'000'000);
  return last_ms_;
}

int64_t CommandTimer::MicrosBetween(uint64_t start, uint64_t end) const {
  if (end < start) return 0;
  if (ticks_per_us_ > 0)
    return static_cast<int64_t>(static_cast<double>(end - start) / ticks_per_us_);
  return static_cast<int64_t>((end - start) / 1000);
}

}  // namespace kizuna::server
