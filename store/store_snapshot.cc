// Store: saving to and loading from snapshot records (see store.h, "Snapshots").
//
// A customer is saved as: index, id, last_seen, S per category (the stored values at its
// reference time, exact bits), then its record (first_seen, frequency, monetary,
// last_purchase, counters by key). Counter keys are action ids and tracked-pair ids; both
// come back identical because actions are interned first, in id order, and the definitions
// that track pairs are replayed in their original order before any customer is loaded.
#include <algorithm>
#include <cmath>

#include "store/persistence/state_codec.h"
#include "store/store.h"

namespace kizuna::store {

void Store::SaveActions(StateOut& out) const {
  out.Begin("store.actions");
  for (ActionId a = 1; a <= actions_.size(); ++a) {
    out.S(actions_.at(a).name);
    out.U(actions_.at(a).events);
    out.EndItem();
  }
  out.End();
}

void Store::SaveState(StateOut& out) const {
  out.Begin("store.meta");
  out.I(redefined_at_);
  out.I(epoch_);
  out.U(rebases_);
  out.U(events_);
  out.U(events_deduped_);
  out.U(dedupe_.evictions());
  out.U(categories_.size());
  out.U(customers_.slots());
  out.U(customers_.size());
  const std::vector<CustomerIndex>& free = customers_.free_list();
  out.U(free.size());
  for (CustomerIndex c : free) out.U(c);
  out.End();

  out.Begin("store.pairs");
  for (ActionId a = 1; a <= actions_.size(); ++a) {
    for (const auto& [item, pair] : actions_.at(a).tracked) {
      out.U(pair);
      out.U(a);
      out.S(item);
      out.EndItem();
    }
  }
  out.End();

  const size_t m = categories_.size();
  CustomerRecord r;
  out.Begin("store.customers");
  for (size_t i = 0; i < customers_.slots(); ++i) {
    auto c = static_cast<CustomerIndex>(i);
    if (!customers_.live(c)) continue;
    out.U(c);
    out.S(customers_.Id(c));
    out.I(last_seen_[c]);
    const double* row = Row(c);
    for (size_t k = 0; k < m; ++k) out.D(row[k]);
    records_.Read(record_[c], last_seen_[c], &r);
    out.I(r.first_seen);
    out.U(r.frequency);
    out.D(r.monetary);
    out.I(r.last_purchase);
    out.U(r.counters.size());
    for (const auto& [key, count] : r.counters) {
      out.U(key);
      out.U(count);
    }
    out.EndItem();
  }
  out.End();
  dedupe_.Save(out);
}

bool Store::LoadRecord(std::string_view tag, std::string_view payload) {
  StateIn in(payload);
  if (tag == "store.actions") {
    while (!in.done()) {
      std::string_view name;
      uint64_t events;
      if (!in.S(&name) || !in.U(&events)) return false;
      auto a = InternAction(name);
      if (!a || *a != actions_.size()) return false;  // names repeat or do not fit
      actions_.at(*a).events = events;
    }
    return in.ok();
  }
  if (tag == "store.meta") {
    uint64_t rebases, events, deduped, evictions, cats, slots, live, n_free;
    if (!in.I(&redefined_at_) || !in.I(&epoch_) || !in.U(&rebases) || !in.U(&events) ||
        !in.U(&deduped) || !in.U(&evictions) || !in.U(&cats) || !in.U(&slots) || !in.U(&live) ||
        !in.U(&n_free)) {
      return false;
    }
    // The definitions replayed before this record must have rebuilt the same categories.
    if (cats != categories_.size() || slots > UINT32_MAX || live + n_free != slots) return false;
    std::vector<CustomerIndex> free(n_free);
    for (CustomerIndex& c : free) {
      if (!in.U32(&c) || c >= slots) return false;
    }
    rebases_ = rebases;
    events_ = events;
    events_deduped_ = deduped;
    dedupe_.set_evictions(evictions);
    customers_.Reset(slots, std::move(free), live);
    last_seen_.assign(slots, 0);
    record_.assign(slots, RecordPool::kNoRecord);
    scores_.assign(slots * stride_, 0.0);
    return in.ok();
  }
  if (tag == "store.pairs") {
    while (!in.done()) {
      uint32_t pair, action;
      std::string_view item;
      if (!in.U32(&pair) || !in.U32(&action) || !in.S(&item)) return false;
      if (action == kNoAction || action > actions_.size() || pair >= kMaxTrackedPairs) {
        return in.Fail();
      }
      if (pair >= pair_map_.size()) pair_map_.resize(pair + 1, UINT32_MAX);
      pair_map_[pair] = actions_.FindPair(action, item).value_or(UINT32_MAX);
    }
    return in.ok();
  }
  if (tag == "store.customers") return LoadCustomers(payload);
  if (tag == "store.dedupe") return dedupe_.LoadItems(in);
  return false;
}

bool Store::LoadCustomers(std::string_view payload) {
  const size_t m = categories_.size();
  StateIn in(payload);
  size_t n = 0;
  while (!in.done()) {
    if (n == loading_.size()) loading_.emplace_back();
    LoadedCustomer& l = loading_[n++];
    CustomerRecord& r = l.record;
    r.Clear();
    uint64_t counters;
    if (!in.U32(&l.c) || !in.S(&l.id) || !in.I(&l.last_seen)) return false;
    for (size_t k = 0; k < m; ++k) {
      if (!in.D(&l.scores[k])) return false;
    }
    if (!in.I(&r.first_seen) || !in.U(&r.frequency) || !in.D(&r.monetary) ||
        !in.I(&r.last_purchase) || !in.U(&counters) || counters > payload.size()) {
      return in.Fail();
    }
    bool remapped = false;
    for (uint64_t i = 0; i < counters; ++i) {
      uint32_t key;
      uint64_t count;
      if (!in.U32(&key) || !in.U(&count)) return false;
      if (key & kPairKeyBit) {
        uint32_t pair = key & ~kPairKeyBit;
        uint32_t now = pair < pair_map_.size() ? pair_map_[pair] : UINT32_MAX;
        if (now == UINT32_MAX) continue;  // no longer tracked: its counter goes
        remapped |= now != pair;
        key = kPairKeyBit | now;
      }
      r.counters.emplace_back(key, count);
    }
    if (remapped) std::sort(r.counters.begin(), r.counters.end());
  }
  if (!in.ok()) return false;
  // The table's probes are the cache misses of loading: issue them a few customers ahead.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < std::min(n, kAhead); ++i)
    customers_.Prefetch(HashedId::Of(loading_[i].id));
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) customers_.Prefetch(HashedId::Of(loading_[i + kAhead].id));
    const LoadedCustomer& l = loading_[i];
    if (l.c >= last_seen_.size() || !customers_.InsertAt(l.c, l.id)) return false;
    last_seen_[l.c] = l.last_seen;
    std::copy(l.scores, l.scores + m, Row(l.c));
    record_[l.c] = records_.Write(RecordPool::kNoRecord, l.last_seen, l.record);
  }
  return true;
}

void Store::FinishLoad() { Relayout(epoch_); }

}  // namespace kizuna::store
