// Store: reads — scores at `now`, CUSTOMER, TOP, RANK, counters.
#include <algorithm>
#include <cmath>
#include <queue>

#include "store/store.h"

namespace kizuna::store {

double Store::ValueAt(CustomerIndex c, size_t k, TimeMs now) const {
  double s = Row(c)[k];
  int64_t hl = categories_.at(k).halflife_ms;
  TimeMs ref = Ref(c);
  if (hl <= 0 || now <= ref) return s;
  return s * std::exp2(-static_cast<double>(now - ref) / static_cast<double>(hl));
}

double Store::TotalAt(CustomerIndex c, TimeMs now) const {
  double sum = 0;
  for (size_t k = 0; k < categories_.size(); ++k) sum += ValueAt(c, k, now);
  return sum;
}

double Store::Score(CustomerIndex c, int category, TimeMs now) const {
  if (category == kTotal) return TotalAt(c, now);
  return ValueAt(c, static_cast<size_t>(category), now);
}

void Store::ReadCustomer(CustomerIndex c, TimeMs now, CustomerView* out) const {
  out->scores.resize(categories_.size());
  out->total = 0;
  for (size_t k = 0; k < categories_.size(); ++k) {
    out->scores[k] = ValueAt(c, k, now);
    out->total += out->scores[k];
  }
  CustomerRecord r;
  records_.Read(record_[c], last_seen_[c], &r);
  out->counts.clear();
  for (const auto& [key, count] : r.counters) {
    if (key & kPairKeyBit) continue;
    out->counts.emplace_back(actions_.at(key).name, count);
  }
  out->first_seen = r.first_seen;
  out->last_seen = last_seen_[c];
  out->frequency = r.frequency;
  out->monetary = r.monetary;
  out->last_purchase.reset();
  if (r.frequency > 0) out->last_purchase = r.last_purchase;
}

void Store::ReadRecord(CustomerIndex c, CustomerRecord* out) const {
  records_.Read(record_[c], last_seen_[c], out);
}

uint64_t Store::ActionCount(CustomerIndex c, std::string_view action) const {
  ActionId a = actions_.Find(action);
  if (a == kNoAction) return 0;
  CustomerRecord r;
  records_.Read(record_[c], last_seen_[c], &r);
  return r.Count(a);
}

uint64_t Store::PairCount(CustomerIndex c, std::string_view action, std::string_view item) const {
  ActionId a = actions_.Find(action);
  if (a == kNoAction) return 0;
  auto pair = actions_.FindPair(a, item);
  if (!pair) return 0;
  CustomerRecord r;
  records_.Read(record_[c], last_seen_[c], &r);
  return r.Count(kPairKeyBit | *pair);
}

void Store::PrefetchCustomer(const HashedId& id, size_t distance) const {
  if (distance >= 3) return customers_.Prefetch(id);
  CustomerIndex candidates[2];
  size_t n = customers_.Candidates(id, candidates, 2);
  for (size_t i = 0; i < n; ++i) {
    CustomerIndex c = candidates[i];
    if (distance == 1) {
      customers_.PrefetchId(c, id.id.size());
      records_.Prefetch(record_[c]);
      continue;
    }
    __builtin_prefetch(Row(c));
    __builtin_prefetch(&last_seen_[c]);
    __builtin_prefetch(&record_[c]);
  }
}

void Store::Top(int category, size_t n, TimeMs now,
                std::vector<std::pair<CustomerIndex, double>>* out) const {
  out->clear();
  if (category == kTotal && !total_index_) return ScanTop(n, now, out);
  const OrderIndex& index =
      category == kTotal ? *total_index_ : *cat_index_[static_cast<size_t>(category)];
  out->reserve(std::min(n, index.size()));
  index.ForEach(n, [&](uint32_t c) {
    out->emplace_back(c, Score(c, category, now));
    return true;
  });
}

size_t Store::Rank(CustomerIndex c, int category, TimeMs now) const {
  if (category == kTotal && !total_index_) return ScanRank(c, now);
  const OrderIndex& index =
      category == kTotal ? *total_index_ : *cat_index_[static_cast<size_t>(category)];
  return index.Rank(c);
}

namespace {

// Leaderboard order on (score, id): true when a comes first.
struct Before {
  const CustomerTable* customers;
  bool operator()(const std::pair<CustomerIndex, double>& a,
                  const std::pair<CustomerIndex, double>& b) const {
    double x = std::isnan(a.second) ? -INFINITY : a.second;
    double y = std::isnan(b.second) ? -INFINITY : b.second;
    if (x != y) return x > y;
    return customers->Id(a.first) < customers->Id(b.first);
  }
};

}  // namespace

// Fallback for `total` with mixed half-lives: exact, O(N log n).
void Store::ScanTop(size_t n, TimeMs now,
                    std::vector<std::pair<CustomerIndex, double>>* out) const {
  if (n == 0) return;
  Before before{&customers_};
  // Max-heap under `before` keeps the worst of the best n at the top.
  std::priority_queue<std::pair<CustomerIndex, double>,
                      std::vector<std::pair<CustomerIndex, double>>, Before>
      heap(before);
  for (size_t i = 0; i < customers_.slots(); ++i) {
    CustomerIndex c = static_cast<CustomerIndex>(i);
    if (!customers_.live(c)) continue;
    std::pair<CustomerIndex, double> e{c, TotalAt(c, now)};
    if (heap.size() < n) {
      heap.push(e);
    } else if (before(e, heap.top())) {
      heap.pop();
      heap.push(e);
    }
  }
  out->resize(heap.size());
  for (size_t i = heap.size(); i > 0; --i) {
    (*out)[i - 1] = heap.top();
    heap.pop();
  }
}

size_t Store::ScanRank(CustomerIndex c, TimeMs now) const {
  Before before{&customers_};
  std::pair<CustomerIndex, double> me{c, TotalAt(c, now)};
  size_t rank = 0;
  for (size_t i = 0; i < customers_.slots(); ++i) {
    CustomerIndex o = static_cast<CustomerIndex>(i);
    if (o != c && customers_.live(o) && before({o, TotalAt(o, now)}, me)) ++rank;
  }
  return rank;
}

}  // namespace kizuna::store
