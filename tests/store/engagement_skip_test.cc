// Steps 6–7 evaluate only the badges and segments an event can have changed (EngagementIndex),
// and step 5 probes only the (trigger, customer) timers that may be pending. These tests pin
// that the skipping is exact: the cases where a skipped predicate or probe would have been
// wrong, each checked against a world that evaluates and probes everything on every event, and
// a randomised run of events, clock moves and (re)definitions compared step by step.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/clock.h"
#include "store/engagement.h"
#include "store/store.h"
#include "store/strings.h"
#include "store/triggers.h"
#include "tests/store/store_test_util.h"

namespace kizuna::store {
namespace {

constexpr int64_t kDay = kMsPerDay;

class Recorder : public OutboxSink {
 public:
  void Emit(const OutboxMessage& m) override {
    lines.push_back(StrCat(m.type, " ", m.name, " ", m.customer, " ", m.message, " ", m.due, " ",
                           m.fired, " ", m.late));
  }
  std::vector<std::string> lines;
};

// One store with engagement and triggers; `reference` evaluates every predicate every event.
struct World {
  explicit World(bool reference) {
    engagement.set_evaluate_all(reference);
    triggers.set_probe_all(reference);
    triggers.set_outbox(&outbox);
    for (auto [id, action, cat, points] : {std::tuple{"view", "view", "product", 3.0},
                                           {"like", "like", "lifestyle", 2.0},
                                           {"buy", "purchase", "lifestance", 4.0},
                                           {"visit", "visit", "product", -1.0}}) {
      EXPECT_TRUE(store.SetRule({id, action, {}, {{cat, points}}, {}}).ok());
    }
  }

  void Event(std::string_view customer, std::string_view action,
             std::optional<std::string_view> item = std::nullopt,
             std::optional<double> value = std::nullopt, TimeMs ts = -1, bool import = false) {
    EventInput in;
    in.customer = customer;
    in.action = action;
    in.item = item;
    in.value = value;
    in.ts = ts < 0 ? clock.NowMs() : ts;
    in.import = import;
    EXPECT_TRUE(store.ApplyEvent(in, clock.NowMs()).ok());
  }
  void Advance(int64_t ms) {
    clock.Set(clock.NowMs() + ms);
    bool done = false;
    while (!done) triggers.Fire(clock.NowMs(), 1000, 0, &done);
  }
  absl::Status Badge(std::string_view name, std::string_view predicate) {
    return engagement.SetBadge(name, {predicate});
  }
  absl::Status Segment(std::string_view name, std::string_view predicate) {
    return engagement.SetSegment(name, {predicate}, clock.NowMs());
  }

  // Everything steps 6–8 decide, for comparison between worlds.
  std::string State() const {
    std::string out;
    for (CustomerIndex c : store.Customers()) {
      StrAppend(&out, store.CustomerId(c), ":");
      for (auto [b, at] : engagement.CustomerBadges(c)) StrAppend(&out, " b=", b, "@", at);
      for (auto s : engagement.CustomerSegments(c)) StrAppend(&out, " s=", s);
      for (auto [t, due] : triggers.Pending(c)) StrAppend(&out, " t=", t, "@", due);
      out += "\n";
    }
    for (const auto& d : engagement.Badges()) StrAppend(&out, "badge ", d.name, " ", d.count, "\n");
    for (const auto& d : engagement.Segments()) StrAppend(&out, "seg ", d.name, " ", d.count, "\n");
    for (const std::string& line : outbox.lines) StrAppend(&out, line, "\n");
    return out;
  }

  ManualClock clock{kT0};
  Store store{&clock};
  Engagement engagement{&store};
  Triggers triggers{&store, &engagement, kT0};
  Recorder outbox;
};

// Runs `script` against a skipping world and a reference world and compares what they decided
// after every step; returns the skipping world for case-specific checks.
class SkipTest : public ::testing::Test {
 protected:
  template <typename F>
  void Both(F f) {
    f(fast_);
    f(reference_);
    ASSERT_EQ(fast_.State(), reference_.State()) << "step " << ++steps_;
  }
  std::vector<std::string> BadgesOf(std::string_view id) {
    std::vector<std::string> out;
    for (auto [b, at] : fast_.engagement.CustomerBadges(fast_.store.FindCustomer(id))) {
      out.emplace_back(b);
    }
    return out;
  }
  std::vector<std::string> SegmentsOf(std::string_view id) {
    std::vector<std::string> out;
    for (auto s : fast_.engagement.CustomerSegments(fast_.store.FindCustomer(id))) {
      out.emplace_back(s);
    }
    return out;
  }
  using Names = std::vector<std::string>;

  World fast_{false}, reference_{true};
  int steps_ = 0;
};

TEST_F(SkipTest, BadgeDefinedAfterTheCountsIsAwardedAtAnyNextEvent) {
  Both([](World& w) {
    w.Event("a", "view");
    w.Event("a", "view");
  });
  Both([](World& w) { ASSERT_TRUE(w.Badge("fan", "count:view >= 2").ok()); });
  EXPECT_EQ(BadgesOf("a"), Names{});
  Both([](World& w) { w.Event("a", "like"); });  // does not touch count:view
  EXPECT_EQ(BadgesOf("a"), Names{"fan"});
}

TEST_F(SkipTest, RedefinedBadgeIsReevaluatedAtAnyNextEvent) {
  Both([](World& w) {
    ASSERT_TRUE(w.Badge("fan", "count:view >= 5").ok());
    w.Event("a", "view");
    w.Event("a", "like");
    ASSERT_TRUE(w.Badge("fan", "count:view >= 1").ok());
    w.Event("a", "like");
  });
  EXPECT_EQ(BadgesOf("a"), Names{"fan"});
}

TEST_F(SkipTest, LessThanAndNotFlipWhenACounterGrows) {
  Both([](World& w) {
    ASSERT_TRUE(w.Segment("new", "count:view < 2").ok());
    ASSERT_TRUE(w.Segment("quiet", "NOT count:like >= 1").ok());
    ASSERT_TRUE(w.Segment("one", "count:view == 1").ok());
    w.Event("a", "view");
  });
  EXPECT_EQ(SegmentsOf("a"), (Names{"new", "quiet", "one"}));
  Both([](World& w) { w.Event("a", "like"); });
  EXPECT_EQ(SegmentsOf("a"), (Names{"new", "one"}));
  Both([](World& w) { w.Event("a", "view"); });
  EXPECT_EQ(SegmentsOf("a"), Names{});
}

TEST_F(SkipTest, SegmentOverADecayingCategoryChangesAtAnUnrelatedEvent) {
  Both([](World& w) {
    ASSERT_TRUE(w.store.SetCategory("product", kDay, w.clock.NowMs()).ok());
    ASSERT_TRUE(w.Segment("hot", "product >= 2").ok());
    ASSERT_TRUE(w.Segment("cold", "total < 2").ok());
    w.Event("a", "view");  // product 3
  });
  EXPECT_EQ(SegmentsOf("a"), Names{"hot"});
  Both([](World& w) {
    w.Advance(kDay);      // product 1.5
    w.Event("a", "foo");  // touches no score
  });
  EXPECT_EQ(SegmentsOf("a"), Names{"cold"});
}

TEST_F(SkipTest, RecencyChangesWithTimeAlone) {
  Both([](World& w) {
    ASSERT_TRUE(w.Segment("lapsed", "recency >= 2").ok());
    w.Event("a", "purchase");
    w.Advance(2 * kDay);
    w.Event("a", "foo");
  });
  EXPECT_EQ(SegmentsOf("a"), Names{"lapsed"});
}

TEST_F(SkipTest, HalfLifeChangesVoidWhatWasKnown) {
  // At the first event the badge fails on a frozen score; the score then decays while the
  // category has a half-life and freezes again lower: the badge must be looked at again.
  Both([](World& w) {
    ASSERT_TRUE(w.Badge("low", "product < 2").ok());
    w.Event("a", "view");  // product 3
    ASSERT_TRUE(w.store.SetCategory("product", kDay, w.clock.NowMs()).ok());
    w.Advance(2 * kDay);  // 0.75
    ASSERT_TRUE(w.store.SetCategory("product", 0, w.clock.NowMs()).ok());
    w.Event("a", "foo");
  });
  EXPECT_EQ(BadgesOf("a"), Names{"low"});
}

TEST_F(SkipTest, SegmentReadingABadgeEntersWhenTheBadgeIsAwarded) {
  Both([](World& w) {
    ASSERT_TRUE(w.Badge("fan", "count:view >= 2").ok());
    ASSERT_TRUE(w.Segment("fans", "badge:fan AND count:like < 1").ok());
    w.Event("a", "view");
    w.Event("a", "view");
  });
  EXPECT_EQ(SegmentsOf("a"), Names{"fans"});
}

TEST_F(SkipTest, BadgeReadingALaterBadgeSeesItAtTheNextEvent) {
  Both([](World& w) {
    ASSERT_TRUE(w.Badge("first", "count:view >= 1").ok());
    ASSERT_TRUE(w.Badge("second", "count:view >= 1").ok());
    ASSERT_TRUE(w.Badge("first", "badge:second").ok());  // slot 0 reads slot 1
    w.Event("a", "view");
  });
  EXPECT_EQ(BadgesOf("a"), Names{"second"});
  Both([](World& w) { w.Event("a", "foo"); });
  EXPECT_EQ(BadgesOf("a"), (Names{"second", "first"}));
}

TEST_F(SkipTest, SegmentOperandsFollowRechecksAndOrder) {
  Both([](World& w) {
    ASSERT_TRUE(w.store.SetCategory("product", kDay, w.clock.NowMs()).ok());
    ASSERT_TRUE(w.Segment("hot", "product >= 2").ok());
    ASSERT_TRUE(w.Segment("was_hot", "NOT segment:hot AND count:view >= 1").ok());
    ASSERT_TRUE(w.Badge("cooled", "segment:was_hot").ok());
    w.Event("a", "view");
    w.Advance(kDay);
    size_t cursor = 0;
    w.engagement.Recheck(w.clock.NowMs(), 100, &cursor);  // hot: out, was_hot not rechecked
    w.Event("a", "foo");                                  // was_hot: in; the badge next time
  });
  EXPECT_EQ(SegmentsOf("a"), Names{"was_hot"});
  EXPECT_EQ(BadgesOf("a"), Names{});
  Both([](World& w) { w.Event("a", "foo"); });
  EXPECT_EQ(BadgesOf("a"), Names{"cooled"});
}

TEST_F(SkipTest, PurchaseFiguresFollowThePurchaseAction) {
  Both([](World& w) {
    ASSERT_TRUE(w.Segment("big", "monetary > 10 AND frequency <= 2").ok());
    w.Event("a", "purchase", std::nullopt, 20);
    w.Event("a", "purchase", std::nullopt, -15);  // a refund
  });
  EXPECT_EQ(SegmentsOf("a"), Names{});
  Both([](World& w) {
    StoreOptions o = w.store.options();
    o.purchase_action = "order";
    w.store.set_options(o);
    w.Event("a", "order", std::nullopt, 10);
  });
  EXPECT_EQ(SegmentsOf("a"), Names{});  // frequency 3
}

// A member of a segment of only >= / > tests stays one while its operands grow, and is not
// re-evaluated then; negative points or a refund can still take it out.
TEST_F(SkipTest, GrowingSegmentsLeaveWhenAnOperandFalls) {
  Both([](World& w) {
    ASSERT_TRUE(w.Segment("keen", "product >= 3 AND count:view >= 1").ok());
    ASSERT_TRUE(w.Segment("any", "total > 2 OR count:like > 5").ok());
    ASSERT_TRUE(w.Segment("rich", "monetary >= 10").ok());
    w.Event("a", "view");
    w.Event("a", "purchase", std::nullopt, 20);
  });
  EXPECT_EQ(SegmentsOf("a"), (Names{"keen", "any", "rich"}));
  Both([](World& w) {
    w.Event("a", "view");                         // product 6
    w.Event("a", "purchase", std::nullopt, -15);  // monetary 5
  });
  EXPECT_EQ(SegmentsOf("a"), (Names{"keen", "any"}));
  Both([](World& w) {
    for (int i = 0; i < 4; ++i) w.Event("a", "visit");  // product 2 (-1 each)
  });
  EXPECT_EQ(SegmentsOf("a"), Names{"any"});  // product 2, lifestance 8
}

TEST_F(SkipTest, PairCounters) {
  Both([](World& w) {
    ASSERT_TRUE(w.Badge("shoe", "count:view:shoe >= 1").ok());
    ASSERT_TRUE(w.Segment("zero", "count:view:shoe == 0").ok());
    w.Event("a", "view", "hat");
  });
  EXPECT_EQ(SegmentsOf("a"), Names{"zero"});
  Both([](World& w) { w.Event("a", "view", "shoe"); });
  EXPECT_EQ(BadgesOf("a"), Names{"shoe"});
  EXPECT_EQ(SegmentsOf("a"), Names{});
}

// A new customer's first event evaluates only what it touched: the rest is what each
// definition makes of a customer whose every figure is zero.
TEST_F(SkipTest, NewCustomersStartFromZero) {
  Both([](World& w) {
    ASSERT_TRUE(w.Badge("newbie", "count:view < 1 AND frequency == 0").ok());
    ASSERT_TRUE(w.Segment("never_bought", "NOT frequency >= 1").ok());
    ASSERT_TRUE(w.Segment("unseen", "recency >= 0").ok());
    ASSERT_TRUE(w.Segment("poor", "monetary <= 0 AND total == 0").ok());
    w.Event("a", "foo");
    w.Event("b", "view");
    w.Event("c", "purchase", std::nullopt, 5);
  });
  EXPECT_EQ(BadgesOf("a"), Names{"newbie"});
  EXPECT_EQ(SegmentsOf("a"), (Names{"never_bought", "poor"}));
  EXPECT_EQ(BadgesOf("b"), Names{});
  EXPECT_EQ(SegmentsOf("b"), Names{"never_bought"});
  EXPECT_EQ(BadgesOf("c"), Names{});
  EXPECT_EQ(SegmentsOf("c"), Names{"unseen"});
}

TEST_F(SkipTest, ACustomerInADeletedOnesSlotKnowsNothing) {
  Both([](World& w) {
    ASSERT_TRUE(w.Segment("zero", "count:view == 0").ok());
    ASSERT_TRUE(w.Badge("none", "count:view < 1").ok());
    w.Event("a", "view");
    w.store.DeleteCustomer("a");
    w.Event("b", "foo");
  });
  EXPECT_EQ(SegmentsOf("b"), Names{"zero"});
  EXPECT_EQ(BadgesOf("b"), Names{"none"});
}

TEST_F(SkipTest, FirstAndIfTriggersSeeTheSameEngagement) {
  Both([](World& w) {
    ASSERT_TRUE(w.Badge("fan", "count:view >= 2").ok());
    ASSERT_TRUE(w.Segment("fans", "badge:fan").ok());
    TriggerDefinition first{.name = "first", .on = "view", .item = "shoe", .first = true};
    first.condition = {"NOT segment:fans"};
    first.delay_ms = kDay;
    first.message = "welcome";
    ASSERT_TRUE(w.triggers.Set(first).ok());
    TriggerDefinition iff{.name = "if", .on = "like"};
    iff.condition = {"badge:fan AND count:like < 3"};
    iff.message = "thanks";
    ASSERT_TRUE(w.triggers.Set(iff).ok());
    TriggerDefinition enter{.name = "enter", .source = TriggerDefinition::Source::kEnter};
    enter.on = "fans";
    enter.message = "hello";
    ASSERT_TRUE(w.triggers.Set(enter).ok());
    w.Event("a", "view", "shoe");
    w.Event("a", "like");
    w.Event("a", "view", "hat");
    w.Event("a", "like");
    w.Event("b", "view", "hat");
    w.Event("b", "view", "hat");
    w.Event("b", "view", "shoe");
    w.Advance(2 * kDay);
  });
  // Badges of a and b; a's FIRST (b was in `fans` by its first shoe), a's IF (its second like),
  // the entries of a and b.
  EXPECT_EQ(fast_.outbox.lines.size(), 6u) << fast_.State();
}

TEST_F(SkipTest, UnlessCancelsWhatWasArmedRefiredOrRedefined) {
  Both([](World& w) {
    for (int k = 0; k < 3; ++k) {
      std::string name = StrCat("t", k);  // the definition holds views
      TriggerDefinition t{.name = name, .on = k == 2 ? "like" : "view"};
      t.delay_ms = kDay;
      t.unless_action = "purchase";
      t.message = "m";
      ASSERT_TRUE(w.triggers.Set(t).ok());
    }
    w.Event("a", "view");      // t0, t1
    w.Event("b", "purchase");  // nothing pending for b
    w.Event("a", "purchase");  // cancels both
    w.Event("a", "view");
    w.Advance(2 * kDay);       // both fire
    w.Event("a", "like");      // t2
    w.Event("a", "purchase");  // cancels t2 only
    w.Event("a", "view");
    ASSERT_TRUE(w.triggers.Delete("t0"));
    TriggerDefinition again{.name = "t0", .on = "like"};
    again.delay_ms = kDay;
    again.unless_action = "purchase";
    again.message = "m";
    ASSERT_TRUE(w.triggers.Set(again).ok());  // reuses slot 0
    w.Event("a", "like");                     // t0 again, t2
    w.Event("a", "purchase");                 // cancels t0, t1 and t2
    w.Advance(2 * kDay);
  });
  EXPECT_EQ(fast_.triggers.counts().cancelled, 6u);
  EXPECT_EQ(fast_.triggers.counts().sent, 2u);
  EXPECT_EQ(fast_.triggers.counts().pending, 0u);
}

// Random events, clock moves, definitions and deletions: both worlds must decide the same.
TEST_F(SkipTest, RandomisedAgainstEvaluatingEverything) {
  const std::vector<std::string> predicates = {
      "count:view >= 2",
      "count:view:p1 >= 1 AND count:like < 3",
      "NOT count:visit >= 1",
      "count:view:p2 == 1 OR count:view:p1 != 2",
      "product >= 6",
      "product < 4 AND lifestyle <= 2",
      "total > 5",
      "lifestance >= 4 OR monetary < 0",
      "frequency >= 2",
      "recency < 1",
      "recency >= 1 AND frequency >= 1",
      "badge:b0",
      "NOT badge:b1 AND count:view >= 1",
      "segment:s0 OR count:like >= 2",
      "NOT segment:s1",
      "badge:b2 AND segment:s2",
      "product >= 6 OR monetary > 5",
      "count:view:p1 >= 2 AND lifestyle > 3",
  };
  const std::vector<std::string> actions = {"view", "like", "purchase", "visit", "other"};
  const std::vector<std::string> items = {"p1", "p2", "p3"};
  std::mt19937 rng(7);
  auto pick = [&](const auto& v) -> const auto& { return v[rng() % v.size()]; };
  for (int step = 0; step < 3000; ++step) {
    unsigned op = rng() % 100;
    std::string customer = StrCat("c", rng() % 12), name = StrCat(rng() % 2 ? "b" : "s", rng() % 4);
    const std::string& predicate = pick(predicates);
    std::string action = pick(actions), item = pick(items);
    bool with_item = rng() % 2, with_value = rng() % 2, old_ts = rng() % 8 == 0;
    double value = static_cast<double>(static_cast<int>(rng() % 40) - 10);
    int64_t ms = static_cast<int64_t>(rng() % (2 * kDay));
    int64_t halflife = rng() % 3 == 0 ? 0 : kDay;
    std::string category = pick(std::vector<std::string>{"product", "lifestyle", "lifestance"});
    std::string trigger_name = StrCat("t", rng() % 3);  // the definition holds views
    TriggerDefinition t{.name = trigger_name};
    std::string on = name, trigger_item = pick(std::vector<std::string>{"p1", "p2", "p*"});
    t.source = static_cast<TriggerDefinition::Source>(rng() % 3);
    if (t.source == TriggerDefinition::Source::kAction) on = pick(actions);
    t.on = on;
    if (rng() % 2) t.item = trigger_item;
    t.first = rng() % 3 == 0;
    std::vector<std::string_view> condition = {predicate};
    if (rng() % 2) t.condition = condition;
    t.delay_ms = rng() % 2 ? 0 : ms;
    if (rng() % 2) t.unless_action = pick(actions);
    if (t.unless_action && rng() % 2) t.unless_item = item;
    t.once = rng() % 4 == 0;
    t.message = "m";
    Both([&](World& w) {
      if (op < 62) {
        TimeMs ts = old_ts ? w.clock.NowMs() - kDay : -1;
        w.Event(customer, action, with_item ? std::optional<std::string_view>(item) : std::nullopt,
                with_value ? std::optional<double>(value) : std::nullopt, ts, op < 3);
      } else if (op < 70) {
        w.Advance(ms);
      } else if (op < 80) {
        (void)(name[0] == 'b' ? w.Badge(name, predicate) : w.Segment(name, predicate));
      } else if (op < 86) {
        (void)(op < 85 ? w.triggers.Set(t).ok() : w.triggers.Delete(t.name));
      } else if (op < 91) {
        (void)(name[0] == 'b' ? w.engagement.DeleteBadge(name) : w.engagement.DeleteSegment(name));
      } else if (op < 94) {
        ASSERT_TRUE(w.store.SetCategory(category, halflife, w.clock.NowMs()).ok());
      } else if (op < 97) {
        size_t cursor = 0;
        w.engagement.Recheck(w.clock.NowMs(), 1000, &cursor);
      } else if (op < 99) {
        w.store.DeleteCustomer(customer);
      } else {
        w.store.FlushAll();
      }
    });
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace kizuna::store
