#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tests/store/store_test_util.h"

namespace kizuna::store {
namespace {

class StoreTest : public StoreFixture {};

TEST_F(StoreTest, IssueWorkedExample) {
  DefaultRules();
  EXPECT_EQ(Event("alice", "view"), 8);
  EXPECT_EQ(Event("alice", "purchase"), 18);
  EXPECT_EQ(Event("alice", "visit"), 23);
  EXPECT_EQ(Score("alice", "total"), 23);
  EXPECT_EQ(Score("alice", "product"), 16);
  EXPECT_EQ(Score("alice", "lifestyle"), 6);
  EXPECT_EQ(Score("alice", "lifestance"), 1);
  EXPECT_EQ(store_.customer_count(), 1u);
}

TEST_F(StoreTest, UnmatchedActionCreatesCustomerWithZeroScoresAndCounts) {
  EXPECT_EQ(Event("bob", "signup"), 0);
  CustomerView v;
  store_.ReadCustomer(store_.FindCustomer("bob"), kT0, &v);
  EXPECT_EQ(v.scores, (std::vector<double>{0, 0, 0}));
  ASSERT_EQ(v.counts.size(), 1u);
  EXPECT_EQ(v.counts[0].first, "signup");
  EXPECT_EQ(v.counts[0].second, 1u);
  EXPECT_FALSE(v.last_purchase);
}

TEST_F(StoreTest, CountersPurchaseFiguresAndSeenTimes) {
  DefaultRules();
  Event("c", "view", kT0 - 50);
  Event("c", "purchase", kT0 - 100, std::nullopt, 20.5);
  Event("c", "purchase", kT0 - 70, std::nullopt, 10);
  Event("c", "purchase", kT0 - 200);  // no VALUE: counts, adds no money
  CustomerView v;
  store_.ReadCustomer(store_.FindCustomer("c"), kT0, &v);
  EXPECT_EQ(v.first_seen, kT0 - 200);
  EXPECT_EQ(v.last_seen, kT0 - 50);
  EXPECT_EQ(v.frequency, 3u);
  EXPECT_EQ(v.monetary, 30.5);
  EXPECT_EQ(v.last_purchase, kT0 - 70);
  EXPECT_EQ(store_.ActionCount(store_.FindCustomer("c"), "purchase"), 3u);
  EXPECT_EQ(store_.ActionCount(store_.FindCustomer("c"), "view"), 1u);
}

TEST_F(StoreTest, PurchaseActionFollowsOptions) {
  StoreOptions o = store_.options();
  o.purchase_action = "order";
  store_.set_options(o);
  Event("c", "purchase", -1, std::nullopt, 5);
  Event("c", "order", -1, std::nullopt, 7);
  CustomerView v;
  store_.ReadCustomer(store_.FindCustomer("c"), kT0, &v);
  EXPECT_EQ(v.frequency, 1u);
  EXPECT_EQ(v.monetary, 7);
}

TEST_F(StoreTest, ExactPrefixAndPerRulesAdd) {
  ASSERT_TRUE(store_.SetRule({"a", "view", "product:*", {{"product", 1}}, {}}).ok());
  ASSERT_TRUE(store_.SetRule({"b", "view", "product:A", {{"product", 10}}, {}}).ok());
  ASSERT_TRUE(store_.SetRule({"c", "view", "*", {{"lifestyle", 2}}, {}}).ok());
  ASSERT_TRUE(store_.SetRule({"d", "purchase", {}, {{"product", 1}}, 100.0}).ok());
  ASSERT_TRUE(store_.SetRule({"e", "unsub", {}, {{"lifestance", -4}}, {}}).ok());
  EXPECT_EQ(Event("x", "view", -1, "product:A"), 13);
  EXPECT_EQ(Event("x", "view", -1, "product:B"), 16);
  EXPECT_EQ(Event("x", "view"), 18);                                 // only ITEM *
  EXPECT_EQ(Event("x", "purchase", -1, std::nullopt, 250.0), 20.5);  // 1 * 250/100
  EXPECT_EQ(Event("x", "purchase"), 20.5);  // PER without VALUE adds nothing
  EXPECT_EQ(Event("x", "unsub"), 16.5);
  EXPECT_EQ(Score("x", "lifestance"), -4);
}

TEST_F(StoreTest, RuleValidationLeavesRulesUntouched) {
  DefaultRules();
  auto err = [&](const RuleDefinition& d) { return std::string(store_.SetRule(d).message()); };
  EXPECT_EQ(err({"view", "view", {}, {{"nope", 1}}, {}}), "ERR unknown category 'nope'");
  EXPECT_EQ(err({"view", "view", "a*b", {{"product", 1}}, {}}),
            "ERR invalid item pattern 'a*b': '*' is allowed only at the end");
  EXPECT_EQ(err({"view", "view", {}, {{"product", 1}}, 0.0}), "ERR PER must be a positive number");
  EXPECT_EQ(err({"view", "view", {}, {{"product", 1}}, -2.0}), "ERR PER must be a positive number");
  EXPECT_EQ(err({"view", "a b", {}, {{"product", 1}}, {}}), "ERR invalid action 'a b'");
  const Rule* r = store_.GetRule("view");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->points.size(), 2u);
  EXPECT_EQ(r->points[0].second, 3);
  EXPECT_EQ(Event("a", "view"), 8);
}

TEST_F(StoreTest, EventValidationChangesNothing) {
  DefaultRules();
  Event("a", "view");
  EventInput in;
  in.customer = "a";
  in.action = "view";
  in.ts = kT0;
  auto check = [&](EventInput bad, std::string_view msg) {
    auto r = store_.ApplyEvent(bad, kT0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(std::string(r.status().message()), msg);
  };
  EventInput e = in;
  e.customer = "";
  check(e, "ERR invalid customer id (must be 1 to 256 bytes)");
  std::string big(257, 'x');
  e.customer = big;
  check(e, "ERR invalid customer id (must be 1 to 256 bytes)");
  e = in;
  e.action = "";
  check(e, "ERR invalid action ''");
  e = in;
  e.value = std::nan("");
  check(e, "ERR value is not a valid float");
  e = in;
  e.ts = -1;
  check(e, "ERR invalid timestamp");
  EXPECT_EQ(store_.customer_count(), 1u);
  EXPECT_EQ(Score("a", "total"), 8);
  EXPECT_EQ(store_.stats().events, 1u);
  EXPECT_EQ(store_.ActionCount(store_.FindCustomer("a"), "view"), 1u);
}

TEST_F(StoreTest, IdOf256BytesIsAccepted) {
  std::string id(256, 'z');
  Event(id, "view");
  EXPECT_NE(store_.FindCustomer(id), kNoCustomer);
}

TEST_F(StoreTest, DedupeWithinWindow) {
  DefaultRules();
  StoreOptions o = store_.options();
  o.dedupe_window_ms = 1000;
  store_.set_options(o);
  EXPECT_EQ(Event("a", "view", kT0, std::nullopt, std::nullopt, "e1"), 8);
  EXPECT_EQ(Event("a", "view", kT0 + 1000, std::nullopt, std::nullopt, "e1"), 8);  // |Δ| = w
  EXPECT_EQ(Event("a", "view", kT0 - 1000, std::nullopt, std::nullopt, "e1"), 8);
  EXPECT_EQ(Event("a", "view", kT0 + 1001, std::nullopt, std::nullopt, "e1"), 16);
  EXPECT_EQ(Event("b", "view", kT0, std::nullopt, std::nullopt, "e1"), 8);  // per customer
  EXPECT_EQ(Event("a", "visit", kT0, std::nullopt, std::nullopt, "e2"), 21);
  EXPECT_EQ(store_.stats().events_deduped, 2u);
  EXPECT_EQ(store_.ActionCount(store_.FindCustomer("a"), "view"), 2u);
  // CUSTOMER.DEL forgets the ids.
  EXPECT_TRUE(store_.DeleteCustomer("a"));
  EXPECT_EQ(Event("a", "view", kT0, std::nullopt, std::nullopt, "e1"), 8);
  EXPECT_EQ(store_.stats().dedupe_customers, 2u);
}

// dedupe-max-ids: a customer's ids beyond the bound push out the oldest (a re-sent old event
// counts again); raising the bound keeps every id, so re-sending a long history changes nothing.
TEST_F(StoreTest, DedupeRemembersMaxIdsPerCustomer) {
  DefaultRules();
  auto send_history = [&](const char* customer) {
    double total = 0;
    for (int i = 0; i < 40; ++i) {
      total = Event(customer, "view", kT0 + i, std::nullopt, std::nullopt, std::to_string(i));
    }
    return total;
  };
  EXPECT_EQ(store_.stats().dedupe_max_ids_per_customer, 16u);
  EXPECT_EQ(send_history("a"), 320);
  // Only the last 16 ids are remembered: 24..39 are duplicates, 0 counts again.
  EXPECT_EQ(Event("a", "view", kT0 + 24, std::nullopt, std::nullopt, "24"), 320);
  EXPECT_EQ(Event("a", "view", kT0 + 39, std::nullopt, std::nullopt, "39"), 320);
  EXPECT_EQ(Event("a", "view", kT0, std::nullopt, std::nullopt, "0"), 328);
  StoreOptions o = store_.options();
  o.dedupe_max_ids = 40;
  store_.set_options(o);
  EXPECT_EQ(store_.stats().dedupe_max_ids_per_customer, 40u);
  EXPECT_EQ(send_history("b"), 320);
  EXPECT_EQ(send_history("b"), 320);  // all 40 remembered: the re-run is a no-op
  EXPECT_EQ(store_.ActionCount(store_.FindCustomer("b"), "view"), 40u);
  // Lowering the bound keeps cycling through the rings already grown.
  o.dedupe_max_ids = 4;
  store_.set_options(o);
  EXPECT_EQ(Event("b", "view", kT0 + 100, std::nullopt, std::nullopt, "new"), 328);
  EXPECT_EQ(Event("b", "view", kT0 + 39, std::nullopt, std::nullopt, "39"), 328);
  EXPECT_EQ(Event("b", "view", kT0, std::nullopt, std::nullopt, "0"), 336);  // pushed out
}

TEST_F(StoreTest, DeleteCustomerAndIndexReuse) {
  DefaultRules();
  Event("a", "view");
  Event("b", "purchase");
  EXPECT_TRUE(store_.DeleteCustomer("a"));
  EXPECT_FALSE(store_.DeleteCustomer("a"));
  EXPECT_EQ(store_.FindCustomer("a"), kNoCustomer);
  EXPECT_EQ(store_.customer_count(), 1u);
  Event("c", "visit");  // reuses a's index, starts from zero
  EXPECT_EQ(Score("c", "total"), 5);
  CustomerView v;
  store_.ReadCustomer(store_.FindCustomer("c"), kT0, &v);
  ASSERT_EQ(v.counts.size(), 1u);
  EXPECT_EQ(v.counts[0].first, "visit");
  EXPECT_EQ(Top("total", 10), (std::vector<std::string>{"b", "c"}));
}

TEST_F(StoreTest, LeaderboardsStayInOrderWhenANewIdShrinksTheSharedPrefix) {
  // Tie labels are the 8 id bytes after the prefix every id shares. An id without that
  // prefix relabels every customer; the leaderboards (unsorted blocks found by their cached
  // minimums) must keep routing, moving and ranking correctly afterwards.
  DefaultRules();
  std::mt19937 rng(5);
  const char* actions[] = {"view", "purchase", "visit"};
  std::vector<std::string> ids;
  for (int i = 0; i < 3000; ++i) {
    ids.push_back("customer:0000" + std::to_string(rng() % 1000000) + "#" + std::to_string(i));
    Event(ids.back(), actions[rng() % 3]);
  }
  ids.push_back("a-stranger");
  Event(ids.back(), "view");
  for (int i = 0; i < 6000; ++i) Event(ids[rng() % ids.size()], actions[rng() % 3]);
  for (const char* cat : {"product", "lifestyle", "total"}) {
    std::vector<std::string> expected = ids;
    std::sort(expected.begin(), expected.end(), [&](const std::string& a, const std::string& b) {
      double x = Score(a, cat), y = Score(b, cat);
      return x != y ? x > y : a < b;
    });
    ASSERT_EQ(Top(cat, ids.size()), expected) << cat;
    for (size_t i = 0; i < expected.size(); i += 97) ASSERT_EQ(Rank(expected[i], cat), i) << cat;
  }
}

TEST_F(StoreTest, FlushAllKeepsDefinitions) {
  DefaultRules();
  for (int i = 0; i < 100; ++i) Event("c" + std::to_string(i), "view");
  store_.FlushAll();
  EXPECT_EQ(store_.customer_count(), 0u);
  EXPECT_TRUE(Top("total", 5).empty());
  EXPECT_EQ(store_.rules().size(), 3u);
  EXPECT_EQ(store_.stats().events, 0u);
  EXPECT_EQ(Event("c1", "view"), 8);
}

TEST_F(StoreTest, TopAndRankTieBreakById) {
  DefaultRules();
  Event("b", "view");
  Event("a", "view");
  Event("c", "visit");
  Event("d", "signup");
  EXPECT_EQ(Top("total", 10), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(Top("product", 10), (std::vector<std::string>{"c", "a", "b", "d"}));
  EXPECT_EQ(Top("lifestance", 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Rank("c", "product"), 0u);
  EXPECT_EQ(Rank("b", "total"), 1u);
  EXPECT_EQ(Rank("d", "lifestyle"), 3u);
  EXPECT_TRUE(Top("total", 0).empty());
}

// Random events against a brute-force reference: leaderboard and ranks agree.
TEST_F(StoreTest, TopAndRankMatchBruteForce) {
  DefaultRules();
  ASSERT_TRUE(store_.SetRule({"neg", "unsub", {}, {{"lifestyle", -7}}, {}}).ok());
  std::mt19937 rng(42);
  const char* actions[] = {"view", "purchase", "visit", "unsub", "other"};
  for (int i = 0; i < 20000; ++i) {
    std::string id = "cust:" + std::to_string(rng() % 3000);
    Event(id, actions[rng() % 5]);
    if (rng() % 500 == 0) store_.DeleteCustomer(id);
  }
  for (std::string cat : {"product", "lifestyle", "total"}) {
    std::vector<std::pair<double, std::string>> all;
    for (int i = 0; i < 3000; ++i) {
      std::string id = "cust:" + std::to_string(i);
      if (store_.FindCustomer(id) == kNoCustomer) continue;
      all.emplace_back(-Score(id, cat), id);
    }
    std::sort(all.begin(), all.end());
    std::vector<std::string> expected;
    for (auto& [s, id] : all) expected.push_back(id);
    EXPECT_EQ(Top(cat, expected.size() + 5), expected) << cat;
    for (size_t i = 0; i < expected.size(); i += 41) EXPECT_EQ(Rank(expected[i], cat), i);
  }
}

TEST_F(StoreTest, TrackedPairCountsFromRulesWithExactItems) {
  ASSERT_TRUE(store_.SetRule({"r", "visit", "store:A", {{"product", 1}}, {}}).ok());
  Event("c", "visit", -1, "store:A");
  Event("c", "visit", -1, "store:A");
  Event("c", "visit", -1, "store:B");
  CustomerIndex c = store_.FindCustomer("c");
  EXPECT_EQ(store_.PairCount(c, "visit", "store:A"), 2u);
  EXPECT_EQ(store_.PairCount(c, "visit", "store:B"), 0u);  // not tracked
  EXPECT_EQ(store_.ActionCount(c, "visit"), 3u);
  EXPECT_EQ(store_.stats().tracked_pairs, 1u);
  // A second registration keeps the counter when the rule goes.
  ASSERT_TRUE(store_.TrackPair("visit", "store:A").ok());
  EXPECT_TRUE(store_.DeleteRule("r"));
  EXPECT_EQ(store_.PairCount(c, "visit", "store:A"), 2u);
  store_.UntrackPair("visit", "store:A");
  EXPECT_EQ(store_.PairCount(c, "visit", "store:A"), 0u);
  EXPECT_EQ(store_.stats().tracked_pairs, 0u);
}

struct RecordingObserver : StoreObserver {
  std::vector<std::string> seen;
  void OnEvent(const AppliedEvent& e) override {
    seen.push_back(std::string(e.input.action) + ":" + std::to_string(e.action_count) +
                   (e.created ? ":new" : ""));
  }
  void OnCustomerDeleted(CustomerIndex, std::string_view id) override {
    seen.push_back("del:" + std::string(id));
  }
};

TEST_F(StoreTest, ObserversSeeAppliedEventsOnly) {
  RecordingObserver obs;
  store_.AddObserver(&obs);
  Event("a", "view", -1, std::nullopt, std::nullopt, "x");
  Event("a", "view", -1, std::nullopt, std::nullopt, "x");  // deduped: not seen
  Event("a", "view");
  store_.DeleteCustomer("a");
  EXPECT_EQ(obs.seen, (std::vector<std::string>{"view:1:new", "view:2", "del:a"}));
}

TEST_F(StoreTest, ResolveCategory) {
  EXPECT_EQ(*store_.ResolveCategory("total"), kTotal);
  EXPECT_EQ(*store_.ResolveCategory("lifestyle"), 1);
  EXPECT_EQ(std::string(store_.ResolveCategory("foo").status().message()),
            "ERR unknown category 'foo'");
}

}  // namespace
}  // namespace kizuna::store
