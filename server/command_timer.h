// CommandTimer: microseconds between two points, for timing every command (SLOWLOG,
// commandstats), and the wall-clock time at those points (the time a command sees). A reading
// per command is on the hot path, and reading the x86 time-stamp counter costs about half of a
// clock_gettime (bench/clock_bench). So, as Redis's monotonic clock does, it reads the counter
// where the CPU says it ticks at a constant rate through sleep states (invariant TSC), scaled
// by a rate measured against steady_clock once at start-up; elsewhere it reads steady_clock.
#ifndef KIZUNA_SERVER_COMMAND_TIMER_H_
#define KIZUNA_SERVER_COMMAND_TIMER_H_

#include <cstdint>

namespace kizuna::server {

class CommandTimer {
 public:
  // Picks the source and measures the counter's rate (a ~2 ms busy wait with the counter).
  CommandTimer();

  // An opaque reading; MicrosSince, MicrosBetween and WallMsAt give it a meaning.
  uint64_t Now() const;
  // Whole microseconds from `start` (a Now() reading) to now.
  int64_t MicrosSince(uint64_t start) const { return MicrosBetween(start, Now()); }
  // Whole microseconds between two Now() readings (0 if `end` is the earlier).
  int64_t MicrosBetween(uint64_t start, uint64_t end) const;
  bool uses_tsc() const { return ticks_per_us_ > 0; }

  // Wall-clock time (Unix milliseconds) at a reading just taken. The system clock is read
  // when its last read is a millisecond of readings old; in between, the time is that read
  // plus the reading's distance from it, scaled: off by microseconds at most, and a command
  // needs no clock_gettime of its own (~33 ns here). Never less than an earlier answer, even
  // when the system clock steps back.
  int64_t WallMsAt(uint64_t reading);

 private:
  double ticks_per_us_ = 0;            // 0: readings are steady_clock nanoseconds
  double ticks_per_ns_ = 1;            // the same rate per nanosecond (1 for steady_clock)
  uint64_t resync_ticks_ = 1'000'000;  // WallMsAt reads the system clock again after these
  uint64_t synced_reading_ = 0;        // the reading of the last system clock read
  int64_t synced_ns_ = -1;             // that read, in Unix nanoseconds; -1: none yet
  int64_t last_ms_ = 0;                // the last answer
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMAND_TIMER_H_
