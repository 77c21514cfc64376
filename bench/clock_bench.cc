// What a clock read costs on the request path: CommandTimer (the time-stamp counter where it
// is invariant) and the wall-clock time it scales from a reading, against the steady and
// system clocks (clock_gettime through the vDSO).
#include <benchmark/benchmark.h>

#include <chrono>

#include "server/command_timer.h"

namespace {

void BM_CommandTimerNow(benchmark::State& state) {
  kizuna::server::CommandTimer timer;
  for (auto _ : state) benchmark::DoNotOptimize(timer.Now());
  state.counters["tsc"] = timer.uses_tsc() ? 1 : 0;
}
BENCHMARK(BM_CommandTimerNow);

// The wall-clock time a command sees, from its start reading (one system clock read per
// millisecond of readings): what replaced a system_clock::now() per command.
void BM_CommandTimerWallMsAt(benchmark::State& state) {
  kizuna::server::CommandTimer timer;
  const uint64_t reading = timer.Now();
  uint64_t step = 0;
  for (auto _ : state) benchmark::DoNotOptimize(timer.WallMsAt(reading + step++));
}
BENCHMARK(BM_CommandTimerWallMsAt);

void BM_SteadyClockNow(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(std::chrono::steady_clock::now());
}
BENCHMARK(BM_SteadyClockNow);

void BM_SystemClockNow(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(std::chrono::system_clock::now());
}
BENCHMARK(BM_SystemClockNow);

}  // namespace
