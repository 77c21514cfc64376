#include "store/insight.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kizuna::store {
namespace {

// The value at sorted position ceil(p/100·N)−1 (SPEC), by partial sorting of `v`.
double Percentile(std::vector<double>& v, int p) {
  size_t n = v.size();
  size_t pos = (static_cast<size_t>(p) * n + 99) / 100;
  pos = pos == 0 ? 0 : pos - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(pos), v.end());
  return v[pos];
}

}  // namespace

Insight::Insight(Store* store) : store_(store) { store_->AddObserver(this); }

void Insight::OnEvent(const AppliedEvent& e) {
  Day& d = days_[DayOf(e.input.ts)];
  ++d.events;
  if (e.input.action == store_->options().purchase_action && e.input.value) {
    d.revenue += *e.input.value;
  }
}

void Insight::OnFlushAll() { days_.clear(); }

std::vector<double> Insight::Scores(int category, TimeMs now) const {
  std::vector<double> out;
  out.reserve(store_->customer_count());
  for (size_t c = 0; c < store_->customer_slots(); ++c) {
    auto ci = static_cast<CustomerIndex>(c);
    if (store_->customer_live(ci)) out.push_back(store_->Score(ci, category, now));
  }
  return out;
}

StatsSummary Insight::Summary(TimeMs now) const {
  StatsSummary s;
  s.customers = store_->customer_count();
  StoreStats st = store_->stats();
  s.events = st.events;
  const ActionTable& actions = store_->actions();
  for (ActionId a = 1; a <= actions.size(); ++a) {
    s.events_by_action.emplace_back(actions.at(a).name, actions.at(a).events);
  }
  const CategorySet& cats = store_->categories();
  for (int k = 0; k <= static_cast<int>(cats.size()); ++k) {
    bool total = k == static_cast<int>(cats.size());
    std::vector<double> v = Scores(total ? kTotal : k, now);
    ScoreSummary sum;
    if (!v.empty()) {
      sum.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
      sum.max = *std::max_element(v.begin(), v.end());
      sum.p50 = Percentile(v, 50);
      sum.p90 = Percentile(v, 90);
      sum.p99 = Percentile(v, 99);
    }
    s.scores.emplace_back(total ? std::string_view("total") : cats.all()[k].name, sum);
  }
  CustomerRecord r;
  for (size_t c = 0; c < store_->customer_slots(); ++c) {
    auto ci = static_cast<CustomerIndex>(c);
    if (!store_->customer_live(ci)) continue;
    store_->ReadRecord(ci, &r);
    if (r.frequency == 0) continue;
    ++s.buyers;
    s.purchases += r.frequency;
    s.revenue += r.monetary;
    for (uint64_t n = 1; n <= std::min<uint64_t>(r.frequency, 5); ++n) ++s.funnel[n - 1];
  }
  return s;
}

std::vector<HistogramBucket> Insight::Histogram(int category, size_t buckets, TimeMs now) const {
  std::vector<double> v = Scores(category, now);
  if (v.empty()) return {};
  auto [lo_it, hi_it] = std::minmax_element(v.begin(), v.end());
  double low = std::min(0.0, *lo_it), high = *hi_it;
  if (high == low) return {{low, low, v.size()}};
  // Bounds b[i] = low + i·width, the last one exactly `high`; a score goes in the bucket whose
  // bounds hold it, so counts agree with the bounds the reply shows.
  std::vector<double> bounds(buckets + 1);
  double width = (high - low) / static_cast<double>(buckets);
  for (size_t i = 0; i < buckets; ++i) bounds[i] = low + width * static_cast<double>(i);
  bounds[buckets] = high;
  std::vector<HistogramBucket> out(buckets);
  for (size_t i = 0; i < buckets; ++i) out[i] = {bounds[i], bounds[i + 1], 0};
  for (double s : v) {
    size_t i =
        static_cast<size_t>(std::upper_bound(bounds.begin(), bounds.end(), s) - bounds.begin());
    i = std::clamp<size_t>(i, 1, buckets) - 1;
    ++out[i].count;
  }
  return out;
}

std::vector<RevenueBand> Insight::Revenue(int category, size_t bands, TimeMs now) const {
  struct Row {
    double score;
    std::string_view id;
    CustomerIndex c;
  };
  std::vector<Row> rows;
  rows.reserve(store_->customer_count());
  for (size_t c = 0; c < store_->customer_slots(); ++c) {
    auto ci = static_cast<CustomerIndex>(c);
    if (store_->customer_live(ci)) {
      rows.push_back({store_->Score(ci, category, now), store_->CustomerId(ci), ci});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.score != b.score ? a.score < b.score : a.id < b.id;
  });
  size_t n = rows.size();
  std::vector<RevenueBand> out;
  CustomerRecord r;
  for (size_t i = 0; i < bands; ++i) {
    size_t from = i * n / bands, to = (i + 1) * n / bands;
    if (from == to) continue;  // N < bands: this band would be empty
    RevenueBand b{rows[from].score, rows[to - 1].score, to - from, 0, 0};
    for (size_t j = from; j < to; ++j) {
      store_->ReadRecord(rows[j].c, &r);
      if (r.frequency > 0) ++b.buyers;
      b.revenue += r.monetary;
    }
    out.push_back(b);
  }
  return out;
}

std::vector<std::pair<TimeMs, double>> Insight::DailySeries(Series what, size_t days,
                                                            TimeMs now) const {
  int64_t today = DayOf(now), first = today - static_cast<int64_t>(days) + 1;
  std::vector<std::pair<TimeMs, double>> out;
  for (int64_t d = first; d <= today; ++d) out.emplace_back(d * kDayMs, 0.0);
  if (what == Series::kCustomers) {
    // New customers: those whose first event falls on the day.
    CustomerRecord r;
    for (size_t c = 0; c < store_->customer_slots(); ++c) {
      auto ci = static_cast<CustomerIndex>(c);
      if (!store_->customer_live(ci)) continue;
      store_->ReadRecord(ci, &r);
      int64_t d = DayOf(r.first_seen);
      if (d >= first && d <= today) out[static_cast<size_t>(d - first)].second += 1;
    }
    return out;
  }
  for (auto& [start, value] : out) {
    auto it = days_.find(DayOf(start));
    if (it == days_.end()) continue;
    value = what == Series::kEvents ? static_cast<double>(it->second.events) : it->second.revenue;
  }
  return out;
}

std::optional<RfmFigures> Insight::Rfm(CustomerIndex c, TimeMs now) const {
  CustomerRecord mine, r;
  store_->ReadRecord(c, &mine);
  if (mine.frequency == 0) return std::nullopt;
  int64_t my_days = DayOf(now - mine.last_purchase);
  uint64_t buyers = 0, worse_r = 0, worse_f = 0, worse_m = 0;
  for (size_t i = 0; i < store_->customer_slots(); ++i) {
    auto ci = static_cast<CustomerIndex>(i);
    if (!store_->customer_live(ci)) continue;
    store_->ReadRecord(ci, &r);
    if (r.frequency == 0) continue;
    ++buyers;
    worse_r += DayOf(now - r.last_purchase) > my_days;
    worse_f += r.frequency < mine.frequency;
    worse_m += r.monetary < mine.monetary;
  }
  auto score = [&](uint64_t worse) {
    return static_cast<int>(std::min<uint64_t>(5, 1 + 5 * worse / buyers));
  };
  return RfmFigures{score(worse_r), score(worse_f), score(worse_m),
                    my_days,        mine.frequency, mine.monetary};
}

double Insight::Vector(CustomerIndex c, TimeMs now, std::vector<double>* v) const {
  size_t n = store_->categories().size();
  v->resize(n);
  double sum = 0;
  for (size_t k = 0; k < n; ++k) {
    (*v)[k] = store_->Score(c, static_cast<int>(k), now);
    sum += (*v)[k] * (*v)[k];
  }
  return std::sqrt(sum);
}

std::vector<double> Insight::SeedDirection(const std::vector<CustomerIndex>& seeds,
                                           TimeMs now) const {
  std::vector<double> mean(store_->categories().size(), 0.0), v;
  size_t usable = 0;
  for (CustomerIndex s : seeds) {
    double norm = Vector(s, now, &v);
    if (norm == 0) continue;
    for (size_t k = 0; k < v.size(); ++k) mean[k] += v[k] / norm;
    ++usable;
  }
  double norm = 0;
  for (double x : mean) norm += x * x;
  norm = std::sqrt(norm);
  // Seeds pointing in opposite directions can cancel out: no direction to compare with.
  if (usable == 0 || norm == 0) return {};
  for (double& x : mean) x /= norm;
  return mean;
}

void Insight::KeepBest(std::vector<std::pair<CustomerIndex, double>>* scored, size_t k) const {
  auto better = [this](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    return store_->CustomerId(a.first) < store_->CustomerId(b.first);
  };
  if (scored->size() > k) {
    std::nth_element(scored->begin(), scored->begin() + static_cast<long>(k), scored->end(),
                     better);
    scored->resize(k);
  }
  std::sort(scored->begin(), scored->end(), better);
}

}  // namespace kizuna::store
