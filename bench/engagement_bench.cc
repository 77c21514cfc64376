// Engagement costs in-process (issue 5 benchmarks):
//   - EVENT with no badges/segments/triggers vs with 10 of each (target: >= 0.8x the rate),
//     and with 10 of one kind alone (badges = 1, segments = 2, triggers = 4);
//   - memory per pending scenario timer with 10,000,000 pending (target <= 64 bytes), and
//     arm + cancel through the trigger engine;
//   - firing rate of due timers into the outbox (target >= 1,000,000/s).
//   build/bench/engagement_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store/clock.h"
#include "store/engagement.h"
#include "store/huge_pages.h"
#include "store/store.h"
#include "store/stream/outbox_writer.h"
#include "store/strings.h"
#include "store/triggers.h"

namespace kizuna::store {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;
constexpr TimeMs kDay = 86'400'000;

// Counts entries instead of storing them: the stream's own cost is measured with the stream.
class CountingOutbox : public OutboxSink {
 public:
  void Emit(const OutboxMessage& m) override { bytes += m.message.size(), ++entries; }
  uint64_t entries = 0, bytes = 0;
};

struct World {
  ManualClock clock{kT0};
  Store store{&clock};
  Engagement engagement{&store};
  Triggers triggers{&store, &engagement, kT0};
  CountingOutbox outbox;
  std::vector<std::string> ids;

  explicit World(int customers) {
    triggers.set_outbox(&outbox);
    (void)store.SetRule({"view", "view", {}, {{"product", 3}, {"lifestyle", 5}}, {}});
    (void)store.SetRule({"purchase", "purchase", {}, {{"product", 8}, {"lifestance", 1}}, {}});
    for (int i = 0; i < customers; ++i) ids.push_back(StrCat("cust:", 100'000'000 + i));
  }

  void Event(std::string_view id, std::string_view action, std::string_view item, TimeMs ts) {
    EventInput in;
    in.customer = id;
    in.action = action;
    in.item = item;
    in.ts = ts;
    (void)store.ApplyEvent(in, clock.NowMs());
  }

  // 10 badges, 10 segments and 10 triggers of the kinds the scenarios use; `kinds`
  // picks some of them (kBadges | kSegments | kTriggers).
  static constexpr int kBadges = 1, kSegments = 2, kTriggers = 4;
  static constexpr int kAll = kBadges | kSegments | kTriggers;
  void Define(int kinds = kAll) {
    for (int k = 0; k < 10; ++k) {
      std::string name = StrCat("b", k), n = StrCat(5 + k * 3);
      std::string pred = StrCat("count:view:product:", k, " >= ", 2 + k);
      if (kinds & kBadges) (void)engagement.SetBadge(name, {pred});
      std::string seg = StrCat("s", k), where = StrCat("product >= ", n, " AND lifestyle >= 1");
      if (kinds & kSegments) (void)engagement.SetSegment(seg, {where}, kT0);
      TriggerDefinition t;
      std::string tname = StrCat("t", k), item = StrCat("product:", k);
      t.name = tname;
      t.on = "view";
      t.item = item;
      t.delay_ms = kDay;
      t.unless_action = "purchase";
      t.message = "mail";
      if (kinds & kTriggers) (void)triggers.Set(t);
    }
  }
};

// EVENT over 100,000 customers, 20 items, 1 in 8 a purchase, with `kinds` defined (0 = none).
void RunEvents(benchmark::State& state, int kinds) {
  World w(100'000);
  if (kinds) w.Define(kinds);
  std::mt19937 rng(3);
  std::vector<std::string> items;
  for (int k = 0; k < 20; ++k) items.push_back(StrCat("product:", k));
  TimeMs ts = kT0;
  for (auto _ : state) {
    const std::string& id = w.ids[rng() % w.ids.size()];
    w.Event(id, (rng() % 8) ? "view" : "purchase", items[rng() % items.size()], ts);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["timers_pending"] = static_cast<double>(w.triggers.counts().pending);
}
void BM_Event(benchmark::State& state) { RunEvents(state, state.range(0) ? World::kAll : 0); }
BENCHMARK(BM_Event)->Arg(0)->Arg(10)->ArgName("definitions")->Unit(benchmark::kNanosecond);

// Where the 10/10/10 case's extra cost comes from: each kind of definition alone.
void BM_EventWithOneKind(benchmark::State& state) {
  RunEvents(state, static_cast<int>(state.range(0)));
}
BENCHMARK(BM_EventWithOneKind)
    ->Arg(World::kBadges)
    ->Arg(World::kSegments)
    ->Arg(World::kTriggers)
    ->ArgName("kind")
    ->Unit(benchmark::kNanosecond);

// 1,000,000 customers x 10 triggers = 10,000,000 pending timers.
void BM_PendingTimerMemory(benchmark::State& state) {
  for (auto _ : state) {
    World w(1'000'000);
    w.Define();
    // The slowest single EVENT while the timers pile up: the pending-timer index's growth
    // (a rehash of every entry) lands on one of them.
    double worst_ms = 0;
    for (const std::string& id : w.ids) {
      for (int k = 0; k < 10; ++k) {
        auto begin = std::chrono::steady_clock::now();
        w.Event(id, "view", StrCat("product:", k), kT0);
        worst_ms = std::max(worst_ms, std::chrono::duration<double, std::milli>(
                                          std::chrono::steady_clock::now() - begin)
                                          .count());
      }
    }
    state.counters["worst_event_ms"] = worst_ms;
    state.counters["timers"] = static_cast<double>(w.triggers.counts().pending);
    state.counters["bytes_per_timer"] = static_cast<double>(w.triggers.memory_bytes()) /
                                        static_cast<double>(w.triggers.counts().pending);
    // Firing all of them into the outbox stream itself (trimmed to outbox-maxlen's default
    // 1,000,000 as the server does), in 1,000-timer slices as the server does.
    OutboxWriter writer(&w.store.outbox());
    w.store.outbox().set_max_len(1'000'000);
    w.triggers.set_outbox(&writer);
    auto start = std::chrono::steady_clock::now();
    bool done = false;
    while (!done) w.triggers.Fire(kT0 + kDay, 1000, 0, &done);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.counters["fired_per_s"] = static_cast<double>(w.triggers.counts().sent) / secs;
  }
}
BENCHMARK(BM_PendingTimerMemory)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace kizuna::store
