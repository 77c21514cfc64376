// The EVENT hot path allocates nothing in the steady state: an existing customer's event, with
// badges, segments and triggers defined and Insight attached, counted with a replaced global
// operator new that only counts while a test asks it to. (Growth is allowed while customers,
// counters and timers are new; this checks the repeat traffic that dominates.) The counter
// is tests/allocation_counter.h.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/clock.h"
#include "store/engagement.h"
#include "store/insight.h"
#include "store/store.h"
#include "store/strings.h"
#include "store/triggers.h"
#include "tests/allocation_counter.h"

namespace kizuna::store {
namespace {

constexpr TimeMs kT0 = 1'700'000'000'000;

class NullOutbox : public OutboxSink {
 public:
  void Emit(const OutboxMessage&) override {}
};

TEST(EventAllocationTest, RepeatEventsOfKnownCustomersAllocateNothing) {
  ManualClock clock(kT0);
  Store store(&clock);
  Engagement engagement(&store);
  Triggers triggers(&store, &engagement, kT0);
  Insight insight(&store);
  NullOutbox outbox;
  triggers.set_outbox(&outbox);
  ASSERT_TRUE(store.SetRule({"view", "view", {}, {{"product", 3}, {"lifestyle", 5}}, {}}).ok());
  ASSERT_TRUE(store.SetRule({"buy", "purchase", {}, {{"product", 8}, {"lifestance", 1}}, {}}).ok());
  for (int k = 0; k < 10; ++k) {
    std::string badge = StrCat("b", k), pred = StrCat("count:view:product:", k, " >= ", 2 + k);
    ASSERT_TRUE(engagement.SetBadge(badge, {pred}).ok());
    std::string seg = StrCat("s", k),
                where = StrCat("product >= ", 5 + 3 * k, " AND lifestyle >= 1");
    ASSERT_TRUE(engagement.SetSegment(seg, {where}, kT0).ok());
    TriggerDefinition t;
    std::string name = StrCat("t", k), item = StrCat("product:", k);
    t.name = name;
    t.on = "view";
    t.item = item;
    t.delay_ms = 30ll * 86'400'000;  // stays pending: later views find it armed
    t.unless_action = "purchase";
    t.message = "mail";
    ASSERT_TRUE(triggers.Set(t).ok());
  }
  std::vector<std::string> ids, items;
  for (int i = 0; i < 200; ++i) ids.push_back(StrCat("cust:", 100'000'000 + i));
  for (int k = 0; k < 10; ++k) items.push_back(StrCat("product:", k));
  TimeMs ts = kT0;
  auto views = [&](int rounds) {
    for (int r = 0; r < rounds; ++r) {
      for (size_t i = 0; i < ids.size(); ++i) {
        EventInput in;
        in.customer = ids[i];
        in.action = "view";
        in.item = items[(i + static_cast<size_t>(r)) % items.size()];
        in.ts = ++ts;
        clock.Set(ts);
        ASSERT_TRUE(store.ApplyEvent(in, ts).ok());
      }
    }
  };
  // Warm-up: every customer, counter, badge, segment and pending timer comes into being.
  views(40);
  EXPECT_EQ(CountAllocations([&] { views(5); }), 0u) << "allocations during 1,000 repeat events";
}

}  // namespace
}  // namespace kizuna::store
