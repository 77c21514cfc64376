// CountTree against a sorted multiset, and Insight's maintained and selected figures (RFM
// ranks, STATS purchase figures and percentiles, revenue bands, LOOKALIKE) against naive
// recomputations from the customers, under random events, deletions and decay.
#include "store/insight.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "store/count_tree.h"
#include "tests/store/store_test_util.h"

namespace kizuna::store {
namespace {

TEST(CountTreeTest, MatchesASortedMultiset) {
  CountTree<int64_t> tree;
  std::multiset<int64_t> ref;
  std::mt19937 rng(3);
  for (int step = 0; step < 60000; ++step) {
    // Mostly adds at first, then mostly removes, so blocks split and empty out again.
    bool add = ref.empty() || rng() % 100 < (step < 30000 ? 70u : 30u);
    if (add) {
      int64_t k = static_cast<int64_t>(rng() % 5000) - 2500;
      tree.Add(k);
      ref.insert(k);
    } else {
      auto it = ref.begin();
      std::advance(it, rng() % ref.size());
      tree.Remove(*it);
      ref.erase(it);
    }
    if (step % 97 == 0) {
      ASSERT_EQ(tree.size(), ref.size());
      for (int64_t x : {int64_t{-3000}, int64_t{-2500}, int64_t{0}, int64_t{17}, int64_t{2499},
                        int64_t{4000}, static_cast<int64_t>(rng() % 5000) - 2500}) {
        auto expect = static_cast<uint64_t>(std::distance(ref.begin(), ref.lower_bound(x)));
        ASSERT_EQ(tree.CountLess(x), expect) << "step " << step << " x " << x;
      }
    }
  }
  std::map<int64_t, uint64_t> counts;
  for (int64_t k : ref) ++counts[k];
  std::map<int64_t, uint64_t> seen;
  tree.ForEach([&](int64_t k, uint32_t n) { seen[k] = n; });
  EXPECT_EQ(seen, counts);
}

TEST(CountTreeTest, EmptyAndSingleKey) {
  CountTree<double> tree;
  EXPECT_EQ(tree.CountLess(1.0), 0u);
  tree.Add(10);
  tree.Add(10);
  EXPECT_EQ(tree.CountLess(10), 0u);
  EXPECT_EQ(tree.CountLess(10.5), 2u);
  tree.Remove(10);
  tree.Remove(10);
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.CountLess(11), 0u);
  tree.Add(-1);
  EXPECT_EQ(tree.CountLess(0), 1u);
}

class InsightTest : public StoreFixture {
 protected:
  InsightTest() : insight_(&store_) {}

  // Random traffic: views, visits and purchases (some fractional, some out of order) for
  // `n` customers over ~60 days, a few deletions.
  void Traffic(int n, int events, unsigned seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < events; ++i) {
      std::string id = "c" + std::to_string(rng() % n);
      const char* actions[] = {"view", "visit", "purchase"};
      const char* action = actions[rng() % 3];
      std::optional<double> value;
      if (rng() % 2) value = (rng() % 4 == 0) ? 0.25 * (rng() % 400) : double(rng() % 90);
      clock_.Set(clock_.NowMs() + static_cast<TimeMs>(rng() % (3 * 3600 * 1000)));
      TimeMs ts = clock_.NowMs() - static_cast<TimeMs>(rng() % (5 * kDayMs));
      Event(id, action, ts, std::nullopt, value);
      if (rng() % 50 == 0) store_.DeleteCustomer("c" + std::to_string(rng() % n));
    }
  }

  // RFM by its definition: a scan over every buyer.
  std::optional<RfmFigures> NaiveRfm(CustomerIndex c) {
    TimeMs now = clock_.NowMs();
    CustomerRecord mine, r;
    store_.ReadRecord(c, &mine);
    if (mine.frequency == 0) return std::nullopt;
    int64_t days = DayOf(now - mine.last_purchase);
    uint64_t b = 0, wr = 0, wf = 0, wm = 0;
    for (CustomerIndex o : store_.Customers()) {
      store_.ReadRecord(o, &r);
      if (r.frequency == 0) continue;
      ++b;
      wr += DayOf(now - r.last_purchase) > days;
      wf += r.frequency < mine.frequency;
      wm += r.monetary < mine.monetary;
    }
    auto q = [&](uint64_t w) { return static_cast<int>(std::min<uint64_t>(5, 1 + 5 * w / b)); };
    return RfmFigures{q(wr), q(wf), q(wm), days, mine.frequency, mine.monetary};
  }

  Insight insight_;
};

TEST_F(InsightTest, RfmAndPurchaseFiguresMatchAScan) {
  DefaultRules();
  Traffic(300, 6000, 1);
  ASSERT_GT(store_.customer_count(), 200u);
  uint64_t buyers = 0, purchases = 0;
  std::array<uint64_t, 5> funnel{};
  CustomerRecord r;
  for (CustomerIndex c : store_.Customers()) {
    auto got = insight_.Rfm(c, clock_.NowMs());
    auto want = NaiveRfm(c);
    ASSERT_EQ(got.has_value(), want.has_value());
    if (want) {
      EXPECT_EQ(std::tie(got->r, got->f, got->m, got->recency_days, got->frequency),
                std::tie(want->r, want->f, want->m, want->recency_days, want->frequency));
      EXPECT_EQ(got->monetary, want->monetary);
    }
    store_.ReadRecord(c, &r);
    buyers += r.frequency > 0;
    purchases += r.frequency;
    for (uint64_t f = 1; f <= 5; ++f) funnel[f - 1] += r.frequency >= f;
  }
  StatsSummary s = insight_.Summary(clock_.NowMs());
  EXPECT_EQ(s.buyers, buyers);
  EXPECT_EQ(s.purchases, purchases);
  EXPECT_EQ(s.funnel, funnel);
  // Recency moves with the clock alone.
  clock_.Set(clock_.NowMs() + 40 * kDayMs);
  for (CustomerIndex c : store_.Customers()) {
    auto got = insight_.Rfm(c, clock_.NowMs());
    auto want = NaiveRfm(c);
    ASSERT_EQ(got.has_value(), want.has_value());
    if (want) {
      ASSERT_EQ(got->r, want->r);
    }
  }
  store_.FlushAll();
  EXPECT_EQ(insight_.Summary(clock_.NowMs()).buyers, 0u);
}

TEST_F(InsightTest, PercentilesAndRevenueBandsMatchAFullSort) {
  DefaultRules();
  ASSERT_TRUE(store_.SetCategory("lifestyle", 7 * kDayMs, clock_.NowMs()).ok());
  Traffic(500, 5000, 2);
  TimeMs now = clock_.NowMs();
  std::vector<CustomerIndex> all = store_.Customers();
  const size_t n = all.size();
  StatsSummary s = insight_.Summary(now);
  for (int k = 0; k <= 3; ++k) {
    int cat = k == 3 ? kTotal : k;
    std::vector<double> v;
    for (CustomerIndex c : all) v.push_back(store_.Score(c, cat, now));
    std::sort(v.begin(), v.end());
    auto at = [&](int p) { return v[(p * n + 99) / 100 - 1]; };
    const ScoreSummary& got = s.scores[static_cast<size_t>(k)].second;
    EXPECT_EQ(got.p50, at(50));
    EXPECT_EQ(got.p90, at(90));
    EXPECT_EQ(got.p99, at(99));
    EXPECT_EQ(got.max, v.back());

    // Bands: sorted by (score, id), cut at floor(i·N/10).
    std::vector<CustomerIndex> sorted = all;
    std::sort(sorted.begin(), sorted.end(), [&](CustomerIndex a, CustomerIndex b) {
      double x = store_.Score(a, cat, now), y = store_.Score(b, cat, now);
      return x != y ? x < y : store_.CustomerId(a) < store_.CustomerId(b);
    });
    auto bands = insight_.Revenue(cat, 10, now);
    ASSERT_EQ(bands.size(), 10u);
    CustomerRecord r;
    for (size_t i = 0; i < 10; ++i) {
      size_t from = i * n / 10, to = (i + 1) * n / 10;
      uint64_t buyers = 0;
      double revenue = 0;
      for (size_t j = from; j < to; ++j) {
        store_.ReadRecord(sorted[j], &r);
        buyers += r.frequency > 0;
        revenue += r.monetary;
      }
      EXPECT_EQ(bands[i].customers, to - from);
      EXPECT_EQ(bands[i].buyers, buyers) << "band " << i;
      EXPECT_DOUBLE_EQ(bands[i].revenue, revenue) << "band " << i;
      EXPECT_EQ(bands[i].low, store_.Score(sorted[from], cat, now));
      EXPECT_EQ(bands[i].high, store_.Score(sorted[to - 1], cat, now));
    }
  }
}

TEST_F(InsightTest, LookalikeKeepsTheBestAcrossBufferCuts) {
  DefaultRules();
  // Many exact ties (few distinct vectors) and more candidates than the buffer holds.
  for (int i = 0; i < 5000; ++i) {
    std::string id = "p" + std::to_string(i);
    for (int v = 0; v <= i % 4; ++v) Event(id, "view");
    if (i % 3 == 0) Event(id, "visit");
  }
  TimeMs now = clock_.NowMs();
  std::vector<CustomerIndex> seeds = {store_.FindCustomer("p7")};
  auto none = [](CustomerIndex) { return false; };
  auto got = insight_.Lookalike(seeds, 10, std::nullopt, none, now);
  ASSERT_TRUE(got);
  // Reference: every customer's cosine to the seed, sorted (similarity desc, id asc).
  std::vector<std::pair<double, std::string>> ref;
  auto vec = [&](CustomerIndex c) {
    std::vector<double> v;
    for (int k = 0; k < 3; ++k) v.push_back(store_.Score(c, k, now));
    return v;
  };
  std::vector<double> s = vec(seeds[0]);
  double sn = std::sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
  for (CustomerIndex c : store_.Customers()) {
    if (c == seeds[0]) continue;
    std::vector<double> v = vec(c);
    double vn = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    ref.emplace_back((v[0] * s[0] + v[1] * s[1] + v[2] * s[2]) / sn / vn,
                     std::string(store_.CustomerId(c)));
  }
  std::sort(ref.begin(), ref.end(), [](auto& a, auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  ASSERT_EQ(got->size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(store_.CustomerId((*got)[i].first), ref[i].second) << i;
    EXPECT_NEAR((*got)[i].second, ref[i].first, 1e-12);
  }
}

}  // namespace
}  // namespace kizuna::store
