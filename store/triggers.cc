#include "store/triggers.h"

#include <algorithm>

#include "store/duration.h"
#include "store/strings.h"

namespace kizuna::store {
namespace {

using Source = TriggerDefinition::Source;

uint64_t Payload(uint32_t trigger, CustomerIndex c) {
  return (static_cast<uint64_t>(trigger) << 32) | c;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

}  // namespace

Triggers::Triggers(Store* store, Engagement* engagement, TimeMs now)
    : store_(store),
      engagement_(engagement),
      wheel_(now),
      pending_(NodeHash{&wheel_}, NodeEq{&wheel_}) {
  store_->AddObserver(this);
  engagement_->set_sink(this);
}

absl::Status Triggers::Set(const TriggerDefinition& def) {
  if (!ValidName(def.name)) return absl::InvalidArgumentError("ERR invalid trigger name");
  Trigger t;
  t.name = std::string(def.name);
  t.source = def.source;
  t.on = std::string(def.on);
  // Validate everything before tracking any counter.
  if (def.source == Source::kEnter && !engagement_->HasSegment(def.on)) {
    return absl::InvalidArgumentError(StrCat("ERR unknown segment '", def.on, "'"));
  }
  if (def.source == Source::kBadge && !engagement_->HasBadge(def.on)) {
    return absl::InvalidArgumentError(StrCat("ERR unknown badge '", def.on, "'"));
  }
  if (def.item) {
    auto pattern = ItemPattern::Parse(*def.item);
    if (!pattern.ok()) return pattern.status();
    t.item = std::move(*pattern);
  }
  if (def.first) {
    if (def.source != Source::kAction) {
      return absl::InvalidArgumentError("ERR FIRST applies to ON <action> triggers only");
    }
    if (t.item && t.item->kind == ItemPattern::kPrefix) {
      return absl::InvalidArgumentError("ERR FIRST needs an exact ITEM (or none)");
    }
  }
  if (def.unless_item) {
    auto pattern = ItemPattern::Parse(*def.unless_item);
    if (!pattern.ok()) return pattern.status();
    t.unless_item = std::move(*pattern);
  }
  if (def.unless_action) t.unless_action = std::string(*def.unless_action);
  // Events are matched by action id, not by name.
  if (def.source == Source::kAction) {
    auto id = store_->InternAction(def.on);
    if (!id) return absl::InvalidArgumentError(StrCat("ERR invalid action '", def.on, "'"));
    t.on_action = *id;
  }
  if (def.unless_action) {
    auto id = store_->InternAction(*def.unless_action);
    if (!id) {
      return absl::InvalidArgumentError(StrCat("ERR invalid action '", *def.unless_action, "'"));
    }
    t.unless_id = *id;
  }
  t.first = def.first;
  t.delay_ms = def.delay_ms;
  t.once = def.once;
  t.message = std::string(def.message);
  // FIRST on an exact item counts that (action, item) pair.
  if (t.first && t.item && t.item->kind == ItemPattern::kExact) {
    absl::Status s = store_->TrackPair(t.on, t.item->text);
    if (!s.ok()) return s;
    t.pairs.emplace_back(t.on, t.item->text);
  }
  if (!def.condition.empty()) {
    auto compiled = engagement_->Compile(def.condition);
    if (!compiled.ok()) {
      for (auto& [action, item] : t.pairs) store_->UntrackPair(action, item);
      return compiled.status();
    }
    t.condition = std::move(compiled->predicate);
    for (auto& pair : compiled->pairs) t.pairs.push_back(std::move(pair));
  }
  t.live = true;

  // Replacing a trigger keeps its pending timers (they now send the new message).
  auto same = std::find_if(triggers_.begin(), triggers_.end(),
                           [&](const Trigger& x) { return x.live && x.name == def.name; });
  auto slot = same != triggers_.end() ? same
                                      : std::find_if(triggers_.begin(), triggers_.end(),
                                                     [](const Trigger& x) { return !x.live; });
  if (slot == triggers_.end()) {
    triggers_.push_back(std::move(t));
  } else {
    for (auto& [action, item] : slot->pairs) store_->UntrackPair(action, item);
    t.pending = slot->live ? slot->pending : 0;
    *slot = std::move(t);
  }
  Reindex();
  return absl::OkStatus();
}

void Triggers::Reindex() {
  on_action_.clear();
  unless_action_.clear();
  auto add = [](auto& index, ActionId action, auto entry) {
    if (action >= index.size()) index.resize(action + 1);
    index[action].push_back(entry);
  };
  for (uint32_t i = 0; i < triggers_.size(); ++i) {
    const Trigger& t = triggers_[i];
    if (!t.live) continue;
    if (t.source == Source::kAction) {
      bool exact = t.item && t.item->kind == ItemPattern::kExact;
      add(on_action_, t.on_action, OnAction{i, exact, exact ? HashBytes(t.item->text) : 0});
    }
    if (t.unless_action) add(unless_action_, t.unless_id, i);
  }
}

bool Triggers::Delete(std::string_view name) {
  for (uint32_t i = 0; i < triggers_.size(); ++i) {
    Trigger& t = triggers_[i];
    if (!t.live || t.name != name) continue;
    armed_entries_ -= pending_.EraseIf([&](uint32_t node) {
      if (wheel_.PayloadAt(node) >> 32 != i) return false;
      wheel_.Cancel(wheel_.HandleAt(node));  // erased by iterator: its payload is not read again
      return true;
    });
    if (i < 32) {  // a trigger defined later in this slot starts with nothing armed
      for (uint32_t& bits : armed_) bits &= ~(1u << i);
    }
    for (auto& [c, fired] : fired_once_) std::erase(fired, i);
    for (auto& [action, item] : t.pairs) store_->UntrackPair(action, item);
    t = Trigger{};
    Reindex();
    return true;
  }
  return false;
}

std::string Triggers::Describe(const Trigger& t) const {
  std::string out = "ON ";
  if (t.source == Source::kEnter) out += "ENTER ";
  if (t.source == Source::kBadge) out += "BADGE ";
  out += t.on;
  if (t.item) StrAppend(&out, " ITEM ", t.item->ToString());
  if (t.first) out += " FIRST";
  if (t.condition) StrAppend(&out, " IF ", t.condition->text());
  if (t.delay_ms) StrAppend(&out, " DELAY ", FormatDuration(t.delay_ms));
  if (t.unless_action) {
    StrAppend(&out, " UNLESS ", *t.unless_action);
    if (t.unless_item) StrAppend(&out, " ITEM ", t.unless_item->ToString());
  }
  if (t.once) out += " ONCE";
  StrAppend(&out, " SEND ", t.message);
  return out;
}

std::vector<Triggers::Info> Triggers::List() const {
  std::vector<Info> out;
  for (const Trigger& t : triggers_) {
    if (t.live) out.push_back({t.name, Describe(t), t.pending});
  }
  return out;
}

std::vector<std::pair<std::string_view, TimeMs>> Triggers::Pending(CustomerIndex c) const {
  std::vector<std::pair<std::string_view, TimeMs>> out;
  for (uint32_t i = 0; i < triggers_.size(); ++i) {
    std::optional<uint32_t> node = pending_.Find(TimerKey{Payload(i, c)});
    TimeMs due;
    uint64_t payload;
    if (node && wheel_.Get(wheel_.HandleAt(*node), &due, &payload)) {
      out.emplace_back(triggers_[i].name, due);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  return out;
}

size_t Triggers::memory_bytes() const {
  // flat_hash_set: one slot (a node index) plus one control byte per bucket.
  return wheel_.memory_bytes() + pending_.bucket_count() * (sizeof(uint32_t) + 1) +
         armed_.capacity() * sizeof(uint32_t);
}

MessageCounts Triggers::counts() const {
  MessageCounts c = counts_;
  c.pending = wheel_.size();
  return c;
}

std::optional<std::string_view> Triggers::UserOf(Operand kind, uint32_t id,
                                                 std::string_view name) const {
  Source source = kind == Operand::kBadge ? Source::kBadge : Source::kEnter;
  for (const Trigger& t : triggers_) {
    if (!t.live) continue;
    if (t.source == source && t.on == name) return t.name;
    if (!t.condition) continue;
    for (const Predicate::Step& s : t.condition->steps()) {
      if (s.kind == Predicate::Step::kTest && s.operand == kind && s.id == id) return t.name;
    }
  }
  return std::nullopt;
}

// ---- Events ----------------------------------------------------------------------------------

void Triggers::Prefetch(CustomerIndex c, const EventInput&, ActionId) {
  engagement_->Prefetch(c);
  if (c < armed_.size()) __builtin_prefetch(&armed_[c]);
}

void Triggers::OnEvent(const AppliedEvent& e) {
  bool import = e.input.import;
  if (!import) CancelUnless(e);  // step 5
  arrivals_.clear();
  engagement_->OnEvent(e);  // steps 6–7; badge awards and entries come back as arrivals
  if (import) return;       // IMPORT arms nothing and emits nothing
  // Step 8, in definition order: ON <action> triggers, then arrivals in the order they came.
  matched_.clear();
  SyncArmed();
  std::optional<uint64_t> item_hash;  // of the event's item, once an exact ITEM asks
  for (const OnAction& on : By(on_action_, e.action)) {
    uint32_t i = on.index;
    if (on.exact_item) {
      if (!e.input.item) continue;
      if (!item_hash) item_hash = HashBytes(*e.input.item);
      if (*item_hash != on.item_hash) continue;
    }
    if (!Matches(triggers_[i], e)) continue;
    // Arm returns at once for a timer armed_ already shows pending: no slot to fetch then.
    if (!AlreadyArmed(i, e.customer)) pending_.prefetch(TimerKey{Payload(i, e.customer)});
    matched_.push_back(i);
  }
  for (uint32_t i : matched_) Arm(i, e);
  for (const Arrival& a : arrivals_) {
    for (uint32_t i = 0; i < triggers_.size(); ++i) {
      const Trigger& t = triggers_[i];
      if (t.live && t.source == a.source && t.on == a.name) Arm(i, e);
    }
  }
}

void Triggers::OnBadgeAwarded(CustomerIndex c, std::string_view badge, TimeMs at,
                              const AppliedEvent& e) {
  if (e.input.import) return;
  if (outbox_) {
    outbox_->Emit({"badge", badge, store_->CustomerId(c), badge, at, e.now, false});
  }
  arrivals_.push_back({Source::kBadge, badge});
}

void Triggers::OnSegmentEntered(CustomerIndex, std::string_view segment, const AppliedEvent& e) {
  if (!e.input.import) arrivals_.push_back({Source::kEnter, segment});
}

bool Triggers::Matches(const Trigger& t, const AppliedEvent& e) const {
  if (e.action != t.on_action) return false;
  if (t.item && !t.item->Matches(e.input.item)) return false;
  if (!t.first) return true;
  // FIRST: this event made the customer's count of its exact (action, item) equal 1.
  if (!t.item || t.item->kind == ItemPattern::kAny) return e.action_count == 1;
  return e.pair_count && *e.pair_count == 1;
}

void Triggers::Arm(uint32_t index, const AppliedEvent& e) {
  Trigger& t = triggers_[index];
  CustomerIndex c = e.customer;
  uint64_t key = Payload(index, c);
  // One pending timer per (trigger, customer). For the first 32 triggers armed_ says whether
  // there is one without a probe of pending_ (a random cache miss).
  if (index < 32 && !probe_all_) {
    if (AlreadyArmed(index, c)) return;
  } else if (pending_.contains(TimerKey{key})) {
    return;
  }
  if (t.once && HasFiredOnce(index, c)) return;
  if (t.condition && !engagement_->Holds(*t.condition, c, e.record, e.now)) return;
  pending_.insert(wheel_.Arm(e.input.ts + t.delay_ms, key).index);
  Armed(index, c);
  ++t.pending;
}

void Triggers::Armed(uint32_t trigger, CustomerIndex c) {
  ++armed_entries_;
  if (trigger >= 32) return;
  if (c >= armed_.size()) armed_.resize(std::max<size_t>(c + 1, store_->customer_slots()));
  armed_[c] |= 1u << trigger;
}

void Triggers::Disarmed(uint32_t trigger, CustomerIndex c) {
  --armed_entries_;
  if (trigger < 32 && c < armed_.size()) armed_[c] &= ~(1u << trigger);
}

void Triggers::SyncArmed() {
  if (armed_entries_ == pending_.size()) return;
  std::fill(armed_.begin(), armed_.end(), 0);
  armed_entries_ = 0;
  pending_.ForEach([&](uint32_t node) {
    uint64_t key = wheel_.PayloadAt(node);
    Armed(static_cast<uint32_t>(key >> 32), static_cast<CustomerIndex>(key & 0xffffffffu));
  });
}

void Triggers::CancelUnless(const AppliedEvent& e) {
  const std::vector<uint32_t>& unless = By(unless_action_, e.action);
  if (unless.empty()) return;
  SyncArmed();
  uint32_t armed = e.customer < armed_.size() ? armed_[e.customer] : 0;
  if (probe_all_) armed = ~0u;
  // Two passes: the (trigger, customer) probes are random cache misses; prefetching them all
  // first lets them overlap.
  matched_.clear();
  for (uint32_t i : unless) {
    const Trigger& t = triggers_[i];
    if (i < 32 && !(armed >> i & 1)) continue;  // nothing pending
    if (t.unless_item && !t.unless_item->Matches(e.input.item)) continue;
    pending_.prefetch(TimerKey{Payload(i, e.customer)});
    matched_.push_back(i);
  }
  for (uint32_t i : matched_) {
    if (CancelTimer(i, e.customer)) ++counts_.cancelled;
  }
}

bool Triggers::CancelTimer(uint32_t trigger, CustomerIndex c) {
  std::optional<uint32_t> node = pending_.Take(TimerKey{Payload(trigger, c)});
  if (!node) return false;
  wheel_.Cancel(wheel_.HandleAt(*node));
  Disarmed(trigger, c);
  --triggers_[trigger].pending;
  return true;
}

bool Triggers::HasFiredOnce(uint32_t trigger, CustomerIndex c) const {
  auto it = fired_once_.find(c);
  return it != fired_once_.end() &&
         std::find(it->second.begin(), it->second.end(), trigger) != it->second.end();
}

void Triggers::OnCustomerDeleted(CustomerIndex c, std::string_view) {
  for (uint32_t i = 0; i < triggers_.size(); ++i) CancelTimer(i, c);
  if (c < armed_.size()) armed_[c] = 0;
  fired_once_.erase(c);
  recent_.erase(c);
  engagement_->OnCustomerDeleted(c);
}

void Triggers::OnFlushAll() {
  pending_.ForEach([&](uint32_t node) { wheel_.Cancel(wheel_.HandleAt(node)); });
  for (Trigger& t : triggers_) t.pending = 0;
  pending_.clear();
  MappedVector<uint32_t>().swap(armed_);
  armed_entries_ = 0;
  fired_once_.clear();
  recent_.clear();
  engagement_->OnFlushAll();
}

// ---- Firing ----------------------------------------------------------------------------------

bool Triggers::AdmitUnderCap(CustomerIndex c, TimeMs now) {
  if (cap_n_ == 0) return true;
  std::vector<TimeMs>& sent = recent_[c];
  std::erase_if(sent, [&](TimeMs at) { return at <= now - cap_window_; });
  if (sent.size() >= cap_n_) return false;
  sent.push_back(now);
  return true;
}

size_t Triggers::Fire(TimeMs now, size_t limit, TimeMs late_before, bool* done) {
  size_t fired = 0;
  *done = wheel_.Advance(now, limit, [&](TimerWheel::Fired f) {
    ++fired;
    auto index = static_cast<uint32_t>(f.payload >> 32);
    auto c = static_cast<CustomerIndex>(f.payload & 0xffffffffu);
    Trigger& t = triggers_[index];
    --t.pending;
    pending_.Take(TimerKey{f.payload});  // first: the freed node keeps its payload until reused
    Disarmed(index, c);
    if (t.once) fired_once_[c].push_back(index);
    if (!AdmitUnderCap(c, now)) {
      ++counts_.capped;
      return;
    }
    ++counts_.sent;
    if (outbox_) {
      outbox_->Emit(
          {"trigger", t.name, store_->CustomerId(c), t.message, f.due, now, f.due < late_before});
    }
  });
  return fired;
}

}  // namespace kizuna::store
