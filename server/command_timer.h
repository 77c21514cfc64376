// CommandTimer: microseconds between two points, for timing every command (SLOWLOG,
// commandstats). Those two clock reads per command are on the hot path, and reading the x86
// time-stamp counter costs less than half of a clock_gettime (bench/RESULTS.md). So, as
// Redis's monotonic clock does, it reads the counter where the CPU says it ticks at a
// constant rate through sleep states (invariant TSC), scaled by a rate measured against
// steady_clock once at start-up; elsewhere it reads steady_clock.
#ifndef KIZUNA_SERVER_COMMAND_TIMER_H_
#define KIZUNA_SERVER_COMMAND_TIMER_H_

#include <cstdint>

namespace kizuna::server {

class CommandTimer {
 public:
  // Picks the source and measures the counter's rate (a ~2 ms busy wait with the counter).
  CommandTimer();

  // An opaque reading; only MicrosSince gives it a meaning.
  uint64_t Now() const;
  // Whole microseconds from `start` (a Now() reading) to now.
  int64_t MicrosSince(uint64_t start) const { return MicrosBetween(start, Now()); }
  // Whole microseconds between two Now() readings (0 if `end` is the earlier).
  int64_t MicrosBetween(uint64_t start, uint64_t end) const;
  bool uses_tsc() const { return ticks_per_us_ > 0; }

 private:
  double ticks_per_us_ = 0;  // 0: readings are steady_clock nanoseconds
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMAND_TIMER_H_
