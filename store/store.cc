// Store: definitions, layout of the score matrix, indexes, FLUSHALL and INFO figures.
// Events are in store_events.cc, reads in store_queries.cc.
#include "store/store.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "store/column_keys.h"
#include "store/strings.h"

namespace kizuna::store {

Store::Store(Clock* clock) : clock_(clock) { Relayout(0); }

Store::~Store() = default;

double Store::NormKey(double s, TimeMs ref, int64_t halflife) const {
  return s * std::exp2(static_cast<double>(ref - epoch_) / static_cast<double>(halflife));
}

std::vector<CustomerIndex> Store::LiveCustomers() const {
  std::vector<CustomerIndex> live;
  live.reserve(customers_.size());
  for (size_t c = 0; c < customers_.slots(); ++c) {
    if (customers_.live(static_cast<CustomerIndex>(c))) {
      live.push_back(static_cast<CustomerIndex>(c));
    }
  }
  return live;
}

void Store::Relayout(TimeMs epoch) {
  size_t m = categories_.size();
  std::vector<int> norm_col(m, -1);
  size_t stride = m;
  for (size_t k = 0; k < m; ++k) {
    if (categories_.at(k).halflife_ms > 0) norm_col[k] = static_cast<int>(stride++);
  }
  ++stride;  // the tie label, last
  // Copy S into the new layout and recompute every decay key at the new epoch (labels are
  // recomputed by RebuildIndexes).
  size_t slots = customers_.slots();
  ScoreMatrix fresh(slots * stride, 0.0);
  epoch_ = epoch;
  for (size_t c = 0; c < slots; ++c) {
    if (!customers_.live(static_cast<CustomerIndex>(c))) continue;
    const double* old_row = scores_.data() + c * stride_;
    double* row = fresh.data() + c * stride;
    std::copy(old_row, old_row + norm_col_.size(), row);  // categories are only ever added
    TimeMs ref = Ref(static_cast<CustomerIndex>(c));
    for (size_t k = 0; k < m; ++k) {
      if (norm_col[k] >= 0) {
        row[norm_col[k]] = NormKey(row[k], ref, categories_.at(k).halflife_ms);
      }
    }
  }
  scores_.swap(fresh);
  stride_ = stride;
  norm_col_ = std::move(norm_col);

  // Key sources and indexes.
  cat_index_.clear();
  keys_.clear();
  for (size_t k = 0; k < m; ++k) {
    keys_.push_back(std::make_unique<ColumnKeys>(
        this, std::vector<int>{norm_col_[k] >= 0 ? norm_col_[k] : static_cast<int>(k)}));
    cat_index_.push_back(std::make_unique<OrderIndex>(keys_.back().get()));
  }
  bool uniform = true;
  std::vector<int> total_cols;
  for (size_t k = 0; k < m; ++k) {
    uniform = uniform && categories_.at(k).halflife_ms == categories_.at(0).halflife_ms;
    total_cols.push_back(norm_col_[k] >= 0 ? norm_col_[k] : static_cast<int>(k));
  }
  total_index_.reset();
  total_keys_.reset();
  if (uniform) {
    total_keys_ = std::make_unique<ColumnKeys>(this, std::move(total_cols));
    total_index_ = std::make_unique<OrderIndex>(total_keys_.get());
  }
  RebuildIndexes();
}

uint64_t Store::LabelOf(std::string_view id) const {
  // Big-endian bytes [p, p + 8) of the id, zero-padded, where every id shares its first p
  // bytes: comparing labels compares ids up to the first 8 bytes after the shared prefix.
  size_t p = label_prefix_.size();
  size_t n = id.size() > p ? std::min<size_t>(8, id.size() - p) : 0;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    v = (v << 8) | (i < n ? static_cast<unsigned char>(id[p + i]) : 0u);
  }
  return v;
}

void Store::SetLabel(CustomerIndex c) {
  uint64_t label = LabelOf(customers_.Id(c));
  std::memcpy(Row(c) + stride_ - 1, &label, sizeof(label));
}

void Store::AdmitId(std::string_view id) {
  if (customers_.size() == 0) {
    label_prefix_.assign(id.data(), id.size());
    return;
  }
  size_t p = 0;
  while (p < label_prefix_.size() && p < id.size() && label_prefix_[p] == id[p]) ++p;
  if (p == label_prefix_.size()) return;
  // The shared prefix shrinks (at most 256 times between two empty stores): relabel everyone.
  // Label order stays consistent with id order, so the indexes keep their order and only
  // their cached front labels need refreshing.
  label_prefix_.resize(p);
  for (CustomerIndex c : LiveCustomers()) SetLabel(c);
  for (auto& index : cat_index_) index->RefreshLabels();
  if (total_index_) total_index_->RefreshLabels();
}

void Store::RebuildIndexes() {
  std::vector<CustomerIndex> live = LiveCustomers();
  // Labels from scratch (whatever path filled the table): the prefix every live id shares.
  if (!live.empty()) {
    std::string_view first = customers_.Id(live[0]);
    label_prefix_.assign(first.data(), first.size());
  }
  for (CustomerIndex c : live) {
    std::string_view id = customers_.Id(c);
    size_t p = 0;
    while (p < label_prefix_.size() && p < id.size() && label_prefix_[p] == id[p]) ++p;
    label_prefix_.resize(p);
  }
  for (CustomerIndex c : live) SetLabel(c);
  for (auto& index : cat_index_) index->Build(live);
  if (total_index_) total_index_->Build(std::move(live));
}

absl::Status Store::SetCategory(std::string_view name, int64_t halflife_ms, TimeMs now) {
  if (absl::Status s = categories_.Validate(name); !s.ok()) return s;
  if (halflife_ms < 0) return absl::InvalidArgumentError("ERR invalid half-life");
  int k = categories_.Find(name);
  if (k != kNoCategory && categories_.at(static_cast<size_t>(k)).halflife_ms == halflife_ms) {
    return absl::OkStatus();
  }
  if (k != kNoCategory) {
    // Decay every customer to max(ref, now) under the old half-lives; from here on the
    // reference time of everybody is at least R = now.
    for (CustomerIndex c : LiveCustomers()) {
      TimeMs ref = Ref(c);
      if (now <= ref) continue;
      double* row = Row(c);
      for (size_t j = 0; j < categories_.size(); ++j) {
        int64_t hl = categories_.at(j).halflife_ms;
        if (hl > 0) row[j] *= std::exp2(-static_cast<double>(now - ref) / static_cast<double>(hl));
      }
    }
    redefined_at_ = std::max(redefined_at_, now);
  }
  categories_.Set(name, halflife_ms);
  ++rebases_;
  Relayout(now);
  return absl::OkStatus();
}

absl::StatusOr<int> Store::ResolveCategory(std::string_view name) const {
  if (name == "total") return kTotal;
  int k = categories_.Find(name);
  if (k == kNoCategory) return absl::InvalidArgumentError(UnknownCategoryError(name));
  return k;
}

namespace {

bool ValidAction(std::string_view action) {
  if (action.empty() || action.size() > 256) return false;
  for (char c : action) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
  }
  return true;
}

}  // namespace

absl::Status Store::SetRule(const RuleDefinition& def) {
  if (def.id.empty()) return absl::InvalidArgumentError("ERR rule id must not be empty");
  if (!ValidAction(def.action)) {
    return absl::InvalidArgumentError(StrCat("ERR invalid action '", def.action, "'"));
  }
  ItemPattern pattern;
  if (def.item) {
    auto parsed = ItemPattern::Parse(*def.item);
    if (!parsed.ok()) return parsed.status();
    pattern = *std::move(parsed);
  }
  if (def.points.empty()) return absl::InvalidArgumentError("ERR syntax error");
  Rule rule;
  for (const auto& [cat, n] : def.points) {
    int k = categories_.Find(cat);
    if (k == kNoCategory) return absl::InvalidArgumentError(UnknownCategoryError(cat));
    if (!std::isfinite(n)) return absl::InvalidArgumentError("ERR value is not a valid float");
    // A category named twice: the last value wins, as with HSET.
    auto it = std::find_if(rule.points.begin(), rule.points.end(),
                           [k](const auto& p) { return p.first == k; });
    if (it != rule.points.end()) {
      it->second = n;
    } else {
      rule.points.emplace_back(k, n);
    }
  }
  if (def.per && (!std::isfinite(*def.per) || *def.per <= 0)) {
    return absl::InvalidArgumentError("ERR PER must be a positive number");
  }
  bool new_action = actions_.Find(def.action) == kNoAction;
  if (new_action && actions_.size() >= kMaxActions) {
    return absl::InvalidArgumentError("ERR too many distinct actions");
  }
  const Rule* old = rules_.Find(def.id);
  bool same_pair = old && old->item.kind == ItemPattern::kExact &&
                   pattern.kind == ItemPattern::kExact && old->action == def.action &&
                   old->item.text == pattern.text;
  if (pattern.kind == ItemPattern::kExact && !same_pair) {
    ActionId a = actions_.Intern(def.action);
    if (!actions_.FindPair(a, pattern.text) && actions_.tracked_pairs() >= kMaxTrackedPairs) {
      return absl::InvalidArgumentError("ERR too many tracked (action, item) pairs");
    }
  }
  // Valid: apply. Track the new pair before untracking the old one so a shared pair keeps
  // its counters.
  rule.id = std::string(def.id);
  rule.action = std::string(def.action);
  rule.item = std::move(pattern);
  rule.per = def.per;
  if (rule.item.kind == ItemPattern::kExact && !same_pair) {
    actions_.TrackPair(actions_.Intern(rule.action), rule.item.text);
  }
  if (old && old->item.kind == ItemPattern::kExact && !same_pair) {
    UntrackPair(old->action, old->item.text);
  }
  rules_.Set(std::move(rule));
  return absl::OkStatus();
}

bool Store::DeleteRule(std::string_view id) {
  const Rule* old = rules_.Find(id);
  if (!old) return false;
  if (old->item.kind == ItemPattern::kExact) {
    std::string action = old->action, item = old->item.text;
    rules_.Delete(id);
    UntrackPair(action, item);
    return true;
  }
  return rules_.Delete(id);
}

absl::Status Store::TrackPair(std::string_view action, std::string_view item) {
  if (!ValidAction(action)) {
    return absl::InvalidArgumentError(StrCat("ERR invalid action '", action, "'"));
  }
  ActionId a = actions_.Intern(action);
  if (a == kNoAction) return absl::InvalidArgumentError("ERR too many distinct actions");
  if (!actions_.TrackPair(a, item)) {
    return absl::InvalidArgumentError("ERR too many tracked (action, item) pairs");
  }
  return absl::OkStatus();
}

std::optional<uint32_t> Store::PairKey(std::string_view action, std::string_view item) const {
  ActionId a = actions_.Find(action);
  if (a == kNoAction) return std::nullopt;
  auto pair = actions_.FindPair(a, item);
  if (!pair) return std::nullopt;
  return kPairKeyBit | *pair;
}

std::optional<ActionId> Store::InternAction(std::string_view action) {
  if (!ValidAction(action)) return std::nullopt;
  ActionId a = actions_.Intern(action);
  if (a == kNoAction) return std::nullopt;
  return a;
}

void Store::UntrackPair(std::string_view action, std::string_view item) {
  ActionId a = actions_.Find(action);
  if (a == kNoAction) return;
  if (auto pair = actions_.UntrackPair(a, item)) RemoveCounterEverywhere(kPairKeyBit | *pair);
}

void Store::RemoveCounterEverywhere(uint32_t key) {
  for (CustomerIndex c : LiveCustomers()) {
    records_.Read(record_[c], last_seen_[c], &scratch_);
    if (scratch_.Remove(key)) record_[c] = records_.Write(record_[c], last_seen_[c], scratch_);
  }
}

void Store::FlushAll() {
  for (StoreObserver* o : observers_) o->OnFlushAll();
  customers_.Clear();
  MappedVector<TimeMs>().swap(last_seen_);
  MappedVector<RecordPool::Handle>().swap(record_);
  records_.Clear();
  ScoreMatrix().swap(scores_);
  dedupe_.Clear();
  actions_.ResetEventCounts();
  outbox_.Clear();
  events_ = 0;
  events_deduped_ = 0;
  for (auto& index : cat_index_) index->Clear();
  if (total_index_) total_index_->Clear();
}

void Store::EnsureSlot(CustomerIndex c) {
  if (c < last_seen_.size()) return;
  last_seen_.resize(static_cast<size_t>(c) + 1, 0);
  record_.resize(static_cast<size_t>(c) + 1, RecordPool::kNoRecord);
  scores_.resize((static_cast<size_t>(c) + 1) * stride_, 0.0);
}

StoreStats Store::stats() const {
  StoreStats s;
  s.customers = customers_.size();
  s.events = events_;
  s.events_deduped = events_deduped_;
  s.categories = categories_.size();
  s.rules = rules_.size();
  s.actions = actions_.size();
  s.tracked_pairs = actions_.tracked_pairs();
  s.dedupe_customers = dedupe_.customers();
  s.dedupe_ids = dedupe_.ids();
  s.dedupe_max_ids_per_customer = dedupe_.max_ids();
  s.dedupe_evictions = dedupe_.evictions();
  s.dedupe_memory_bytes = dedupe_.MemoryBytes();
  s.total_indexed = TotalIndexed();
  s.rebases = rebases_;
  size_t bytes = customers_.MemoryBytes() + records_.MemoryBytes() + dedupe_.MemoryBytes() +
                 last_seen_.capacity() * sizeof(TimeMs) +
                 record_.capacity() * sizeof(RecordPool::Handle) +
                 scores_.capacity() * sizeof(double) + label_prefix_.capacity();
  for (const auto& index : cat_index_) bytes += index->MemoryBytes();
  if (total_index_) bytes += total_index_->MemoryBytes();
  s.memory_bytes = bytes;
  return s;
}

}  // namespace kizuna::store
