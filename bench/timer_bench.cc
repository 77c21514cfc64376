// TimerWheel costs with many timers pending: arm + cancel, and firing in order.
//   build/bench/timer_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "store/timer_wheel.h"

namespace kizuna::store {
namespace {

constexpr TimeMs kStart = 1'700'000'000'000;
constexpr TimeMs kDay = 24 * 3600 * 1000;

// `n` timers due at random times over the next 180 days, as scenario delays spread them.
void Fill(TimerWheel& wheel, size_t n, std::mt19937_64& rng) {
  for (size_t i = 0; i < n; ++i) {
    wheel.Arm(kStart + 1 + static_cast<TimeMs>(rng() % (180 * kDay)), i);
  }
}

void BM_ArmCancel(benchmark::State& state) {
  std::mt19937_64 rng(1);
  TimerWheel wheel(kStart);
  Fill(wheel, static_cast<size_t>(state.range(0)), rng);
  for (auto _ : state) {
    auto h = wheel.Arm(kStart + 1 + static_cast<TimeMs>(rng() % (180 * kDay)), 7);
    benchmark::DoNotOptimize(wheel.Cancel(h));
  }
  state.counters["bytes_per_timer"] =
      static_cast<double>(wheel.memory_bytes()) / static_cast<double>(wheel.size());
}
BENCHMARK(BM_ArmCancel)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kNanosecond);

// Fires everything in 1,000-timer slices, as the server's loop does; time per timer fired.
void BM_FireInOrder(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    std::mt19937_64 rng(2);
    TimerWheel wheel(kStart);
    Fill(wheel, n, rng);
    state.ResumeTiming();
    uint64_t sum = 0;
    while (
        !wheel.Advance(kStart + 181 * kDay, 1000, [&](TimerWheel::Fired f) { sum += f.payload; })) {
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_FireInOrder)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace kizuna::store
