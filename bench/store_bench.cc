// Scoring core benchmarks: rule matching, one EVENT applied in-process (to a known or a new
// customer), decay math, and TOP 10 / RANK over 1,000,000 customers. The 1M-customer store
// is built once (each customer gets view, purchase and visit under the example
// rules) and shared.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/clock.h"
#include "store/huge_pages.h"
#include "store/rules.h"
#include "store/store.h"

namespace kizuna::store {
namespace {

constexpr int kCustomers = 1'000'000;
constexpr TimeMs kT0 = 1'700'000'000'000;

std::string CustomerId(int i) { return "cust:" + std::to_string(100'000'000 + i); }  // 14 B

void DefaultRules(Store* s) {
  (void)s->SetRule({"view", "view", {}, {{"product", 3}, {"lifestyle", 5}}, {}});
  (void)s->SetRule(
      {"purchase", "purchase", {}, {{"product", 8}, {"lifestyle", 1}, {"lifestance", 1}}, {}});
  (void)s->SetRule({"visit", "visit", {}, {{"product", 5}}, {}});
}

struct World {
  ManualClock clock{kT0};
  Store store{&clock};
  std::vector<std::string> ids;
  World() {
    DefaultRules(&store);
    ids.reserve(kCustomers);
    std::mt19937 rng(1);
    const char* actions[] = {"view", "purchase", "visit"};
    for (int i = 0; i < kCustomers; ++i) {
      ids.push_back(CustomerId(i));
      for (const char* a : actions) {
        EventInput in;
        in.customer = ids.back();
        in.action = a;
        in.ts = kT0 - static_cast<TimeMs>(rng() % 1000000);
        (void)store.ApplyEvent(in, kT0);
      }
      // Spread scores so the leaderboards are not one big tie.
      for (unsigned extra = rng() % 4; extra > 0; --extra) {
        EventInput in;
        in.customer = ids.back();
        in.action = actions[rng() % 3];
        in.ts = kT0;
        (void)store.ApplyEvent(in, kT0);
      }
    }
  }
};

World& TheWorld() {
  static World* world = new World();
  return *world;
}

void BM_RuleMatch(benchmark::State& state) {
  ActionTable actions;
  RuleSet rules(&actions);
  // 50 actions, each with a catch-all rule, 20 exact-item rules and 3 prefix rules.
  for (int a = 0; a < 50; ++a) {
    std::string action = "action" + std::to_string(a);
    auto add = [&](std::string id, std::optional<std::string> item) {
      Rule r;
      r.id = std::move(id);
      r.action = action;
      if (item) r.item = *ItemPattern::Parse(*item);
      r.points = {{0, 1}};
      rules.Set(std::move(r));
    };
    add(action + ":all", std::nullopt);
    for (int i = 0; i < 20; ++i)
      add(action + ":e" + std::to_string(i), "product:" + std::to_string(i));
    add(action + ":p1", "product:*");
    add(action + ":p2", "page:*");
    add(action + ":p3", "product:1*");
  }
  ActionId id = actions.Find("action7");
  std::string_view item = "product:12";
  for (auto _ : state) {
    double sum = 0;
    actions.ForEachMatch(id, item, [&](const Rule& r) { sum += r.points[0].second; });
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_RuleMatch);

void BM_DecayFactor(benchmark::State& state) {
  int64_t elapsed = 123456789, halflife = 86400000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(elapsed);
    double f = std::exp2(-static_cast<double>(elapsed) / static_cast<double>(halflife));
    benchmark::DoNotOptimize(f);
    ++elapsed;
  }
}
BENCHMARK(BM_DecayFactor);

// One EVENT on a random existing customer of 1M (scores, 3 index updates, counters).
void BM_EventExistingCustomer(benchmark::State& state) {
  World& w = TheWorld();
  std::mt19937 rng(2);
  const char* actions[] = {"view", "purchase", "visit"};
  for (auto _ : state) {
    EventInput in;
    in.customer = w.ids[rng() % kCustomers];
    in.action = actions[rng() % 3];
    in.ts = kT0;
    auto r = w.store.ApplyEvent(in, kT0);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_EventExistingCustomer);

// EVENTs on random existing customers of 1M as the server runs a pipelined batch of `batch`
// commands (-P 16: 16): each looked up ahead by Session's lookahead (PrefetchCustomer at
// distances 3, 2, 1 of the commands behind it in the batch), so that its misses overlap.
// Arg 0: no prefetching, for comparison.
void BM_EventPipelined(benchmark::State& state) {
  World& w = TheWorld();
  const size_t batch = static_cast<size_t>(state.range(0));
  std::mt19937 rng(3);
  constexpr size_t kIds = 1 << 16;
  std::vector<HashedId> ids(kIds);
  for (HashedId& id : ids) id = HashedId::Of(w.ids[rng() % kCustomers]);
  size_t next = 0;
  for (auto _ : state) {
    const size_t first = next;
    const size_t n = std::max<size_t>(batch, 1);
    for (size_t i = 0; i < n; ++i) {
      for (size_t d = 1; d <= 3 && batch > 0 && i + d < n; ++d) {
        w.store.PrefetchCustomer(ids[(first + i + d) % kIds], d);
      }
      EventInput in;
      in.customer = ids[(first + i) % kIds].id;
      in.customer_hash = ids[(first + i) % kIds].hash;
      in.action = "view";
      in.ts = kT0;
      auto r = w.store.ApplyEvent(in, kT0);
      benchmark::DoNotOptimize(r);
    }
    next = (first + n) % kIds;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::max<size_t>(batch, 1)));
}
BENCHMARK(BM_EventPipelined)->Arg(0)->Arg(1)->Arg(16)->Arg(256)->ArgName("batch");

// One EVENT ("view") on a new customer, the store growing from empty to 1M: the customer
// table grows and every leaderboard takes an entry (blocks fill and split). Ids arrive in
// random order, as redis-benchmark's -r sends them.
void BM_EventNewCustomer(benchmark::State& state) {
  std::vector<std::string> ids;
  ids.reserve(kCustomers);
  for (int i = 0; i < kCustomers; ++i) ids.push_back(CustomerId(i));
  std::shuffle(ids.begin(), ids.end(), std::mt19937(3));
  ManualClock clock{kT0};
  Store store{&clock};
  DefaultRules(&store);
  size_t next = 0;
  for (auto _ : state) {
    EventInput in;
    in.customer = ids[next++];
    in.action = "view";
    in.ts = kT0;
    auto r = store.ApplyEvent(in, kT0);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_EventNewCustomer)->Iterations(kCustomers);

// Same with a decaying category (keys normalised to the epoch).
void BM_EventWithDecay(benchmark::State& state) {
  static World* w = [] {
    World* world = new World();
    (void)world->store.SetCategory("product", 7 * kMsPerDay, kT0);
    return world;
  }();
  std::mt19937 rng(3);
  for (auto _ : state) {
    EventInput in;
    in.customer = w->ids[rng() % kCustomers];
    in.action = "view";
    in.ts = kT0 - static_cast<TimeMs>(rng() % 1000000);
    auto r = w->store.ApplyEvent(in, kT0);
    benchmark::DoNotOptimize(r);
  }
  state.counters["customers"] = static_cast<double>(w->store.customer_count());
}
BENCHMARK(BM_EventWithDecay);

void BM_Top10(benchmark::State& state) {
  World& w = TheWorld();
  int cat = state.range(0) < 0 ? kTotal : static_cast<int>(state.range(0));
  std::vector<std::pair<CustomerIndex, double>> out;
  for (auto _ : state) {
    w.store.Top(cat, 10, kT0, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Top10)->Arg(0)->Arg(-1)->ArgName("category(-1=total)");

// Longer TOPs of the product board: each leaderboard block they reach is sorted on the way.
void BM_TopN(benchmark::State& state) {
  World& w = TheWorld();
  std::vector<std::pair<CustomerIndex, double>> out;
  for (auto _ : state) {
    w.store.Top(0, static_cast<size_t>(state.range(0)), kT0, &out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_TopN)->Arg(1000)->Arg(100000)->ArgName("n")->Unit(benchmark::kMicrosecond);

void BM_Rank(benchmark::State& state) {
  World& w = TheWorld();
  int cat = state.range(0) < 0 ? kTotal : static_cast<int>(state.range(0));
  std::mt19937 rng(4);
  for (auto _ : state) {
    CustomerIndex c = w.store.FindCustomer(w.ids[rng() % kCustomers]);
    benchmark::DoNotOptimize(w.store.Rank(c, cat, kT0));
  }
}
BENCHMARK(BM_Rank)->Arg(0)->Arg(-1)->ArgName("category(-1=total)");

// Why the large arrays are on huge pages: one dependent miss over 64 MiB (a random cyclic
// pointer chase through cache lines), on an array from AllocateLarge with huge pages at first
// touch (1) or 4 KiB pages (0). With 4 KiB pages each step is also a TLB miss, a page walk on a
// virtual machine.
void BM_DependentMiss(benchmark::State& state) {
  constexpr size_t kBytes = size_t{64} << 20, kLines = kBytes / 64;
  const HugePageMode mode = GetHugePageMode();
  SetHugePageMode(state.range(0) != 0 ? HugePageMode::kEager : HugePageMode::kNo);
  auto* lines = static_cast<uint64_t*>(AllocateLarge(kBytes));
  SetHugePageMode(mode);
  std::vector<uint32_t> order(kLines);
  for (size_t i = 0; i < kLines; ++i) order[i] = static_cast<uint32_t>(i);
  std::shuffle(order.begin(), order.end(), std::mt19937(1));
  for (size_t i = 0; i < kLines; ++i) lines[order[i] * 8] = order[(i + 1) % kLines];
  uint64_t at = order[0];
  for (auto _ : state) {
    at = lines[at * 8];
    benchmark::DoNotOptimize(at);
  }
  FreeLarge(lines, kBytes);
}
BENCHMARK(BM_DependentMiss)->Arg(0)->Arg(1)->ArgName("huge_pages");

}  // namespace
}  // namespace kizuna::store
