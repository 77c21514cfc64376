// Insight (SPEC §2 "Insight"): STATS figures, score histograms, revenue by score band, daily
// series and RFM, computed exactly at the moment of the query.
//
// Daily event and revenue counts are kept as events arrive (an observer of the store); every
// other figure is computed from the customers themselves by one scan, so nothing here can
// drift from the data. Scans cost O(N) (plus a sort for revenue bands): tens of milliseconds
// for a million customers.
#ifndef KIZUNA_STORE_INSIGHT_H_
#define KIZUNA_STORE_INSIGHT_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "store/store.h"

namespace kizuna::store {

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
  // nullopt when the customer never bought.
  std::optional<RfmFigures> Rfm(CustomerIndex c, TimeMs now) const;

  // LOOKALIKE: up to k (customer, cosine similarity) pairs, best first, ties by id; seeds and
  // customers for whom `excluded` is true are left out, as are zero vectors and similarities
  // below `min_similarity`. nullopt when no seed has a non-zero score vector.
  template <typename Excluded>
  std::optional<std::vector<std::pair<CustomerIndex, double>>> Lookalike(
      const std::vector<CustomerIndex>& seeds, size_t k, std::optional<double> min_similarity,
      Excluded&& excluded, TimeMs now) const;

  void OnEvent(const AppliedEvent& event) override;
  void OnFlushAll() override;

 private:
  struct Day {
    uint64_t events = 0;
    double revenue = 0;
  };
  std::vector<double> Scores(int category, TimeMs now) const;
  // The customer's score per category at `now`; returns its Euclidean norm.
  double Vector(CustomerIndex c, TimeMs now, std::vector<double>* v) const;
  // Unit-length mean direction of the seeds, or empty when none is usable.
  std::vector<double> SeedDirection(const std::vector<CustomerIndex>& seeds, TimeMs now) const;
  // Keeps the k best (similarity desc, id asc) of `scored`.
  void KeepBest(std::vector<std::pair<CustomerIndex, double>>* scored, size_t k) const;

  Store* store_;
  absl::flat_hash_map<int64_t, Day> days_;  // by UTC day number
};

template <typename Excluded>
std::optional<std::vector<std::pair<CustomerIndex, double>>> Insight::Lookalike(
    const std::vector<CustomerIndex>& seeds, size_t k, std::optional<double> min_similarity,
    Excluded&& excluded, TimeMs now) const {
  std::vector<double> direction = SeedDirection(seeds, now);
  if (direction.empty()) return std::nullopt;
  std::vector<CustomerIndex> sorted_seeds = seeds;
  std::sort(sorted_seeds.begin(), sorted_seeds.end());
  std::vector<std::pair<CustomerIndex, double>> scored;
  std::vector<double> v;
  for (size_t i = 0; i < store_->customer_slots(); ++i) {
    auto c = static_cast<CustomerIndex>(i);
    if (!store_->customer_live(c) || excluded(c)) continue;
    if (std::binary_search(sorted_seeds.begin(), sorted_seeds.end(), c)) continue;
    double norm = Vector(c, now, &v);
    if (norm == 0) continue;
    double dot = 0;
    for (size_t j = 0; j < v.size(); ++j) dot += v[j] * direction[j];
    double similarity = dot / norm;
    if (min_similarity && similarity < *min_similarity) continue;
    scored.emplace_back(c, similarity);
  }
  KeepBest(&scored, k);
  return scored;
}

// floor(ms / 1d), for negative times too.
inline int64_t DayOf(TimeMs ms) { return ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs); }

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_INSIGHT_H_
