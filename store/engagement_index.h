// Which badges and segments one event can change the truth of (SPEC EVENT steps 6–7), so that
// Engagement evaluates only those: an index from the operands an event changes (its action,
// its tracked (action, item) pair, the categories its rules gave points to, purchase figures,
// badges it awarded) to the definitions that read them.
//
// Operands that change without the customer acting are never skipped: `recency` and scores of
// decaying categories (time), `segment:` (segment re-checks and redefinitions), and `badge:`
// in a badge (a later badge of the same event is only seen by the next one). The index is
// derived from the definitions and the categories' half-lives and rebuilt when either changes;
// it holds no state of its own.
#ifndef KIZUNA_STORE_ENGAGEMENT_INDEX_H_
#define KIZUNA_STORE_ENGAGEMENT_INDEX_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "store/categories.h"
#include "store/predicate.h"
#include "store/store.h"

namespace kizuna::store {

class EngagementIndex {
 public:
  // Definitions by slot: bit i is badge (or segment) slot i.
  struct Masks {
    uint64_t badges = 0;
    uint64_t segments = 0;
    Masks& operator|=(const Masks& o) {
      badges |= o.badges;
      segments |= o.segments;
      return *this;
    }
  };
  // Slots at or past this are not indexed: while one is live, every definition is evaluated.
  static constexpr size_t kSlots = 64;

  // Starts over for `categories` (their half-lives decide which scores vary with time).
  void Reset(const CategorySet& categories);
  void AddBadge(size_t slot, const Predicate& p) { Add(true, slot, p); }
  void AddSegment(size_t slot, const Predicate& p) { Add(false, slot, p); }

  // False when some live definition could not be indexed.
  bool complete() const { return complete_; }
  // Every indexed definition.
  const Masks& all() const { return all_; }
  // The definitions that hold for a customer before its first event (every figure zero).
  const Masks& zero_holds() const { return zero_holds_; }
  // The definitions whose operands `e` changed, plus those that vary on their own.
  Masks Affected(const AppliedEvent& e) const;
  // Segments that read a badge among `awarded`.
  uint64_t SegmentsReading(uint64_t awarded) const;
  // Definitions that, true before `e`, are still true after it: only >= and > tests, no NOT,
  // on operands that never fall on their own (counts, frequency, scores without half-life,
  // monetary) and that `e` did not lower (negative points or VALUE).
  Masks Steady(const AppliedEvent& e) const;

 private:
  void Add(bool badge, size_t slot, const Predicate& p);
  Masks& ForAction(uint32_t action);
  Masks& ForPair(uint32_t key);

  uint32_t decaying_ = 0;  // categories with a half-life
  bool complete_ = true;
  Masks all_;
  Masks zero_holds_;
  Masks always_;
  Masks purchase_;
  Masks monetary_;
  Masks monotone_;
  Masks total_;
  std::array<Masks, kMaxCategories> category_{};
  std::vector<Masks> action_;                     // by action id
  std::vector<std::pair<uint32_t, Masks>> pair_;  // by counter key, sorted
  std::array<uint64_t, kSlots> badge_readers_{};  // segments reading badge i
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_ENGAGEMENT_INDEX_H_
