#include "store/engagement_index.h"

#include <algorithm>
#include <bit>
#include <optional>

namespace kizuna::store {
namespace {

// A customer before its first event: every figure zero, no purchase, no badge or segment.
struct ZeroInputs {
  double Score(uint32_t) const { return 0; }
  double Count(uint32_t) const { return 0; }
  double PairCount(uint32_t) const { return 0; }
  double Frequency() const { return 0; }
  double Monetary() const { return 0; }
  std::optional<double> RecencyDays() const { return std::nullopt; }
  bool HasBadge(uint32_t) const { return false; }
  bool InSegment(uint32_t) const { return false; }
};

}  // namespace

void EngagementIndex::Reset(const CategorySet& categories) {
  *this = EngagementIndex();
  for (size_t k = 0; k < categories.size(); ++k) {
    if (categories.at(k).halflife_ms > 0) decaying_ |= uint32_t{1} << k;
  }
}

EngagementIndex::Masks& EngagementIndex::ForAction(uint32_t action) {
  if (action >= action_.size()) action_.resize(action + 1);
  return action_[action];
}

EngagementIndex::Masks& EngagementIndex::ForPair(uint32_t key) {
  auto it = std::lower_bound(pair_.begin(), pair_.end(), key,
                             [](const auto& entry, uint32_t k) { return entry.first < k; });
  if (it == pair_.end() || it->first != key) it = pair_.insert(it, {key, Masks{}});
  return it->second;
}

void EngagementIndex::Add(bool badge, size_t slot, const Predicate& p) {
  if (slot >= kSlots) {
    complete_ = false;
    return;
  }
  Masks self;
  (badge ? self.badges : self.segments) = uint64_t{1} << slot;
  all_ |= self;
  if (p.Evaluate(ZeroInputs())) zero_holds_ |= self;
  bool monotone = true;
  for (const Predicate::Step& s : p.steps()) {
    if (s.kind == Predicate::Step::kNot) monotone = false;
    if (s.kind != Predicate::Step::kTest) continue;
    if (s.cmp != Predicate::Cmp::kGe && s.cmp != Predicate::Cmp::kGt) monotone = false;
    switch (s.operand) {
      case Operand::kScore: {
        bool decays = s.id == kTotalScore ? decaying_ != 0 : (decaying_ >> s.id & 1) != 0;
        if (decays) {
          always_ |= self;
          monotone = false;
        } else {
          (s.id == kTotalScore ? total_ : category_[s.id]) |= self;
        }
        break;
      }
      case Operand::kCount:
        ForAction(s.id) |= self;
        break;
      case Operand::kPairCount:
        ForPair(s.id) |= self;
        break;
      case Operand::kMonetary:
        monetary_ |= self;
        [[fallthrough]];
      case Operand::kFrequency:
        purchase_ |= self;
        break;
      case Operand::kRecency:
      case Operand::kSegment:
        always_ |= self;
        monotone = false;
        break;
      case Operand::kBadge:
        // Badges are awarded in step 6, before segments read them in step 7 of the same
        // event; a badge reading a later badge sees it only at the next event.
        if (badge || s.id >= kSlots) {
          always_ |= self;
        } else {
          badge_readers_[s.id] |= self.segments;
        }
        monotone = false;
        break;
    }
  }
  if (monotone) monotone_ |= self;
}

EngagementIndex::Masks EngagementIndex::Affected(const AppliedEvent& e) const {
  Masks m = always_;
  if (e.action < action_.size()) m |= action_[e.action];
  if (e.pair_key) {
    auto it = std::lower_bound(pair_.begin(), pair_.end(), e.pair_key,
                               [](const auto& entry, uint32_t k) { return entry.first < k; });
    if (it != pair_.end() && it->first == e.pair_key) m |= it->second;
  }
  if (e.purchase) m |= purchase_;
  if (e.touched) {
    m |= total_;
    for (uint32_t t = e.touched; t; t &= t - 1) m |= category_[std::countr_zero(t)];
  }
  return m;
}

EngagementIndex::Masks EngagementIndex::Steady(const AppliedEvent& e) const {
  Masks lowered;
  if (e.lowered) {
    lowered = total_;
    for (uint32_t t = e.lowered; t; t &= t - 1) lowered |= category_[std::countr_zero(t)];
  }
  if (e.purchase && e.input.value && *e.input.value < 0) lowered |= monetary_;
  return {monotone_.badges & ~lowered.badges, monotone_.segments & ~lowered.segments};
}

uint64_t EngagementIndex::SegmentsReading(uint64_t awarded) const {
  uint64_t out = 0;
  for (; awarded; awarded &= awarded - 1) out |= badge_readers_[std::countr_zero(awarded)];
  return out;
}

}  // namespace kizuna::store
