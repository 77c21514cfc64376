#include "store/engagement.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "store/strings.h"

namespace kizuna::store {

namespace {

constexpr double kDayMs = 24.0 * 3600 * 1000;
constexpr size_t kPrefetchedSegments = 16;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
  }
  return true;
}

template <typename Defs>
int FindLive(const Defs& defs, std::string_view name) {
  for (size_t i = 0; i < defs.size(); ++i) {
    if (defs[i].live && defs[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// A free slot (kept indices stay stable for compiled predicates), or a new one.
template <typename Defs>
size_t SlotFor(Defs& defs, std::string_view name) {
  if (int i = FindLive(defs, name); i >= 0) return static_cast<size_t>(i);
  for (size_t i = 0; i < defs.size(); ++i) {
    if (!defs[i].live) return i;
  }
  defs.emplace_back();
  return defs.size() - 1;
}

template <typename Defs>
std::vector<Engagement::DefinitionInfo> Infos(const Defs& defs) {
  std::vector<Engagement::DefinitionInfo> out;
  for (const auto& d : defs) {
    if (d.live) out.push_back({d.name, d.predicate.text(), d.count()});
  }
  return out;
}

}  // namespace

// Resolves predicate names against the store and the current definitions, remembering the
// (action, item) pairs it asked the store to count.
class Engagement::Names : public PredicateNames {
 public:
  Names(Engagement& e, std::vector<std::pair<std::string, std::string>>* pairs)
      : e_(e), pairs_(pairs) {}

  std::optional<uint32_t> Category(std::string_view name) override {
    auto k = e_.store_->ResolveCategory(name);
    if (!k.ok() || *k < 0) return std::nullopt;
    return static_cast<uint32_t>(*k);
  }
  std::optional<uint32_t> Badge(std::string_view name) override {
    int i = FindLive(e_.badges_, name);
    return i < 0 ? std::nullopt : std::optional<uint32_t>(i);
  }
  std::optional<uint32_t> Segment(std::string_view name) override {
    int i = FindLive(e_.segments_, name);
    return i < 0 ? std::nullopt : std::optional<uint32_t>(i);
  }
  std::optional<uint32_t> Action(std::string_view name) override {
    return e_.store_->InternAction(name);
  }
  std::optional<uint32_t> Pair(std::string_view action, std::string_view item) override {
    if (!e_.store_->TrackPair(action, item).ok()) return std::nullopt;
    pairs_->emplace_back(action, item);
    return e_.store_->PairKey(action, item);
  }

 private:
  Engagement& e_;
  std::vector<std::pair<std::string, std::string>>* pairs_;
};

// One customer's figures, as a predicate reads them.
class Engagement::Inputs {
 public:
  Inputs(const Engagement& e, CustomerIndex c, const CustomerRecord& r, TimeMs now)
      : e_(e), c_(c), r_(r), now_(now) {}
  // The customer's awards changed (looked up again when next read).
  void AwardsChanged() { awards_known_ = false; }

  // Memoised: the same score is read by many predicates of one event, and decaying it costs.
  double Score(uint32_t k) const {
    size_t slot = k == kTotalScore ? kMaxCategories : k;
    if (!(known_ >> slot & 1)) {
      scores_[slot] = e_.store_->Score(c_, k == kTotalScore ? kTotal : static_cast<int>(k), now_);
      known_ |= uint64_t{1} << slot;
    }
    return scores_[slot];
  }
  double Count(uint32_t action) const { return static_cast<double>(r_.Count(action)); }
  double PairCount(uint32_t key) const { return static_cast<double>(r_.Count(key)); }
  double Frequency() const { return static_cast<double>(r_.frequency); }
  double Monetary() const { return r_.monetary; }
  std::optional<double> RecencyDays() const {
    if (r_.frequency == 0) return std::nullopt;
    return std::floor(static_cast<double>(now_ - r_.last_purchase) / kDayMs);
  }
  bool HasBadge(uint32_t badge) const {
    if (!awards_known_) {
      auto it = e_.awards_.find(c_);
      awards_ = it == e_.awards_.end() ? nullptr : &it->second;
      awards_known_ = true;
    }
    if (!awards_) return false;
    for (const Award& a : *awards_) {
      if (a.badge == badge) return true;
    }
    return false;
  }
  bool InSegment(uint32_t segment) const { return e_.IsMember(e_.segments_[segment], c_); }

 private:
  const Engagement& e_;
  CustomerIndex c_;
  const CustomerRecord& r_;
  TimeMs now_;
  mutable const std::vector<Award>* awards_ = nullptr;
  mutable bool awards_known_ = false;
  mutable std::array<double, kMaxCategories + 1> scores_;
  mutable uint64_t known_ = 0;
};

absl::StatusOr<CompiledPredicate> Engagement::Compile(const std::vector<std::string_view>& args) {
  CompiledPredicate def;
  Names names(*this, &def.pairs);
  std::string error;
  std::optional<Predicate> p = Predicate::Compile(args, names, &error);
  if (!p) {
    Release(def);
    return absl::InvalidArgumentError(error);
  }
  def.predicate = std::move(*p);
  return def;
}

void Engagement::Release(CompiledPredicate& def) {
  for (auto& [action, item] : def.pairs) store_->UntrackPair(action, item);
  def.pairs.clear();
}

std::optional<std::string_view> Engagement::UsedBy(Operand operand, uint32_t id) const {
  auto uses = [&](const Definition& d) {
    for (const Predicate::Step& s : d.predicate.steps()) {
      if (s.kind == Predicate::Step::kTest && s.operand == operand && s.id == id) return true;
    }
    return false;
  };
  for (const Badge& b : badges_) {
    if (b.live && uses(b)) return std::string_view(b.name);
  }
  for (const Segment& s : segments_) {
    if (s.live && uses(s)) return std::string_view(s.name);
  }
  if (!sink_) return std::nullopt;
  const Definition& named =
      operand == Operand::kBadge ? static_cast<const Definition&>(badges_[id]) : segments_[id];
  return sink_->UserOf(operand, id, named.name);
}

absl::Status Engagement::SetBadge(std::string_view name,
                                  const std::vector<std::string_view>& predicate) {
  if (!ValidName(name)) return absl::InvalidArgumentError("ERR invalid badge name");
  auto def = Compile(predicate);
  if (!def.ok()) return def.status();
  Badge& b = badges_[SlotFor(badges_, name)];
  Release(b);
  static_cast<CompiledPredicate&>(b) = std::move(*def);
  b.name = std::string(name);
  b.live = true;
  Changed();
  return absl::OkStatus();
}

absl::Status Engagement::SetSegment(std::string_view name,
                                    const std::vector<std::string_view>& predicate, TimeMs now) {
  if (!ValidName(name)) return absl::InvalidArgumentError("ERR invalid segment name");
  auto def = Compile(predicate);
  if (!def.ok()) return def.status();
  // Redefined in terms of itself, a segment's membership would be circular.
  int existing = FindLive(segments_, name);
  for (const Predicate::Step& step : def->predicate.steps()) {
    if (step.kind == Predicate::Step::kTest && step.operand == Operand::kSegment &&
        static_cast<int>(step.id) == existing) {
      Release(*def);
      return absl::InvalidArgumentError(
          StrCat("ERR segment '", name, "' cannot be defined in terms of itself"));
    }
  }
  Segment& s = segments_[SlotFor(segments_, name)];
  Release(s);
  static_cast<CompiledPredicate&>(s) = std::move(*def);
  s.name = std::string(name);
  s.live = true;
  s.members.clear();
  s.size = 0;
  Changed();
  CustomerRecord r;
  for (CustomerIndex c : store_->Customers()) {
    store_->ReadRecord(c, &r);
    if (Holds(s.predicate, c, r, now)) SetMember(s, c, true);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Engagement::DeleteBadge(std::string_view name) {
  int i = FindLive(badges_, name);
  if (i < 0) return false;
  if (auto user = UsedBy(Operand::kBadge, static_cast<uint32_t>(i))) {
    return absl::InvalidArgumentError(
        StrCat("ERR badge '", name, "' is used by the predicate of '", *user, "'"));
  }
  Badge& b = badges_[i];
  Release(b);
  b.live = false;
  b.awarded = 0;
  Changed();
  for (auto it = awards_.begin(); it != awards_.end();) {
    std::erase_if(it->second, [&](const Award& a) { return a.badge == static_cast<uint32_t>(i); });
    if (it->second.empty()) {
      awards_.erase(it++);
    } else {
      ++it;
    }
  }
  return true;
}

absl::StatusOr<bool> Engagement::DeleteSegment(std::string_view name) {
  int i = FindLive(segments_, name);
  if (i < 0) return false;
  if (auto user = UsedBy(Operand::kSegment, static_cast<uint32_t>(i))) {
    return absl::InvalidArgumentError(
        StrCat("ERR segment '", name, "' is used by the predicate of '", *user, "'"));
  }
  Segment& s = segments_[i];
  Release(s);
  s.live = false;
  std::vector<uint64_t>().swap(s.members);
  s.size = 0;
  Changed();
  return true;
}

bool Engagement::HasBadge(std::string_view name) const { return FindLive(badges_, name) >= 0; }
bool Engagement::HasSegment(std::string_view name) const { return SegmentIndex(name) >= 0; }
int Engagement::SegmentIndex(std::string_view name) const { return FindLive(segments_, name); }

std::vector<Engagement::DefinitionInfo> Engagement::Badges() const { return Infos(badges_); }

std::vector<Engagement::DefinitionInfo> Engagement::Segments() const { return Infos(segments_); }

std::vector<std::pair<std::string_view, TimeMs>> Engagement::CustomerBadges(CustomerIndex c) const {
  std::vector<std::pair<std::string_view, TimeMs>> out;
  auto it = awards_.find(c);
  if (it == awards_.end()) return out;
  for (const Award& a : it->second) out.emplace_back(badges_[a.badge].name, a.at);
  return out;
}

std::vector<std::string_view> Engagement::CustomerSegments(CustomerIndex c) const {
  std::vector<std::string_view> out;
  for (const Segment& s : segments_) {
    if (s.live && IsMember(s, c)) out.push_back(s.name);
  }
  return out;
}

bool Engagement::Holds(const Predicate& p, CustomerIndex c, const CustomerRecord& r,
                       TimeMs now) const {
  return p.Evaluate(Inputs(*this, c, r, now));
}

bool Engagement::IsMember(const Segment& s, CustomerIndex c) const {
  size_t word = c / 64;
  return word < s.members.size() && (s.members[word] >> (c % 64)) & 1;
}

void Engagement::SetMember(Segment& s, CustomerIndex c, bool member) {
  if (IsMember(s, c) == member) return;
  size_t word = c / 64;
  if (word >= s.members.size()) s.members.resize(word + 1);
  s.members[word] ^= uint64_t{1} << (c % 64);
  s.size += member ? 1 : -1;
  if (size_t i = &s - segments_.data(); i < 64 && c < known_.size()) {
    uint64_t bit = uint64_t{1} << i;
    known_[c].members = member ? known_[c].members | bit : known_[c].members & ~bit;
  }
}

void Engagement::Changed() {
  if (++generation_ == UINT32_MAX) {
    known_.clear();
    generation_ = 1;
    indexed_ = 0;
  }
}

void Engagement::RefreshIndex() {
  if (store_->rebases() != rebases_) {
    rebases_ = store_->rebases();
    Changed();
  }
  if (indexed_ == generation_) return;
  index_.Reset(store_->categories());
  for (size_t i = 0; i < badges_.size(); ++i) {
    if (badges_[i].live) index_.AddBadge(i, badges_[i].predicate);
  }
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (segments_[i].live) index_.AddSegment(i, segments_[i].predicate);
  }
  live_ = {};
  for (size_t i = 0; i < badges_.size() && i < 64; ++i) {
    if (badges_[i].live) live_.badges |= uint64_t{1} << i;
  }
  for (size_t i = 0; i < segments_.size() && i < 64; ++i) {
    if (segments_[i].live) live_.segments |= uint64_t{1} << i;
  }
  indexed_ = generation_;
}

void Engagement::Prefetch(CustomerIndex c) const {
  if (c >= known_.size()) return;  // no definitions, or a customer they never saw
  __builtin_prefetch(&known_[c]);
  awards_.prefetch(c);
  // The membership words an entry or exit would flip (one line per segment, in flight
  // together), for the first kPrefetchedSegments: more would only fill the line-fill buffers.
  size_t word = c / 64;
  size_t n = std::min(segments_.size(), kPrefetchedSegments);
  for (size_t i = 0; i < n; ++i) {
    const Segment& s = segments_[i];
    if (s.live && word < s.members.size()) __builtin_prefetch(&s.members[word], 1);
  }
}

void Engagement::OnEvent(const AppliedEvent& event) {
  RefreshIndex();
  if (index_.complete() && !index_.all().badges && !index_.all().segments) return;
  CustomerIndex c = event.customer;
  // Sized to every customer slot at once, so known customers never allocate here.
  if (c >= known_.size()) known_.resize(std::max<size_t>(c + 1, store_->customer_slots()));
  Known& known = known_[c];
  // What to evaluate: everything, unless the customer's cache holds, or it is new (all it had
  // was zero, and what each definition makes of zero is known); then only the definitions the
  // event can have changed, and badges not known to fail.
  bool indexed = !evaluate_all_ && index_.complete();
  bool fresh = indexed && !event.created && known.generation == generation_;
  bool born = indexed && event.created;
  EngagementIndex::Masks todo{~uint64_t{0}, ~uint64_t{0}};
  uint32_t failing = 0;
  const uint32_t held = fresh ? ~known.failing : 0;  // live badge slots < 32 held (Known)
  uint64_t steady = 0;   // segments that stay true if they were
  uint64_t members = 0;  // memberships of slots < 64 before the event
  if (fresh || born) {
    todo = index_.Affected(event);
    failing = fresh ? known.failing : ~static_cast<uint32_t>(index_.zero_holds().badges);
    todo.badges |= ~uint64_t{failing};
  }
  if (fresh) {
    steady = index_.Steady(event).segments;
    members = known.members;
  } else if (!event.created) {
    for (size_t i = 0; i < segments_.size() && i < 64; ++i) {
      if (segments_[i].live && IsMember(segments_[i], c)) members |= uint64_t{1} << i;
    }
  }
  auto wanted = [](uint64_t mask, uint32_t i) { return i >= 64 || (mask >> i & 1); };
  // One Inputs for the whole event: scores read once, awards looked up when first needed.
  Inputs in(*this, c, event.record, event.now);
  // Step 6: badges not yet held whose predicate now holds, in definition order.
  uint64_t awarded = 0;
  ForEachSlot(live_.badges & todo.badges & ~uint64_t{held}, badges_.size(), [&](uint32_t i) {
    Badge& b = badges_[i];
    if (!b.live || !wanted(todo.badges, i)) return;
    if (in.HasBadge(i)) return;
    bool holds = b.predicate.Evaluate(in);
    if (i < 32) failing = holds ? failing & ~(1u << i) : failing | (1u << i);
    if (!holds) return;
    awards_[c].push_back({i, event.input.ts});
    ++b.awarded;
    if (i < 64) awarded |= uint64_t{1} << i;
    in.AwardsChanged();
    if (sink_) sink_->OnBadgeAwarded(c, b.name, event.input.ts, event);
  });
  // Step 7: memberships. Slots < 64 that cannot change are not visited: not wanted (unless
  // the customer is new), or steady and already a member.
  todo.segments |= index_.SegmentsReading(awarded);
  uint64_t visit = live_.segments & (born ? ~uint64_t{0} : todo.segments) & ~(steady & members);
  ForEachSlot(visit, segments_.size(), [&](uint32_t i) {
    Segment& s = segments_[i];
    if (!s.live) return;
    bool was = i < 64 ? (members >> i & 1) != 0 : IsMember(s, c);
    bool member;
    if (wanted(todo.segments, i)) {
      member = s.predicate.Evaluate(in);
    } else if (born) {
      member = (index_.zero_holds().segments >> i & 1) != 0;
    } else {
      return;
    }
    if (member == was) return;
    SetMember(s, c, member);
    if (i < 64) members ^= uint64_t{1} << i;
    if (member && sink_) sink_->OnSegmentEntered(c, s.name, event);
  });
  known = {generation_, failing, members};
}

bool Engagement::Decays(const Segment& s) const {
  const CategorySet& cats = store_->categories();
  for (const Predicate::Step& step : s.predicate.steps()) {
    if (step.kind != Predicate::Step::kTest || step.operand != Operand::kScore) continue;
    for (size_t k = 0; k < cats.size(); ++k) {
      if ((step.id == kTotalScore || step.id == k) && cats.all()[k].halflife_ms > 0) return true;
    }
  }
  return false;
}

size_t Engagement::Recheck(TimeMs now, size_t budget, size_t* cursor) {
  std::vector<Segment*> decaying;
  for (Segment& s : segments_) {
    if (s.live && Decays(s)) decaying.push_back(&s);
  }
  size_t slots = store_->customer_slots(), changed = 0;
  if (decaying.empty() || slots == 0) {
    *cursor = 0;
    return 0;
  }
  CustomerRecord r;
  size_t end = std::min(slots, *cursor + budget);
  for (auto c = static_cast<CustomerIndex>(*cursor); c < end; ++c) {
    if (!store_->customer_live(c)) continue;
    store_->ReadRecord(c, &r);
    for (Segment* s : decaying) {
      bool member = Holds(s->predicate, c, r, now);
      if (member != IsMember(*s, c)) {
        SetMember(*s, c, member);
        ++changed;
      }
    }
  }
  *cursor = end == slots ? 0 : end;
  return changed;
}

void Engagement::OnCustomerDeleted(CustomerIndex c) {
  if (c < known_.size()) known_[c] = Known{};
  if (auto it = awards_.find(c); it != awards_.end()) {
    for (const Award& a : it->second) --badges_[a.badge].awarded;
    awards_.erase(it);
  }
  for (Segment& s : segments_) SetMember(s, c, false);
}

void Engagement::OnFlushAll() {
  MappedVector<Known>().swap(known_);
  awards_.clear();
  for (Badge& b : badges_) b.awarded = 0;
  for (Segment& s : segments_) {
    s.members.clear();
    s.size = 0;
  }
}

}  // namespace kizuna::store
