// Decay: exact half-lives, out-of-order events, redefinition, mixed half-lives for total.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "store/store.h"
#include "tests/store/store_test_util.h"

namespace kizuna::store {
namespace {

constexpr int64_t kDay = kMsPerDay;

class DecayTest : public StoreFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.SetCategory("product", kDay, kT0).ok());
    DefaultRules();
  }
};

TEST_F(DecayTest, HalvesPerHalfLifeExactly) {
  Event("a", "view");  // product 3 (decays), lifestyle 5 (no decay)
  clock_.Set(kT0 + kDay);
  EXPECT_EQ(Score("a", "product"), 1.5);
  EXPECT_EQ(Score("a", "lifestyle"), 5);
  EXPECT_EQ(Score("a", "total"), 6.5);
  clock_.Set(kT0 + 3 * kDay);
  EXPECT_EQ(Score("a", "product"), 0.375);
}

TEST_F(DecayTest, LaterEventDecaysThenAdds) {
  Event("a", "view");
  clock_.Set(kT0 + kDay);
  EXPECT_EQ(Event("a", "visit"), 1.5 + 5 + 5);  // product 1.5 + 5, lifestyle 5
  EXPECT_EQ(Score("a", "product"), 6.5);
}

TEST_F(DecayTest, OutOfOrderEventAddsDecayedPoints) {
  clock_.Set(kT0 + 2 * kDay);
  Event("a", "visit", kT0 + 2 * kDay);  // ref = t0 + 2d
  Event("a", "visit", kT0);             // 2 half-lives old: adds 5/4
  EXPECT_EQ(Score("a", "product"), 6.25);
  CustomerView v;
  store_.ReadCustomer(store_.FindCustomer("a"), clock_.NowMs(), &v);
  EXPECT_EQ(v.first_seen, kT0);
  EXPECT_EQ(v.last_seen, kT0 + 2 * kDay);
}

TEST_F(DecayTest, FutureEventIsNotInflatedBeforeItsTime) {
  Event("a", "visit", kT0 + 5 * kMsPerMinute);
  EXPECT_EQ(Score("a", "product"), 5);
}

TEST_F(DecayTest, RedefinitionDecaysToNowUnderOldHalfLife) {
  Event("a", "visit");  // product 5 at t0
  clock_.Set(kT0 + kDay);
  ASSERT_TRUE(store_.SetCategory("product", 2 * kDay, clock_.NowMs()).ok());
  EXPECT_EQ(Score("a", "product"), 2.5);  // decayed under the old 1d
  clock_.Set(kT0 + 3 * kDay);
  EXPECT_EQ(Score("a", "product"), 1.25);                              // then under the new 2d
  ASSERT_TRUE(store_.SetCategory("product", 0, clock_.NowMs()).ok());  // NODECAY
  clock_.Set(kT0 + 30 * kDay);
  EXPECT_EQ(Score("a", "product"), 1.25);
  // An event older than the redefinition adds its points decayed to R under the new rules.
  ASSERT_TRUE(store_.SetCategory("product", kDay, clock_.NowMs()).ok());
  Event("b", "visit", clock_.NowMs() - kDay);
  EXPECT_EQ(Score("b", "product"), 2.5);
}

TEST_F(DecayTest, NewCategoryStartsAtZero) {
  Event("a", "view");
  ASSERT_TRUE(store_.SetCategory("loyalty", 7 * kDay, kT0).ok());
  EXPECT_EQ(Score("a", "loyalty"), 0);
  ASSERT_TRUE(store_.SetRule({"l", "view", {}, {{"loyalty", 2}}, {}}).ok());
  Event("a", "view");
  EXPECT_EQ(Score("a", "loyalty"), 2);
  EXPECT_EQ(store_.categories().size(), 4u);
}

TEST_F(DecayTest, CategoryValidation) {
  auto msg = [&](std::string_view n) {
    return std::string(store_.SetCategory(n, 0, kT0).message());
  };
  EXPECT_EQ(msg("total"), "ERR category name 'total' is reserved");
  EXPECT_EQ(msg("Bad"), "ERR invalid category name 'Bad' (expected [a-z0-9_-]{1,32})");
  EXPECT_EQ(msg(std::string(33, 'a')),
            "ERR invalid category name '" + std::string(33, 'a') + "' (expected [a-z0-9_-]{1,32})");
  for (int i = 3; i < 32; ++i)
    ASSERT_TRUE(store_.SetCategory("c" + std::to_string(i), 0, kT0).ok());
  EXPECT_EQ(msg("one-more"), "ERR too many categories (at most 32)");
  EXPECT_TRUE(store_.SetCategory("c5", kDay, kT0).ok());  // redefining is fine at 32
  EXPECT_EQ(store_.categories().size(), 32u);
}

// Leaderboards under decay with out-of-order events match a brute-force sort, for a
// decaying category and for total with mixed half-lives (the scan fallback).
TEST_F(DecayTest, LeaderboardsMatchBruteForce) {
  ASSERT_TRUE(store_.SetCategory("lifestance", 3 * kDay, kT0).ok());
  EXPECT_FALSE(store_.stats().total_indexed);
  std::mt19937 rng(5);
  const char* actions[] = {"view", "purchase", "visit"};
  for (int i = 0; i < 6000; ++i) {
    clock_.Set(clock_.NowMs() + rng() % 60000);
    TimeMs ts = clock_.NowMs() - static_cast<TimeMs>(rng() % (3 * kDay));
    Event("c" + std::to_string(rng() % 800), actions[rng() % 3], ts);
  }
  for (std::string cat : {"product", "lifestance", "total"}) {
    std::vector<std::pair<double, std::string>> all;
    for (int i = 0; i < 800; ++i) {
      std::string id = "c" + std::to_string(i);
      if (store_.FindCustomer(id) != kNoCustomer) all.emplace_back(-Score(id, cat), id);
    }
    std::sort(all.begin(), all.end());
    std::vector<std::string> top = Top(cat, 50);
    for (size_t i = 0; i < top.size(); ++i) {
      // Keys and reads round differently in the last bits: compare by value.
      EXPECT_NEAR(-all[i].first, Score(top[i], cat), 1e-9 * std::abs(all[i].first)) << cat;
    }
    for (size_t i = 0; i < all.size(); i += 53) {
      size_t r = Rank(all[i].second, cat);
      EXPECT_NEAR(-all[r].first, -all[i].first, 1e-9 * std::abs(all[i].first)) << cat;
    }
  }
}

TEST_F(DecayTest, EpochRebaseKeepsOrder) {
  ASSERT_TRUE(store_.SetCategory("product", 1000, kT0).ok());  // 1 s half-life
  Event("a", "visit", kT0);
  Event("b", "view", kT0);
  // 400 half-lives later: keys would overflow their headroom, so the epoch moves.
  clock_.Set(kT0 + 400'000);
  uint64_t before = store_.stats().rebases;
  Event("c", "view", clock_.NowMs());
  EXPECT_GT(store_.stats().rebases, before);
  EXPECT_EQ(Top("product", 3), (std::vector<std::string>{"c", "a", "b"}));
  Event("b", "visit", clock_.NowMs());
  EXPECT_EQ(Top("product", 3), (std::vector<std::string>{"b", "c", "a"}));
}

}  // namespace
}  // namespace kizuna::store
