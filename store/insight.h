// Insight (SPEC §2 "Insight"): STATS figures, score histograms, revenue by score band, daily
// series and RFM, computed exactly at the moment of the query.
//
// Kept as events arrive (an observer of the store): daily event and revenue counts, and every
// buyer's frequency, monetary and last purchase in CountTrees (memory per distinct value), so
// RFM ranks a buyer in O(log B) and STATS reads the purchase figures without a scan. Score
// figures are computed at the moment of the query by one sequential pass over the score
// matrix (Store::ForEachScores): selections (nth_element), never full sorts. Costs at
// 1,000,000 customers are in bench/RESULTS.md ("Insight").
#ifndef KIZUNA_STORE_INSIGHT_H_
#define KIZUNA_STORE_INSIGHT_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "store/count_tree.h"
#include "store/store.h"

namespace kizuna::store {

class StateOut;

inline constexpr TimeMs kDayMs = 24ll * 3600 * 1000;

struct ScoreSummary {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

struct StatsSummary {
  size_t customers = 0;
  uint64_t events = 0;
  std::vector<std::pair<std::string_view, uint64_t>> events_by_action;
  // Per category in definition order, then "total".
  std::vector<std::pair<std::string_view, ScoreSummary>> scores;
  double revenue = 0;
  uint64_t purchases = 0;
  uint64_t buyers = 0;
  std::array<uint64_t, 5> funnel{};  // customers with at least 1..5 purchases
};

struct HistogramBucket {
  double low, high;
  uint64_t count;
};

struct RevenueBand {
  double low, high;
  uint64_t customers, buyers;
  double revenue;
};

struct RfmFigures {
  int r, f, m;
  int64_t recency_days;
  uint64_t frequency;
  double monetary;
};

class Insight : public StoreObserver {
 public:
  enum class Series { kEvents, kRevenue, kCustomers };

  explicit Insight(Store* store);

  StatsSummary Summary(TimeMs now) const;
  // `category`: an index or kTotal. Empty when there are no customers.
  std::vector<HistogramBucket> Histogram(int category, size_t buckets, TimeMs now) const;
  std::vector<RevenueBand> Revenue(int category, size_t bands, TimeMs now) const;
  // The last `days` UTC days up to `now`'s, oldest first: (day start ms, value).
  std::vector<std::pair<TimeMs, double>> DailySeries(Series what, size_t days, TimeMs now) const;
  // nullopt when the customer never bought. O(log B) in the buyers.
  std::optional<RfmFigures> Rfm(CustomerIndex c, TimeMs now) const;

  // LOOKALIKE: up to k (customer, cosine similarity) pairs, best first, ties by id; seeds and
  // customers for whom `excluded` is true are left out, as are zero vectors and similarities
  // below `min_similarity`. nullopt when no seed has a non-zero score vector.
  template <typename Excluded>
  std::optional<std::vector<std::pair<CustomerIndex, double>>> Lookalike(
      const std::vector<CustomerIndex>& seeds, size_t k, std::optional<double> min_similarity,
      Excluded&& excluded, TimeMs now) const;

  // Recomputes the buyers' figures from the store (after the store was filled by other means
  // than events, e.g. a snapshot load).
  void Rebuild();

  void OnEvent(const AppliedEvent& event) override;
  void OnCustomerDeleted(CustomerIndex c, std::string_view id) override;
  void OnFlushAll() override;

  // Snapshots: "insight.days", the daily event and revenue counts by day.
  void SaveState(StateOut& out) const;
  bool LoadRecord(std::string_view tag, std::string_view payload);

 private:
  struct Day {
    uint64_t events = 0;
    double revenue = 0;
  };
  // A customer in a sort by (value, id): the tie label decides most ties without the id.
  struct Ranked {
    double value;
    uint64_t label;
    CustomerIndex c;
  };
  // The value in `category` (an index or kTotal) of a row of ForEachScores.
  double ValueOf(const double* scores, int category) const;
  // Ascending value, ties by ascending id.
  bool Before(const Ranked& a, const Ranked& b) const {
    if (a.value != b.value) return a.value < b.value;
    if (a.label != b.label) return a.label < b.label;
    return store_->CustomerId(a.c) < store_->CustomerId(b.c);
  }
  // Unit-length mean direction of the seeds, or empty when none is usable.
  std::vector<double> SeedDirection(const std::vector<CustomerIndex>& seeds, TimeMs now) const;
  // Keeps the k best of `scored` (value = similarity: highest first, ties by id), sorted.
  void KeepBest(std::vector<Ranked>* scored, size_t k) const;
  void AddBuyer(uint64_t frequency, double monetary, TimeMs last_purchase);
  void RemoveBuyer(uint64_t frequency, double monetary, TimeMs last_purchase);
  void ClearBuyers();

  Store* store_;
  absl::flat_hash_map<int64_t, Day> days_;  // by UTC day number
  // Every buyer's purchase figures, for RFM ranks and the STATS purchase figures.
  CountTree<uint64_t> frequency_;
  CountTree<double> monetary_;
  CountTree<TimeMs> last_purchase_;
  uint64_t purchases_ = 0;
};

template <typename Excluded>
std::optional<std::vector<std::pair<CustomerIndex, double>>> Insight::Lookalike(
    const std::vector<CustomerIndex>& seeds, size_t k, std::optional<double> min_similarity,
    Excluded&& excluded, TimeMs now) const {
  std::vector<double> direction = SeedDirection(seeds, now);
  if (direction.empty()) return std::nullopt;
  std::vector<std::pair<CustomerIndex, double>> out;
  if (k == 0) return out;
  std::vector<CustomerIndex> sorted_seeds = seeds;
  std::sort(sorted_seeds.begin(), sorted_seeds.end());
  // One pass over the score matrix; candidates below the k-th best so far are dropped at
  // once, the rest collected and cut back to k whenever the buffer fills.
  const size_t n = direction.size(), limit = 2 * k + 1024;
  std::vector<Ranked> best;
  double floor = -2;  // below any cosine
  store_->ForEachScores(now, [&](CustomerIndex c, const double* v, uint64_t label) {
    double dot = 0, sum = 0;
    for (size_t j = 0; j < n; ++j) {
      sum += v[j] * v[j];
      dot += v[j] * direction[j];
    }
    if (sum == 0) return;
    double similarity = dot / std::sqrt(sum);
    if (similarity < floor || (min_similarity && similarity < *min_similarity)) return;
    if (excluded(c) || std::binary_search(sorted_seeds.begin(), sorted_seeds.end(), c)) return;
    best.push_back({similarity, label, c});
    if (best.size() >= limit) {
      KeepBest(&best, k);
      floor = best.back().value;
    }
  });
  KeepBest(&best, k);
  out.reserve(best.size());
  for (const Ranked& r : best) out.emplace_back(r.c, r.value);
  return out;
}

// floor(ms / 1d), for negative times too.
inline int64_t DayOf(TimeMs ms) { return ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs); }

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_INSIGHT_H_
