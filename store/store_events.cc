// Store: EVENT (SPEC steps 1–4) and CUSTOMER.DEL.
#include <algorithm>
#include <cmath>

#include "store/column_keys.h"
#include "store/store.h"
#include "store/stream/outbox_writer.h"
#include "store/strings.h"

namespace kizuna::store {
namespace {

bool ValidEventAction(std::string_view action) {
  if (action.empty() || action.size() > 256) return false;
  for (char c : action) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
  }
  return true;
}

double Decay(int64_t elapsed, int64_t halflife) {
  if (halflife <= 0 || elapsed <= 0) return 1.0;
  return std::exp2(-static_cast<double>(elapsed) / static_cast<double>(halflife));
}

}  // namespace

absl::StatusOr<EventResult> Store::ApplyEvent(const EventInput& in, TimeMs now) {
  // Step 1: validate everything before touching anything.
  if (in.customer.empty() || in.customer.size() > kMaxCustomerIdLen) {
    return absl::InvalidArgumentError("ERR invalid customer id (must be 1 to 256 bytes)");
  }
  if (!ValidEventAction(in.action)) {
    return absl::InvalidArgumentError(StrCat("ERR invalid action '", in.action, "'"));
  }
  if (in.ts < 0) return absl::InvalidArgumentError("ERR invalid timestamp");
  if (in.value && !std::isfinite(*in.value)) {
    return absl::InvalidArgumentError("ERR value is not a valid float");
  }
  ActionId action = actions_.Find(in.action);
  if (action == kNoAction && actions_.size() >= kMaxActions) {
    return absl::InvalidArgumentError("ERR too many distinct actions");
  }
  CustomerIndex c = customers_.Find(in.customer_hash ? HashedId{in.customer, *in.customer_hash}
                                                     : HashedId::Of(in.customer));
  if (c != kNoCustomer) {
    // First touches of the customer, issued together rather than as the code reaches them.
    __builtin_prefetch(Row(c));
    __builtin_prefetch(&last_seen_[c]);
    __builtin_prefetch(&record_[c]);
    for (StoreObserver* o : observers_) o->Prefetch(c, in, action);
  }

  // Step 2: dedupe.
  if (c != kNoCustomer && in.id && dedupe_.Seen(c, *in.id, in.ts, options_.dedupe_window_ms)) {
    ++events_deduped_;
    return EventResult{TotalAt(c, now), true, false};
  }
  if (action == kNoAction) action = actions_.Intern(in.action);

  // Step 3: points of every matching rule, per category.
  const size_t m = categories_.size();
  double delta[kMaxCategories];
  std::fill(delta, delta + m, 0.0);  // only the categories in use: most stores have a few
  uint32_t touched = 0, lowered = 0;
  actions_.ForEachMatch(action, in.item, [&](const Rule& r) {
    double factor = 1;
    if (r.per) {
      if (!in.value) return;  // a PER rule on an event without VALUE adds nothing
      factor = *in.value / *r.per;
    }
    for (const auto& [k, n] : r.points) {
      delta[k] += n * factor;
      touched |= 1u << k;
    }
  });

  bool created = c == kNoCustomer;
  TimeMs old_ref = created ? std::max(in.ts, redefined_at_) : Ref(c);
  TimeMs new_ref = std::max(old_ref, in.ts);
  // Keep decay keys within range: move the epoch forward (re-sorting) when needed.
  for (size_t k = 0; k < m; ++k) {
    int64_t hl = categories_.at(k).halflife_ms;
    if (hl > 0 &&
        static_cast<double>(new_ref - epoch_) / static_cast<double>(hl) > kRebaseHalflives) {
      ++rebases_;
      Relayout(new_ref);
      break;
    }
  }

  // The indexes whose key changes (all of them for a new customer; after Relayout, which replaces
  // them). A category whose points sum to 0 keeps its value and key (untouched categories are not
  // re-keyed either).
  OrderIndex* changed[kMaxCategories + 1];
  const ColumnKeys* changed_keys[kMaxCategories + 1];
  size_t n_changed = 0;
  for (size_t k = 0; k < m; ++k) {
    if (delta[k] == 0) touched &= ~(1u << k);
    if (delta[k] < 0) lowered |= 1u << k;
    if (created || (touched & (1u << k))) {
      changed_keys[n_changed] = keys_[k].get();
      changed[n_changed++] = cat_index_[k].get();
    }
  }
  if (total_index_ && (created || touched)) {
    changed_keys[n_changed] = total_keys_.get();
    changed[n_changed++] = total_index_.get();
  }

  // A new customer's row is filled in place; a known one's is updated in a copy, as the index
  // searches read its old keys.
  double next[2 * kMaxCategories + 1];
  double* row = next;
  if (created) {
    AdmitId(in.customer);
    c = customers_.Insert(in.customer);
    EnsureSlot(c);
    row = Row(c);
    std::fill(row, row + stride_, 0.0);
    SetLabel(c);
    last_seen_[c] = in.ts;
    record_[c] = RecordPool::kNoRecord;
    scratch_.Clear();
    scratch_.first_seen = in.ts;
  } else {
    std::copy(Row(c), Row(c) + stride_, next);
    // The record's timestamps are deltas against last_seen: decode before it moves.
    records_.Read(record_[c], last_seen_[c], &scratch_);
  }

  if (new_ref > old_ref) {
    // Decay every decaying category to the event's time; its order key does not change.
    for (size_t k = 0; k < m; ++k) {
      if (norm_col_[k] >= 0) row[k] *= Decay(new_ref - old_ref, categories_.at(k).halflife_ms);
    }
  }
  for (size_t k = 0; k < m; ++k) {
    if (!(touched & (1u << k))) continue;
    int64_t hl = categories_.at(k).halflife_ms;
    row[k] += delta[k] * Decay(new_ref - in.ts, hl);
    if (norm_col_[k] >= 0) row[norm_col_[k]] = NormKey(row[k], new_ref, hl);
  }
  if (in.ts > last_seen_[c]) last_seen_[c] = in.ts;

  if (created) {
    OrderIndex::InsertAll(changed, n_changed, c);
  } else {
    OrderIndex::Move moves[kMaxCategories + 1];
    for (size_t i = 0; i < n_changed; ++i) {
      moves[i].index = changed[i];
      moves[i].new_key = changed_keys[i]->KeyOf(next);
    }
    OrderIndex::PlanMoves(moves, n_changed, c);
    OrderIndex::EraseMoves(moves, n_changed);
    std::copy(next, next + stride_, Row(c));
    OrderIndex::InsertMoves(moves, n_changed, c);
  }

  // Step 4: counters and purchase figures.
  CustomerRecord& r = scratch_;
  if (in.ts < r.first_seen) r.first_seen = in.ts;
  uint64_t action_count = r.Increment(action);
  std::optional<uint64_t> pair_count;
  uint32_t pair_key = 0;
  if (in.item) {
    if (auto pair = actions_.FindPair(action, *in.item)) {
      pair_key = kPairKeyBit | *pair;
      pair_count = r.Increment(pair_key);
    }
  }
  uint64_t frequency_before = r.frequency;
  double monetary_before = r.monetary;
  TimeMs last_purchase_before = r.last_purchase;
  bool purchase = in.action == options_.purchase_action;
  if (purchase) {
    if (r.frequency == 0 || in.ts > r.last_purchase) r.last_purchase = in.ts;
    ++r.frequency;
    if (in.value) r.monetary += *in.value;
  }
  record_[c] = records_.Write(record_[c], last_seen_[c], r);
  ++actions_.at(action).events;
  ++events_;
  if (in.id) dedupe_.Remember(c, *in.id, in.ts, options_.dedupe_window_ms);

  // Steps 5–8 (issue 5) plug in here.
  if (!observers_.empty()) {
    AppliedEvent applied{.customer = c,
                         .input = in,
                         .action = action,
                         .created = created,
                         .action_count = action_count,
                         .pair_count = pair_count,
                         .record = r,
                         .now = now,
                         .frequency_before = frequency_before,
                         .monetary_before = monetary_before,
                         .last_purchase_before = last_purchase_before,
                         .touched = touched,
                         .lowered = lowered,
                         .pair_key = pair_key,
                         .purchase = purchase};
    for (StoreObserver* o : observers_) o->OnEvent(applied);
  }
  return EventResult{TotalAt(c, now), false, created};
}

bool Store::DeleteCustomer(std::string_view id) {
  CustomerIndex c = customers_.Find(id);
  if (c == kNoCustomer) return false;
  for (StoreObserver* o : observers_) o->OnCustomerDeleted(c, id);
  for (auto& index : cat_index_) index->Erase(c);
  if (total_index_) total_index_->Erase(c);
  records_.Free(record_[c]);
  record_[c] = RecordPool::kNoRecord;
  dedupe_.Forget(c);
  std::fill(Row(c), Row(c) + stride_, 0.0);
  last_seen_[c] = 0;
  customers_.Erase(c);
  // Messages already sent to them are a trace too (SPEC: every trace): the outbox forgets them
  // as XDEL + XACK in every group would.
  outbox_.DeleteIf([id](const StreamEntry& e) {
    bool theirs = false;
    e.ForEachField([&](std::string_view field, std::string_view value) {
      theirs |= field == kOutboxCustomerField && value == id;
    });
    return theirs;
  });
  return true;
}

}  // namespace kizuna::store
