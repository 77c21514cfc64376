// Resident memory per customer: RSS growth of this process while loading N customers
// (default 1,000,000) into a Store, each with ids of 14 bytes ("cust:100000042"), the three
// default categories and one view, one purchase (VALUE 10) and one visit under the issue's
// example rules. Prints RSS growth, the store's own estimate and both per customer.
//   store_memory [N]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/clock.h"
#include "store/store.h"

namespace {

long RssBytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kizuna::store;
  long n = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  constexpr TimeMs kT0 = 1'700'000'000'000;
  ManualClock clock(kT0);
  Store store(&clock);
  (void)store.SetRule({"view", "view", {}, {{"product", 3}, {"lifestyle", 5}}, {}});
  (void)store.SetRule(
      {"purchase", "purchase", {}, {{"product", 8}, {"lifestyle", 1}, {"lifestance", 1}}, {}});
  (void)store.SetRule({"visit", "visit", {}, {{"product", 5}}, {}});
  long before = RssBytes();
  std::string id;
  for (long i = 0; i < n; ++i) {
    id = "cust:" + std::to_string(100'000'000 + i);
    for (const char* action : {"view", "purchase", "visit"}) {
      EventInput in;
      in.customer = id;
      in.action = action;
      in.ts = kT0 - (i % 100000);
      if (action[0] == 'p') in.value = 10;
      (void)store.ApplyEvent(in, kT0);
    }
  }
  long after = RssBytes();
  StoreStats s = store.stats();
  std::printf(
      "customers=%zu rss_growth_bytes=%ld rss_per_customer=%.1f "
      "estimate_per_customer=%.1f\n",
      s.customers, after - before, static_cast<double>(after - before) / n,
      static_cast<double>(s.memory_bytes) / n);
  return 0;
}
