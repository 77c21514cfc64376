// Store: the domain facade the server calls. One instance, used from the event-loop thread
// only; not thread-safe.
//
// Determinism: every mutating operation takes fully resolved inputs (the handler fills in
// defaults such as EVENT's TS from the clock and validates TS against it) and its effect
// depends only on its arguments and the prior state, never on reading the clock, so a log of
// applied write commands replays exactly. Where a write needs "now" (CATEGORY.SET decays
// scores to now) it is a parameter. Reads take `now` too and decay to it.
//
// Errors: fallible operations return absl::Status(Or) whose message is the complete Redis
// error line ("ERR unknown category 'foo'"); they validate everything before changing
// anything, so an error leaves the store untouched.
//
// Scores and decay. A customer has one reference time ref = max(last_seen, R), where
// last_seen is its highest event TS and R the time of the latest half-life change (see
// SetCategory). Scores S_k are stored as values at ref; the value at time x is
// S_k·2^-(max(0, x − ref)/halflife_k). An event at t > ref first decays S to t; one at
// t < ref adds points·2^-((ref − t)/halflife). This is exactly the per-customer semantics
// of SPEC EVENT step 3, with a single timestamp per customer.
//
// Ordering. Each category has an OrderIndex (descending score, ties by ascending id). For a
// decaying category the index key is S_k·2^((ref − E)/halflife_k) for a common epoch E: all
// customers decay at the same rate, so that key orders them by value at any x >= every ref,
// and it changes only when the customer's own score does. When (ref − E)/halflife would
// exceed kRebaseHalflives the epoch moves forward and keys are recomputed (exactly, from S)
// and re-sorted. (A customer whose latest event TS is still ahead of the clock — at most
// 5 minutes, SPEC — is ordered as if read at that TS.)
//
// Total. When every category has the same half-life (the default: all without decay) the
// sum of the per-category keys orders customers by total at any time, and `total` has its
// own OrderIndex. With mixed half-lives the order of totals changes with time alone, so no
// index can stay exact without events; TOP/RANK total then fall back to an exact O(N) scan
// (a bounded heap for TOP, a count for RANK), computed at `now`.
#ifndef KIZUNA_STORE_STORE_H_
#define KIZUNA_STORE_STORE_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/categories.h"
#include "store/clock.h"
#include "store/customer_record.h"
#include "store/customer_table.h"
#include "store/dedupe.h"
#include "store/huge_pages.h"
#include "store/mapped_vector.h"
#include "store/order_index.h"
#include "store/rules.h"
#include "store/store_options.h"
#include "store/stream/stream.h"

namespace kizuna::store {

class StateOut;

// Category argument of SCORE/TOP/RANK: a category index, or kTotal.
inline constexpr int kTotal = -2;
// Largest accepted `(ref − epoch) / halflife` before keys are rebased (2^256 headroom).
inline constexpr double kRebaseHalflives = 256;

struct EventInput {
  std::string_view customer;
  std::string_view action;
  std::optional<std::string_view> item;
  std::optional<double> value;
  TimeMs ts = 0;  // resolved by the caller (defaults to the clock)
  std::optional<std::string_view> id;
  bool import = false;
  // HashBytes(customer), when the caller has it already (the server hashed it to prefetch).
  std::optional<uint64_t> customer_hash;
};

struct EventResult {
  double total = 0;      // the customer's total at `now`
  bool deduped = false;  // step 2 found the ID: nothing changed
  bool created = false;  // this event created the customer
};

// What observers (issue 5: timers/UNLESS, badges, segments, triggers) see after SPEC EVENT
// steps 3–4 have been applied.
struct AppliedEvent {
  CustomerIndex customer;
  const EventInput& input;
  ActionId action;
  bool created;
  uint64_t action_count;               // this customer's count of the action, after the event
  std::optional<uint64_t> pair_count;  // count of the exact (action, item) if tracked
  const CustomerRecord& record;        // the customer's counters and purchase figures, after
  TimeMs now;                          // the clock the command runs at (for decayed scores)
  // Purchase figures before the event (a purchase-action event changes them; Insight keeps
  // its RFM ranks from the before/after pair).
  uint64_t frequency_before = 0;
  double monetary_before = 0;
  TimeMs last_purchase_before = 0;
  // What the event changed, so observers can skip what it cannot have touched: categories
  // whose score got non-zero points (`lowered`: negative ones), the counter key of its tracked
  // (action, item) pair (0 if none), and whether it was the purchase action (frequency /
  // monetary / last purchase).
  uint32_t touched = 0;
  uint32_t lowered = 0;
  uint32_t pair_key = 0;
  bool purchase = false;
};

class StoreObserver {
 public:
  virtual ~StoreObserver() = default;
  virtual void OnEvent(const AppliedEvent& event) {}
  // An event of known customer `c` is about to be applied: a chance to start loading what
  // OnEvent will read, while the store works on scores. `action` is kNoAction for a new one.
  virtual void Prefetch(CustomerIndex c, const EventInput& in, ActionId action) {}
  // Called before the customer's state is dropped; the index may be reused afterwards.
  virtual void OnCustomerDeleted(CustomerIndex c, std::string_view id) {}
  virtual void OnFlushAll() {}
};

// RULE.SET as parsed by the handler; Store::SetRule validates it.
struct RuleDefinition {
  std::string_view id;
  std::string_view action;
  std::optional<std::string_view> item;
  std::vector<std::pair<std::string_view, double>> points;  // category name -> points
  std::optional<double> per;
};

// CUSTOMER's figures (scores at `now`).
struct CustomerView {
  std::vector<double> scores;  // per category index
  double total = 0;
  std::vector<std::pair<std::string_view, uint64_t>> counts;  // action -> n, by action id
  TimeMs first_seen = 0;
  TimeMs last_seen = 0;
  uint64_t frequency = 0;
  double monetary = 0;
  std::optional<TimeMs> last_purchase;
};

// Figures for INFO scoring.
struct StoreStats {
  size_t customers = 0;
  uint64_t events = 0;
  uint64_t events_deduped = 0;
  size_t categories = 0;
  size_t rules = 0;
  size_t actions = 0;
  size_t tracked_pairs = 0;
  size_t dedupe_customers = 0;
  size_t dedupe_ids = 0;
  size_t dedupe_max_ids_per_customer = DedupeTable::kDefaultIdsPerCustomer;
  uint64_t dedupe_evictions = 0;
  size_t dedupe_memory_bytes = 0;
  bool total_indexed = true;
  size_t memory_bytes = 0;  // estimate of everything the store holds
  uint64_t rebases = 0;
};

class Store {
 public:
  explicit Store(Clock* clock);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Clock& clock() const { return *clock_; }
  const StoreOptions& options() const { return options_; }
  // Bumped whenever stored scores are re-based (a half-life changed, or the decay epoch moved).
  uint64_t rebases() const { return rebases_; }
  void set_options(const StoreOptions& options) {
    options_ = options;
    dedupe_.set_max_ids(static_cast<size_t>(options.dedupe_max_ids));
  }

  // DBSIZE: number of customers.
  size_t customer_count() const { return customers_.size(); }
  // FLUSHALL: drops every customer and everything hanging off them (scores, counters, dedupe
  // ids, per-action event counts); keeps categories, rules and tracked pairs.
  void FlushAll();

  // ---- Definitions -------------------------------------------------------------------------
  const CategorySet& categories() const { return categories_; }
  // CATEGORY.SET. halflife_ms 0 = no decay. Changing an existing category's half-life first
  // decays every customer's scores to `now` under the old half-lives. O(N log N) when the
  // ordering has to be rebuilt (new category, changed half-life).
  absl::Status SetCategory(std::string_view name, int64_t halflife_ms, TimeMs now);
  // Category index of `name`, kTotal for "total", or "ERR unknown category 'x'".
  absl::StatusOr<int> ResolveCategory(std::string_view name) const;

  absl::Status SetRule(const RuleDefinition& def);
  const Rule* GetRule(std::string_view id) const { return rules_.Find(id); }
  bool DeleteRule(std::string_view id);
  const RuleSet& rules() const { return rules_; }
  const ActionTable& actions() const { return actions_; }

  // Seam for badges/segments/triggers: (action, exact item) pairs whose per-customer counters
  // must be kept, reference counted. Counting starts at registration; when the last reference
  // goes, the counters are dropped from every customer.
  absl::Status TrackPair(std::string_view action, std::string_view item);
  void UntrackPair(std::string_view action, std::string_view item);
  // Counter key of a tracked pair (kPairKeyBit | id), for CustomerRecord::Count.
  std::optional<uint32_t> PairKey(std::string_view action, std::string_view item) const;
  // The id of an action, created if new; nullopt for an invalid name or a full table.
  std::optional<ActionId> InternAction(std::string_view action);

  void AddObserver(StoreObserver* observer) { observers_.push_back(observer); }

  // Pipelining: starts loading what a later command about customer `id` (EVENT, SCORE,
  // CUSTOMER) reads, `distance` commands ahead, each step reading only what the step before
  // fetched. At 3 it fetches the id's hash slots; at 2 it reads them for the customer's index
  // and fetches its id offset, score row, last seen and record handle; at 1 the id's bytes
  // and the record.
  // A hint only: it changes nothing.
  void PrefetchCustomer(const HashedId& id, size_t distance) const;

  // ---- Events ------------------------------------------------------------------------------
  // SPEC EVENT steps 1–4, then observers. in.ts must already be resolved and checked against
  // the clock by the caller; `now` is used only to compute the returned total.
  absl::StatusOr<EventResult> ApplyEvent(const EventInput& in, TimeMs now);

  // ---- Customers and queries ----------------------------------------------------------------
  CustomerIndex FindCustomer(std::string_view id) const { return customers_.Find(id); }
  std::string_view CustomerId(CustomerIndex c) const { return customers_.Id(c); }
  // Score of a live customer in a category (or kTotal) at `now`.
  double Score(CustomerIndex c, int category, TimeMs now) const;
  void ReadCustomer(CustomerIndex c, TimeMs now, CustomerView* out) const;
  // A live customer's counters and purchase figures.
  void ReadRecord(CustomerIndex c, CustomerRecord* out) const;
  // first_seen and the purchase figures only (no counters): cheaper, for scans.
  void ReadFigures(CustomerIndex c, CustomerRecord* out) const {
    records_.ReadFigures(record_[c], last_seen_[c], out);
  }
  // Calls f(c, scores, label) for every live customer in index order, scores[k] being
  // category k's value at `now` (as Score returns it) and label its tie label (label(a) <
  // label(b) implies id(a) < id(b); equal labels say nothing): one pass over the matrix.
  template <typename F>
  void ForEachScores(TimeMs now, F&& f) const;
  // Every live customer, in index order.
  std::vector<CustomerIndex> Customers() const { return LiveCustomers(); }
  // Customer indices run from 0 to customer_slots() - 1; freed ones are not live.
  size_t customer_slots() const { return customers_.slots(); }
  bool customer_live(CustomerIndex c) const { return customers_.live(c); }
  // Count of an action / a tracked (action, item) pair for a live customer (0 if none).
  uint64_t ActionCount(CustomerIndex c, std::string_view action) const;
  uint64_t PairCount(CustomerIndex c, std::string_view action, std::string_view item) const;
  // CUSTOMER.DEL: false when unknown.
  bool DeleteCustomer(std::string_view id);

  // TOP: up to n (customer, score) pairs in leaderboard order.
  void Top(int category, size_t n, TimeMs now,
           std::vector<std::pair<CustomerIndex, double>>* out) const;
  // RANK: 0-based position of a live customer.
  size_t Rank(CustomerIndex c, int category, TimeMs now) const;

  StoreStats stats() const;

  // ---- Snapshots (store_snapshot.cc; record format in persistence/state_codec.h) -----------
  // "store.actions": action names in id order and their event counts. Loaded first, into an
  // empty store, so the definitions replayed after it resolve to the same action ids (and
  // so the same per-customer counter keys).
  void SaveActions(StateOut& out) const;
  // "store.meta" (decay epoch, counters, the customer table's slots and free list),
  // "store.pairs" (tracked (action, item) pairs by id), then "store.customers" and
  // "store.dedupe". Customers keep their indices: later log records (segment re-check
  // slices) name index ranges. Pair counters are mapped by (action, item) on load: the
  // replayed definitions give the same ids, except for pairs that only the init file (applied
  // after loading, as after log replay) tracks, whose counters start over as they do then.
  void SaveState(StateOut& out) const;
  // One record of a section above; false when its payload is malformed.
  bool LoadRecord(std::string_view tag, std::string_view payload);
  // After the last record: recomputes decay keys, tie labels and every index.
  void FinishLoad();

  // The outbox stream (SPEC §2): triggers and badges append; FLUSHALL empties it.
  Stream& outbox() { return outbox_; }
  const Stream& outbox() const { return outbox_; }

 private:
  class ColumnKeys;
  friend class ColumnKeys;

  TimeMs Ref(CustomerIndex c) const {
    return last_seen_[c] > redefined_at_ ? last_seen_[c] : redefined_at_;
  }
  double* Row(CustomerIndex c) { return scores_.data() + static_cast<size_t>(c) * stride_; }
  const double* Row(CustomerIndex c) const {
    return scores_.data() + static_cast<size_t>(c) * stride_;
  }
  double ValueAt(CustomerIndex c, size_t k, TimeMs now) const;
  double TotalAt(CustomerIndex c, TimeMs now) const;
  double NormKey(double s, TimeMs ref, int64_t halflife) const;

  // Sets up columns and indexes for the current categories, recomputing decay keys for
  // epoch `epoch` and re-sorting every index. O(N log N).
  void Relayout(TimeMs epoch);
  // Sets every live customer's tie label, then re-sorts every index. O(N log N).
  void RebuildIndexes();
  // Tie label of an id (see OrderIndex): label order is consistent with id order.
  uint64_t LabelOf(std::string_view id) const;
  void SetLabel(CustomerIndex c);
  // Before inserting a new customer: shrinks the prefix all ids share (relabelling everybody)
  // when `id` does not start with it.
  void AdmitId(std::string_view id);
  std::vector<CustomerIndex> LiveCustomers() const;
  // One "store.customers" record (store_snapshot.cc).
  bool LoadCustomers(std::string_view payload);
  void EnsureSlot(CustomerIndex c);
  void RemoveCounterEverywhere(uint32_t key);
  bool TotalIndexed() const { return total_index_ != nullptr; }
  void ScanTop(size_t n, TimeMs now, std::vector<std::pair<CustomerIndex, double>>* out) const;
  size_t ScanRank(CustomerIndex c, TimeMs now) const;

  Clock* clock_;
  StoreOptions options_;
  CategorySet categories_;
  ActionTable actions_;
  RuleSet rules_{&actions_};

  CustomerTable customers_;
  MappedVector<TimeMs> last_seen_;           // per customer index
  MappedVector<RecordPool::Handle> record_;  // per customer index
  RecordPool records_;
  // Row-major score matrix: per customer `stride_` doubles: S for every category, then the
  // order key of each decaying category (column norm_col_[k]), then the tie label (u64 bits).
  // 64-byte aligned so a 32-byte row (3 categories) never straddles two cache lines.
  using ScoreMatrix = MappedVector<double>;  // rows start on cache lines
  ScoreMatrix scores_;
  size_t stride_ = 0;
  std::vector<int> norm_col_;        // per category, -1 when it does not decay
  TimeMs epoch_ = 0;                 // E
  TimeMs redefined_at_ = INT64_MIN;  // R
  uint64_t rebases_ = 0;

  std::vector<std::unique_ptr<ColumnKeys>> keys_;  // per category, then total
  std::vector<std::unique_ptr<OrderIndex>> cat_index_;
  std::unique_ptr<ColumnKeys> total_keys_;
  std::unique_ptr<OrderIndex> total_index_;  // null with mixed half-lives
  std::string label_prefix_;                 // a prefix every live id shares

  DedupeTable dedupe_;
  std::vector<StoreObserver*> observers_;
  uint64_t events_ = 0;
  uint64_t events_deduped_ = 0;
  CustomerRecord scratch_;  // reused per event: no allocation in steady state
  // Snapshot loading: one record's customers, decoded before they are inserted so that
  // their hash probes can be prefetched a few customers ahead.
  struct LoadedCustomer {
    CustomerIndex c;
    std::string_view id;
    TimeMs last_seen;
    double scores[kMaxCategories];
    CustomerRecord record;
  };
  std::vector<LoadedCustomer> loading_;
  // Saved pair id -> pair id now (UINT32_MAX: no longer tracked), from "store.pairs".
  std::vector<uint32_t> pair_map_;
  Stream outbox_;
};

template <typename F>
void Store::ForEachScores(TimeMs now, F&& f) const {
  size_t n = categories_.size();
  double halflife[kMaxCategories], decayed[kMaxCategories];
  bool decays = false;
  for (size_t k = 0; k < n; ++k) {
    halflife[k] = static_cast<double>(categories_.at(k).halflife_ms);
    decays |= halflife[k] > 0;
  }
  for (size_t i = 0; i < customer_slots(); ++i) {
    auto c = static_cast<CustomerIndex>(i);
    if (!customers_.live(c)) continue;
    const double* row = Row(c);
    uint64_t label;
    std::memcpy(&label, row + stride_ - 1, sizeof(label));
    if (!decays) {  // no need to read last_seen_
      f(c, row, label);
      continue;
    }
    TimeMs ref = Ref(c);
    if (now <= ref) {
      f(c, row, label);
      continue;
    }
    // The same expression as ValueAt, so the values are bit-identical to SCORE's.
    for (size_t k = 0; k < n; ++k) {
      decayed[k] = halflife[k] > 0
                       ? row[k] * std::exp2(-static_cast<double>(now - ref) / halflife[k])
                       : row[k];
    }
    f(c, static_cast<const double*>(decayed), label);
  }
}

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STORE_H_
