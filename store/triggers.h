// Scenario triggers (SPEC EVENT steps 5 and 8, "Timers and the outbox"): "when this happens
// (and this holds), wait this long, then send this message, unless that happens first".
//
// Triggers is the store's event observer for steps 5–8: it cancels timers whose UNLESS
// matches (5), lets Engagement award badges and update segments (6–7), then arms the triggers
// whose ON matches — an action, a segment entry or a badge award of this event (8). Timers live
// in a TimerWheel; Fire() delivers the due ones, in order, to the outbox sink, applying ONCE
// and the per-customer message cap.
//
// Determinism: everything depends on the arguments (event TS, `now`) and prior state, so a log
// of commands plus "fired n timers at t" records replays to the same outbox.
#ifndef KIZUNA_STORE_TRIGGERS_H_
#define KIZUNA_STORE_TRIGGERS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/engagement.h"
#include "store/huge_pages.h"
#include "store/incremental_hash_set.h"
#include "store/mapped_vector.h"
#include "store/predicate.h"
#include "store/rules.h"
#include "store/store.h"
#include "store/timer_wheel.h"

namespace kizuna::store {

// TRIGGER.SET as parsed by the handler.
struct TriggerDefinition {
  enum class Source { kAction, kEnter, kBadge };
  std::string_view name;
  Source source = Source::kAction;
  std::string_view on;                   // action, segment or badge name
  std::optional<std::string_view> item;  // ITEM pattern, for an action
  bool first = false;
  std::vector<std::string_view> condition;  // IF predicate arguments; empty = none
  int64_t delay_ms = 0;
  std::optional<std::string_view> unless_action;
  std::optional<std::string_view> unless_item;
  bool once = false;
  std::string_view message;
};

// One outbox entry (SPEC: fields type, name, customer, message, due, fired, late).
struct OutboxMessage {
  std::string_view type;  // "trigger" or "badge"
  std::string_view name;
  std::string_view customer;
  std::string_view message;
  TimeMs due;
  TimeMs fired;
  bool late;
};

class OutboxSink {
 public:
  virtual ~OutboxSink() = default;
  virtual void Emit(const OutboxMessage& m) = 0;
};

// Figures for STATS `messages` and INFO.
struct MessageCounts {
  uint64_t sent = 0;
  uint64_t capped = 0;
  uint64_t cancelled = 0;
  uint64_t pending = 0;
};

class Triggers : public StoreObserver, private EngagementSink {
 public:
  struct Info {
    std::string_view name;
    std::string description;  // the definition, normalised, after the name
    uint64_t pending;
  };

  // Observes `store` on behalf of `engagement` too (which must not observe it itself).
  Triggers(Store* store, Engagement* engagement, TimeMs now);
  Triggers(const Triggers&) = delete;  // pending_ points at wheel_
  Triggers& operator=(const Triggers&) = delete;
  void set_outbox(OutboxSink* outbox) { outbox_ = outbox; }
  // message-cap "n window": at most n trigger messages per customer in any window; 0 = none.
  void set_message_cap(uint64_t n, int64_t window_ms) { cap_n_ = n, cap_window_ = window_ms; }

  absl::Status Set(const TriggerDefinition& def);
  // TRIGGER.DEL: cancels its pending timers; false when unknown.
  bool Delete(std::string_view name);
  std::vector<Info> List() const;
  // CUSTOMER `pending`: (trigger, due), soonest first.
  std::vector<std::pair<std::string_view, TimeMs>> Pending(CustomerIndex c) const;
  MessageCounts counts() const;
  // Bytes held by pending timers (wheel nodes, the (trigger, customer) index, armed_).
  size_t memory_bytes() const;

  // Fires timers due by `now`, at most `limit`, in (due, arming) order; ones due before
  // `late_before` are marked late (they came due while the server was down). Returns how many
  // fired; *done tells whether any due by `now` is left.
  size_t Fire(TimeMs now, size_t limit, TimeMs late_before, bool* done);
  // When Fire next has work; INT64_MAX if no timer is pending.
  TimeMs next_wakeup() const { return wheel_.next_wakeup(); }

  void OnEvent(const AppliedEvent& event) override;
  void Prefetch(CustomerIndex c, const EventInput& in, ActionId action) override;
  // Probes pending_ for every UNLESS trigger in step 5 and every arming in step 8 instead of
  // trusting armed_ (which says what may be pending for the first 32 triggers):
  // the reference that tests hold the skipping to.
  void set_probe_all(bool on) { probe_all_ = on; }
  void OnCustomerDeleted(CustomerIndex c, std::string_view id) override;
  void OnFlushAll() override;

  // Snapshots (engagement_snapshot.cc): "trig.meta" (message counts), "trig.timers" in firing
  // order (due, arming), re-armed in that order on load so they fire in it; "trig.once" and
  // "trig.recent" (cap windows). Loaded after the definitions were replayed (same slots).
  void SaveState(StateOut& out) const;
  bool LoadRecord(std::string_view tag, std::string_view payload);

 private:
  struct Trigger {
    std::string name;
    TriggerDefinition::Source source = TriggerDefinition::Source::kAction;
    std::string on;
    ActionId on_action = kNoAction;  // for ON <action>
    std::optional<ItemPattern> item;
    bool first = false;
    std::optional<Predicate> condition;
    std::vector<std::pair<std::string, std::string>> pairs;  // counters tracked for it
    int64_t delay_ms = 0;
    std::optional<std::string> unless_action;
    ActionId unless_id = kNoAction;
    std::optional<ItemPattern> unless_item;
    bool once = false;
    std::string message;
    uint64_t pending = 0;
    bool live = false;
  };
  // A segment entry or badge award seen in steps 6–7, armed in step 8.
  struct Arrival {
    TriggerDefinition::Source source;
    std::string_view name;
  };

  void OnBadgeAwarded(CustomerIndex c, std::string_view badge, TimeMs at,
                      const AppliedEvent& event) override;
  void OnSegmentEntered(CustomerIndex c, std::string_view segment,
                        const AppliedEvent& event) override;
  std::optional<std::string_view> UserOf(Operand kind, uint32_t id,
                                         std::string_view name) const override;

  bool Matches(const Trigger& t, const AppliedEvent& e) const;
  // Rebuilds on_action_ / unless_action_ after a definition changed.
  void Reindex();
  // An ON <action> trigger as step 8 scans it: its slot, and for an exact ITEM the item's
  // hash, which rules out the other items' triggers without reading their definitions.
  struct OnAction {
    uint32_t index;
    bool exact_item;
    uint64_t item_hash;
  };
  // The triggers whose ON (or UNLESS) names `action`, in definition order.
  template <typename T>
  static const std::vector<T>& By(const std::vector<std::vector<T>>& index, ActionId action) {
    static const std::vector<T> kNone;
    return action < index.size() ? index[action] : kNone;
  }
  void Arm(uint32_t trigger, const AppliedEvent& e);
  void CancelUnless(const AppliedEvent& e);
  bool HasFiredOnce(uint32_t trigger, CustomerIndex c) const;
  // Whether the cap lets one more message out at `now`; records it if so.
  bool AdmitUnderCap(CustomerIndex c, TimeMs now);
  // Cancels the pending timer of (trigger, c), if any; true if there was one.
  bool CancelTimer(uint32_t trigger, CustomerIndex c);
  // Whether armed_ says (trigger, c) is pending; false for triggers it does not cover.
  bool AlreadyArmed(uint32_t trigger, CustomerIndex c) const {
    return trigger < 32 && !probe_all_ && c < armed_.size() && (armed_[c] >> trigger & 1);
  }
  // Bookkeeping of armed_ for every entry added to or removed from pending_.
  void Armed(uint32_t trigger, CustomerIndex c);
  void Disarmed(uint32_t trigger, CustomerIndex c);
  // Rebuilds armed_ if pending_ holds entries that did not come through Armed().
  void SyncArmed();
  std::string Describe(const Trigger& t) const;

  Store* store_;
  Engagement* engagement_;
  OutboxSink* outbox_ = nullptr;
  TimerWheel wheel_;
  std::vector<Trigger> triggers_;  // indices stable while timers refer to them
  // Derived from triggers_: by action id, the ON <action> triggers and the UNLESS ones.
  std::vector<std::vector<OnAction>> on_action_;
  std::vector<std::vector<uint32_t>> unless_action_;
  // Pending timers, one per (trigger, customer): the set of their wheel nodes, hashed and
  // compared by the node's payload (trigger << 32 | customer), so an entry is 4 bytes (plus a
  // control byte and slack, ~8 per timer) instead of a key-value pair (~26), and a lookup
  // lands on the node a cancel needs next. A node leaves the set before it is freed or reused.
  struct TimerKey {
    uint64_t payload;
  };
  struct NodeHash {
    using is_transparent = void;
    const TimerWheel* wheel;
    size_t operator()(TimerKey k) const { return absl::HashOf(k.payload); }
    size_t operator()(uint32_t node) const { return absl::HashOf(wheel->PayloadAt(node)); }
  };
  struct NodeEq {
    using is_transparent = void;
    const TimerWheel* wheel;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, TimerKey b) const { return wheel->PayloadAt(a) == b.payload; }
    bool operator()(TimerKey a, uint32_t b) const { return a.payload == wheel->PayloadAt(b); }
  };
  // It grows incrementally: a one-shot rehash would read every timer's node (~0.5 s at 10M).
  IncrementalHashSet<uint32_t, NodeHash, NodeEq, HugePageAllocator<uint32_t>> pending_;
  // Derived from pending_: per customer, the triggers (slots < 32) that may have a pending
  // timer for it (a superset), so step 5 probes only those. armed_entries_ counts the entries
  // it accounts for; any other count means it must be rebuilt.
  MappedVector<uint32_t> armed_;
  size_t armed_entries_ = 0;
  bool probe_all_ = false;
  absl::flat_hash_map<CustomerIndex, std::vector<uint32_t>> fired_once_;
  absl::flat_hash_map<CustomerIndex, std::vector<TimeMs>> recent_;  // sent times, for the cap
  uint64_t cap_n_ = 0;
  int64_t cap_window_ = 0;
  MessageCounts counts_;
  std::vector<Arrival> arrivals_;  // scratch for one event
  std::vector<uint32_t> matched_;  // scratch: triggers an event matches
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_TRIGGERS_H_
