#include "store/insight.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "store/persistence/state_codec.h"

namespace kizuna::store {
namespace {

// Sorted position ceil(p/100·N)−1 (SPEC), 0 for N = 0.
size_t PercentilePosition(size_t n, int p) {
  size_t pos = (static_cast<size_t>(p) * n + 99) / 100;
  return pos == 0 ? 0 : pos - 1;
}

// Selection at a few sorted positions of a million values without sorting or even
// partitioning them all: one pass counts the values per bucket of the top 16 bits of an
// order-preserving integer key (sign, exponent, 8 mantissa bits: whole numbers below 512 each get
// their own), which tells which bucket holds each wanted position; a second pass gathers only those
// buckets, and nth_element finishes inside them. Two streaming passes instead of an nth_element's
// several passes with data-dependent branches.
constexpr int kBucketShift = 48;
constexpr size_t kBuckets = size_t{1} << 16;

size_t BucketOf(double x) {
  x += 0.0;  // -0 as +0: they compare equal
  uint64_t u;
  std::memcpy(&u, &x, sizeof(u));
  u = (u >> 63) ? ~u : (u | (uint64_t{1} << 63));
  return static_cast<size_t>(u >> kBucketShift);
}

template <typename T>
class BucketSelect {
 public:
  // Pass 1: every value; returns how many of its bucket were counted so far.
  uint32_t Count(double value) { return ++first_[BucketOf(value) + 1]; }
  // Between the passes: the sorted positions wanted, ascending, each < N.
  void Want(std::vector<size_t> positions) {
    for (size_t b = 1; b <= kBuckets; ++b) first_[b] += first_[b - 1];
    positions_ = std::move(positions);
    slot_.assign(kBuckets, -1);
    for (size_t p : positions_) {
      size_t b = BucketAt(p);
      if (slot_[b] < 0) {
        wanted_[b / 64] |= uint64_t{1} << (b % 64);
        slot_[b] = static_cast<int>(gathered_.size());
        gathered_.emplace_back().reserve(first_[b + 1] - first_[b]);
      }
    }
  }
  // Pass 2: the same values again (any order), each with its item.
  void Offer(double value, const T& item) {
    size_t b = BucketOf(value);
    if (Wanted(b)) gathered_[static_cast<size_t>(slot_[b])].push_back(item);
  }
  // A bitmap (8 KB, stays in L1) answers for the buckets not wanted: nearly all of them.
  bool Wanted(size_t bucket) const { return (wanted_[bucket / 64] >> (bucket % 64)) & 1; }
  // After Select: every gathered item.
  template <typename F>
  void ForEachGathered(F&& f) const {
    for (const auto& g : gathered_) {
      for (const T& item : g) f(item);
    }
  }
  // The items at the wanted positions under `less`, which must order by value first.
  template <typename Less>
  std::vector<T> Select(Less&& less) {
    std::vector<T> out;
    for (size_t p : positions_) {
      size_t b = BucketAt(p);
      std::vector<T>& g = gathered_[static_cast<size_t>(slot_[b])];
      auto at = g.begin() + static_cast<long>(p - first_[b]);
      std::nth_element(g.begin(), at, g.end(), less);
      out.push_back(*at);
    }
    return out;
  }
  // After Want: the bucket holding sorted position p, and the first position of bucket b.
  size_t BucketAt(size_t p) const {
    auto it = std::upper_bound(first_.begin(), first_.end(), static_cast<uint32_t>(p));
    return static_cast<size_t>(it - first_.begin()) - 1;
  }
  size_t First(size_t b) const { return first_[b]; }

 private:
  std::vector<uint32_t> first_ = std::vector<uint32_t>(kBuckets + 1);  // N < 2^32 customers
  std::vector<size_t> positions_;
  std::vector<int> slot_;  // wanted bucket -> index in gathered_
  std::vector<uint64_t> wanted_ = std::vector<uint64_t>(kBuckets / 64);
  std::vector<std::vector<T>> gathered_;
};

}  // namespace

Insight::Insight(Store* store) : store_(store) {
  store_->AddObserver(this);
  Rebuild();
}

void Insight::AddBuyer(uint64_t frequency, double monetary, TimeMs last_purchase) {
  frequency_.Add(frequency);
  monetary_.Add(monetary);
  last_purchase_.Add(last_purchase);
}

void Insight::RemoveBuyer(uint64_t frequency, double monetary, TimeMs last_purchase) {
  frequency_.Remove(frequency);
  monetary_.Remove(monetary);
  last_purchase_.Remove(last_purchase);
}

void Insight::Rebuild() {
  ClearBuyers();
  CustomerRecord r;
  for (size_t i = 0; i < store_->customer_slots(); ++i) {
    auto c = static_cast<CustomerIndex>(i);
    if (!store_->customer_live(c)) continue;
    store_->ReadFigures(c, &r);
    if (r.frequency == 0) continue;
    AddBuyer(r.frequency, r.monetary, r.last_purchase);
    purchases_ += r.frequency;
  }
}

void Insight::OnEvent(const AppliedEvent& e) {
  Day& d = days_[DayOf(e.input.ts)];
  ++d.events;
  if (e.input.action != store_->options().purchase_action) return;
  if (e.input.value) d.revenue += *e.input.value;
  const CustomerRecord& r = e.record;
  purchases_ += r.frequency - e.frequency_before;
  if (e.frequency_before == 0) return AddBuyer(r.frequency, r.monetary, r.last_purchase);
  // Only the figures that changed move (no VALUE, or an older TS, leave theirs).
  frequency_.Remove(e.frequency_before);
  frequency_.Add(r.frequency);
  if (r.monetary != e.monetary_before) {
    monetary_.Remove(e.monetary_before);
    monetary_.Add(r.monetary);
  }
  if (r.last_purchase != e.last_purchase_before) {
    last_purchase_.Remove(e.last_purchase_before);
    last_purchase_.Add(r.last_purchase);
  }
}

void Insight::OnCustomerDeleted(CustomerIndex c, std::string_view) {
  CustomerRecord r;
  store_->ReadFigures(c, &r);
  if (r.frequency == 0) return;
  RemoveBuyer(r.frequency, r.monetary, r.last_purchase);
  purchases_ -= r.frequency;
}

void Insight::OnFlushAll() {  // called before the store drops its customers
  days_.clear();
  ClearBuyers();
}

void Insight::ClearBuyers() {
  frequency_.Clear();
  monetary_.Clear();
  last_purchase_.Clear();
  purchases_ = 0;
}

void Insight::SaveState(StateOut& out) const {
  out.Begin("insight.days");
  for (int64_t day : SortedKeys(days_)) {
    const Day& d = days_.find(day)->second;
    out.I(day);
    out.U(d.events);
    out.D(d.revenue);
    out.EndItem();
  }
  out.End();
}

bool Insight::LoadRecord(std::string_view tag, std::string_view payload) {
  StateIn in(payload);
  while (!in.done()) {
    int64_t day;
    Day d;
    if (!in.I(&day) || !in.U(&d.events) || !in.D(&d.revenue)) return false;
    days_[day] = d;
  }
  return tag == "insight.days" && in.ok();
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
  // Two passes over the score matrix, every category and the total at once: sums, maxima
  // and bucket counts, then the values of the buckets holding the percentiles.
  const CategorySet& cats = store_->categories();
  const size_t n = cats.size();
  std::vector<BucketSelect<double>> select(n + 1);
  std::vector<double> sums(n + 1, 0.0), maxima(n + 1, 0.0);
  bool first = true;
  store_->ForEachScores(now, [&](CustomerIndex, const double* v, uint64_t) {
    double total = 0;
    for (size_t k = 0; k <= n; ++k) {
      double x = k < n ? v[k] : total;
      if (k < n) total += x;
      sums[k] += x;
      if (first || x > maxima[k]) maxima[k] = x;
      select[k].Count(x);
    }
    first = false;
  });
  if (s.customers > 0) {
    for (auto& sel : select) {
      sel.Want({PercentilePosition(s.customers, 50), PercentilePosition(s.customers, 90),
                PercentilePosition(s.customers, 99)});
    }
    store_->ForEachScores(now, [&](CustomerIndex, const double* v, uint64_t) {
      double total = 0;
      for (size_t k = 0; k < n; ++k) {
        select[k].Offer(v[k], v[k]);
        total += v[k];
      }
      select[n].Offer(total, total);
    });
  }
  for (size_t k = 0; k <= n; ++k) {
    ScoreSummary sum;
    if (s.customers > 0) {
      sum.mean = sums[k] / static_cast<double>(s.customers);
      sum.max = maxima[k];
      std::vector<double> p = select[k].Select([](double a, double b) { return a < b; });
      sum.p50 = p[0];
      sum.p90 = p[1];
      sum.p99 = p[2];
    }
    s.scores.emplace_back(k == n ? std::string_view("total") : cats.all()[k].name, sum);
  }
  s.buyers = frequency_.size();
  s.purchases = purchases_;
  monetary_.ForEach([&](double m, uint32_t count) { s.revenue += m * count; });
  for (uint64_t f = 1; f <= 5; ++f) s.funnel[f - 1] = s.buyers - frequency_.CountLess(f);
  return s;
}

double Insight::ValueOf(const double* scores, int category) const {
  if (category != kTotal) return scores[category];
  double total = 0;  // as Store::TotalAt adds
  for (size_t k = 0; k < store_->categories().size(); ++k) total += scores[k];
  return total;
}

std::vector<HistogramBucket> Insight::Histogram(int category, size_t buckets, TimeMs now) const {
  const size_t n = store_->customer_count();
  if (n == 0) return {};
  double low = 0, high = 0;
  bool first = true;
  store_->ForEachScores(now, [&](CustomerIndex, const double* v, uint64_t) {
    double x = ValueOf(v, category);
    low = std::min(low, x);
    high = first ? x : std::max(high, x);
    first = false;
  });
  if (high == low) return {{low, low, n}};
  // Bounds b[i] = low + i·width, the last one exactly `high`; a score goes in the bucket whose
  // bounds hold it, so counts agree with the bounds the reply shows.
  std::vector<double> bounds(buckets + 1);
  double width = (high - low) / static_cast<double>(buckets);
  for (size_t i = 0; i < buckets; ++i) bounds[i] = low + width * static_cast<double>(i);
  bounds[buckets] = high;
  std::vector<HistogramBucket> out(buckets);
  for (size_t i = 0; i < buckets; ++i) out[i] = {bounds[i], bounds[i + 1], 0};
  store_->ForEachScores(now, [&](CustomerIndex, const double* v, uint64_t) {
    double x = ValueOf(v, category);
    // The arithmetic guess is off by at most one bucket from rounding; the bounds decide.
    double guess = (x - low) / width;
    size_t i = guess >= static_cast<double>(buckets) ? buckets - 1 : static_cast<size_t>(guess);
    while (i > 0 && x < bounds[i]) --i;
    while (i + 1 < buckets && x >= bounds[i + 1]) ++i;
    ++out[i].count;
  });
  return out;
}

std::vector<RevenueBand> Insight::Revenue(int category, size_t bands, TimeMs now) const {
  const size_t n = store_->customer_count();
  if (n == 0) return {};
  auto value_of = [&](const double* v) { return ValueOf(v, category); };
  // Band i holds sorted positions [start_i, start_i+1), start_i = floor(i·N/bands); the
  // customer at start_i is its threshold. Pass 1 counts customers per value bucket and adds up
  // each bucket's figures; a bucket without a threshold falls in one band as a whole. Pass 2
  // gathers the customers of the buckets that hold a threshold (with their figures), selects
  // the thresholds among them, and places each of them by comparing with the thresholds.
  struct Row {
    Ranked key;
    double monetary;
    bool buyer;
  };
  struct Bucket {
    uint64_t buyers = 0;
    double revenue = 0, low = 0, high = 0;
  };
  std::vector<size_t> starts;
  for (size_t i = 1; i < bands; ++i) starts.push_back(i * n / bands);
  BucketSelect<Row> select;
  std::vector<Bucket> buckets(kBuckets);
  CustomerRecord rec;
  store_->ForEachScores(now, [&](CustomerIndex c, const double* v, uint64_t) {
    double x = value_of(v);
    size_t b = BucketOf(x);
    Bucket& bucket = buckets[b];
    if (select.Count(x) == 1) bucket.low = bucket.high = x;
    bucket.low = std::min(bucket.low, x);
    bucket.high = std::max(bucket.high, x);
    store_->ReadFigures(c, &rec);
    if (rec.frequency > 0) {
      ++bucket.buyers;
      bucket.revenue += rec.monetary;
    }
  });
  select.Want(starts);
  store_->ForEachScores(now, [&](CustomerIndex c, const double* v, uint64_t label) {
    double x = value_of(v);
    if (!select.Wanted(BucketOf(x))) return;
    store_->ReadFigures(c, &rec);
    select.Offer(x, Row{{x, label, c}, rec.monetary, rec.frequency > 0});
  });
  auto before = [this](const Row& a, const Row& b) { return Before(a.key, b.key); };
  std::vector<Row> thresholds = select.Select(before);

  std::vector<RevenueBand> all(bands, RevenueBand{0, 0, 0, 0, 0});
  auto add = [&](size_t band, double low, double high, uint64_t customers, uint64_t buyers,
                 double revenue) {
    RevenueBand& out = all[band];
    out.low = out.customers == 0 ? low : std::min(out.low, low);
    out.high = out.customers == 0 ? high : std::max(out.high, high);
    out.customers += customers;
    out.buyers += buyers;
    out.revenue += revenue;
  };
  for (size_t b = 0, i = 0; b < kBuckets; ++b) {
    while (i < starts.size() && starts[i] <= select.First(b)) ++i;
    size_t customers = select.First(b + 1) - select.First(b);
    if (customers == 0 || select.Wanted(b)) continue;
    const Bucket& bucket = buckets[b];
    add(i, bucket.low, bucket.high, customers, bucket.buyers, bucket.revenue);
  }
  select.ForEachGathered([&](const Row& row) {
    auto band = static_cast<size_t>(
        std::upper_bound(thresholds.begin(), thresholds.end(), row, before) - thresholds.begin());
    add(band, row.key.value, row.key.value, 1, row.buyer ? 1 : 0, row.buyer ? row.monetary : 0);
  });
  std::vector<RevenueBand> out;
  for (const RevenueBand& b : all) {
    if (b.customers > 0) out.push_back(b);  // N < bands: empty bands are left out
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
      store_->ReadFigures(ci, &r);
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
  CustomerRecord mine;
  store_->ReadFigures(c, &mine);
  if (mine.frequency == 0) return std::nullopt;
  int64_t my_days = DayOf(now - mine.last_purchase);
  uint64_t buyers = frequency_.size();
  // Worse on recency: more whole days since the last purchase, i.e. floor((now − t)/1d) >=
  // my_days + 1, i.e. t <= now − (my_days + 1)·1d.
  uint64_t worse_r = last_purchase_.CountLess(now - (my_days + 1) * kDayMs + 1);
  uint64_t worse_f = frequency_.CountLess(mine.frequency);
  uint64_t worse_m = monetary_.CountLess(mine.monetary);
  auto score = [&](uint64_t worse) {
    return static_cast<int>(std::min<uint64_t>(5, 1 + 5 * worse / buyers));
  };
  return RfmFigures{score(worse_r), score(worse_f), score(worse_m),
                    my_days,        mine.frequency, mine.monetary};
}

std::vector<double> Insight::SeedDirection(const std::vector<CustomerIndex>& seeds,
                                           TimeMs now) const {
  size_t n = store_->categories().size();
  std::vector<double> mean(n, 0.0), v(n);
  size_t usable = 0;
  for (CustomerIndex s : seeds) {
    double sum = 0;
    for (size_t k = 0; k < n; ++k) {
      v[k] = store_->Score(s, static_cast<int>(k), now);
      sum += v[k] * v[k];
    }
    double norm = std::sqrt(sum);
    if (norm == 0) continue;
    for (size_t k = 0; k < n; ++k) mean[k] += v[k] / norm;
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

void Insight::KeepBest(std::vector<Ranked>* scored, size_t k) const {
  // Highest similarity first, ties by ascending id.
  auto better = [this](const Ranked& a, const Ranked& b) {
    if (a.value != b.value) return a.value > b.value;
    if (a.label != b.label) return a.label < b.label;
    return store_->CustomerId(a.c) < store_->CustomerId(b.c);
  };
  if (scored->size() > k) {
    std::nth_element(scored->begin(), scored->begin() + static_cast<long>(k), scored->end(),
                     better);
    scored->resize(k);
  }
  std::sort(scored->begin(), scored->end(), better);
}

}  // namespace kizuna::store
