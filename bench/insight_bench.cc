// Insight benchmarks over 1,000,000 customers and the 3 default categories (issue 6 targets:
// STATS, STATS.HISTOGRAM, STATS.REVENUE <= 50 ms; LOOKALIKE 100 <= 20 ms; RFM <= 1 ms).
// About a third of the customers buy (1..6 purchases of random value); everybody views and
// visits a random number of times, so scores, recency, frequency and monetary all spread.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "store/clock.h"
#include "store/count_tree.h"
#include "store/insight.h"
#include "store/store.h"

namespace kizuna::store {
namespace {

constexpr int kCustomers = 1'000'000;
constexpr TimeMs kT0 = 1'700'000'000'000;

struct World {
  ManualClock clock{kT0};
  Store store{&clock};
  Insight insight{&store};
  std::vector<CustomerIndex> seeds;
  CustomerIndex buyer = kNoCustomer;
  World() {
    (void)store.SetRule({"view", "view", {}, {{"product", 3}, {"lifestyle", 5}}, {}});
    (void)store.SetRule(
        {"purchase", "purchase", {}, {{"product", 8}, {"lifestyle", 1}, {"lifestance", 1}}, {}});
    (void)store.SetRule({"visit", "visit", {}, {{"product", 5}}, {}});
    std::mt19937 rng(6);
    for (int i = 0; i < kCustomers; ++i) {
      std::string id = "cust:" + std::to_string(100'000'000 + i);
      auto event = [&](const char* action, std::optional<double> value) {
        EventInput in;
        in.customer = id;
        in.action = action;
        in.value = value;
        in.ts = kT0 - static_cast<TimeMs>(rng() % (90 * kDayMs));
        (void)store.ApplyEvent(in, kT0);
      };
      for (unsigned n = 1 + rng() % 4; n > 0; --n) event("view", std::nullopt);
      for (unsigned n = rng() % 3; n > 0; --n) event("visit", std::nullopt);
      if (rng() % 3 == 0) {
        for (unsigned n = 1 + rng() % 6; n > 0; --n) event("purchase", 1.0 + rng() % 20000);
      }
    }
    for (int i = 0; i < 10; ++i)
      seeds.push_back(store.FindCustomer("cust:10000" + std::to_string(1000 + i)));
    for (int i = 0; buyer == kNoCustomer; ++i) {
      CustomerIndex c = store.FindCustomer("cust:" + std::to_string(100'000'000 + i));
      if (insight.Rfm(c, kT0)) buyer = c;
    }
  }
};

World& TheWorld() {
  static World* world = new World();
  return *world;
}

// The building blocks: one pass over the score matrix, one over the records' purchase figures.
void BM_ScanScores(benchmark::State& state) {
  World& w = TheWorld();
  for (auto _ : state) {
    double sum = 0;
    w.store.ForEachScores(kT0, [&](CustomerIndex, const double* v, uint64_t) { sum += v[0]; });
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_ScanScores)->Unit(benchmark::kMillisecond);

void BM_ScanRecords(benchmark::State& state) {
  World& w = TheWorld();
  CustomerRecord r;
  for (auto _ : state) {
    double sum = 0;
    for (size_t i = 0; i < w.store.customer_slots(); ++i) {
      w.store.ReadFigures(static_cast<CustomerIndex>(i), &r);
      sum += r.monetary;
    }
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_ScanRecords)->Unit(benchmark::kMillisecond);

void BM_Stats(benchmark::State& state) {
  World& w = TheWorld();
  for (auto _ : state) benchmark::DoNotOptimize(w.insight.Summary(kT0));
}
BENCHMARK(BM_Stats)->Unit(benchmark::kMillisecond);

// Arg: category index, -1 for total.
void BM_Histogram(benchmark::State& state) {
  World& w = TheWorld();
  int category = state.range(0) < 0 ? kTotal : static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(w.insight.Histogram(category, 10, kT0));
}
BENCHMARK(BM_Histogram)->Arg(0)->Arg(-1)->Unit(benchmark::kMillisecond);

void BM_Revenue(benchmark::State& state) {
  World& w = TheWorld();
  int category = state.range(0) < 0 ? kTotal : static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(w.insight.Revenue(category, 10, kT0));
}
BENCHMARK(BM_Revenue)->Arg(0)->Arg(-1)->Unit(benchmark::kMillisecond);

void BM_Lookalike100(benchmark::State& state) {
  World& w = TheWorld();
  auto none = [](CustomerIndex) { return false; };
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.insight.Lookalike(w.seeds, 100, std::nullopt, none, kT0));
  }
}
BENCHMARK(BM_Lookalike100)->Unit(benchmark::kMillisecond);

void BM_Rfm(benchmark::State& state) {
  World& w = TheWorld();
  for (auto _ : state) benchmark::DoNotOptimize(w.insight.Rfm(w.buyer, kT0));
}
BENCHMARK(BM_Rfm)->Unit(benchmark::kMicrosecond);

// What a purchase adds to EVENT for RFM: moving one buyer's figure in a CountTree (remove the
// old value, add the new), here with 1,000,000 distinct values; a purchase does it 3 times.
void BM_CountTreeMove(benchmark::State& state) {
  CountTree<int64_t> tree;
  std::mt19937_64 rng(1);
  std::vector<int64_t> keys(1'000'000);
  for (int64_t& k : keys) {
    k = static_cast<int64_t>(rng() % (int64_t{1} << 40));
    tree.Add(k);
  }
  size_t i = 0;
  for (auto _ : state) {
    int64_t& k = keys[i++ % keys.size()];
    tree.Remove(k);
    k += 1 + static_cast<int64_t>(rng() % 86'400'000);
    tree.Add(k);
  }
}
BENCHMARK(BM_CountTreeMove);

// EVENT in-process on a random one of the 1M customers, Insight attached: a view (Insight only
// counts it per day) against a purchase with a random VALUE (three CountTree moves for RFM).
// Run last: they add events to the world.
void BM_Event(benchmark::State& state) {
  World& w = TheWorld();
  std::mt19937 rng(9);
  std::string id;
  TimeMs ts = kT0;
  for (auto _ : state) {
    id = "cust:" + std::to_string(100'000'000 + rng() % kCustomers);
    EventInput in;
    in.customer = id;
    in.action = state.range(0) ? "purchase" : "view";
    if (state.range(0)) in.value = 1.0 + rng() % 20000;
    in.ts = ++ts;
    benchmark::DoNotOptimize(w.store.ApplyEvent(in, ts));
  }
}
BENCHMARK(BM_Event)->ArgName("purchase")->Arg(0)->Arg(1);

}  // namespace
}  // namespace kizuna::store
