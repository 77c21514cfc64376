// Badges and segments (SPEC EVENT steps 6–7): definitions with compiled predicates, awards and
// memberships per customer, kept current by every event the store applies.
//
// Badges are awarded once, the first time their predicate holds after an event, at that
// event's TS. Segment memberships are computed for every customer when the segment is
// defined, then re-evaluated on each of the customer's events. Entering a segment and earning
// a badge are reported to an EngagementSink (the outbox and ON BADGE / ON ENTER triggers).
//
// Definitions that other predicates name cannot be deleted: a predicate never points at a
// missing badge or segment, so the compiled indices stay valid.
#ifndef KIZUNA_STORE_ENGAGEMENT_H_
#define KIZUNA_STORE_ENGAGEMENT_H_

#include <bit>
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
#include "store/engagement_index.h"
#include "store/huge_pages.h"
#include "store/mapped_vector.h"
#include "store/predicate.h"
#include "store/store.h"

namespace kizuna::store {

class StateOut;

class EngagementSink {
 public:
  virtual ~EngagementSink() = default;
  virtual void OnBadgeAwarded(CustomerIndex c, std::string_view badge, TimeMs at,
                              const AppliedEvent& event) = 0;
  virtual void OnSegmentEntered(CustomerIndex c, std::string_view segment,
                                const AppliedEvent& event) = 0;
  // A definition outside Engagement (a trigger) that names this badge or segment, if any:
  // such a badge or segment cannot be deleted.
  virtual std::optional<std::string_view> UserOf(Operand kind, uint32_t id,
                                                 std::string_view name) const = 0;
};

// A predicate and the (action, item) counters the store keeps for it.
struct CompiledPredicate {
  Predicate predicate;
  std::vector<std::pair<std::string, std::string>> pairs;
};

// Not an observer itself: Triggers forwards events to it between SPEC steps 5 and 8.
class Engagement {
 public:
  // BADGE.LIST / SEGMENT.LIST rows; `count` is awards for a badge, members for a segment.
  struct DefinitionInfo {
    std::string_view name, predicate;
    uint64_t count;
  };

  explicit Engagement(Store* store) : store_(store), rebases_(store->rebases()) {}
  void set_sink(EngagementSink* sink) { sink_ = sink; }
  // Evaluates every predicate on every event instead of only those the event can have changed:
  // the reference that tests hold the skipping to.
  void set_evaluate_all(bool on) { evaluate_all_ = on; }

  // BADGE.SET / SEGMENT.SET: `predicate` is the argument list after WHEN / WHERE. Redefining
  // keeps a badge's awards; a segment's membership is recomputed for everyone at `now`.
  absl::Status SetBadge(std::string_view name, const std::vector<std::string_view>& predicate);
  absl::Status SetSegment(std::string_view name, const std::vector<std::string_view>& predicate,
                          TimeMs now);
  // BADGE.DEL / SEGMENT.DEL: false when unknown; an error when another predicate names it.
  absl::StatusOr<bool> DeleteBadge(std::string_view name);
  absl::StatusOr<bool> DeleteSegment(std::string_view name);
  bool HasBadge(std::string_view name) const;
  bool HasSegment(std::string_view name) const;
  // Segment index of a live segment, or -1; then membership by index.
  int SegmentIndex(std::string_view name) const;
  bool InSegment(int segment, CustomerIndex c) const { return IsMember(segments_[segment], c); }
  std::vector<DefinitionInfo> Badges() const;
  std::vector<DefinitionInfo> Segments() const;

  // CUSTOMER: (badge, awarded ms) in award order, and segment names.
  std::vector<std::pair<std::string_view, TimeMs>> CustomerBadges(CustomerIndex c) const;
  std::vector<std::string_view> CustomerSegments(CustomerIndex c) const;

  // Segments over decaying scores change with time alone: re-evaluates memberships of those
  // segments for customers [*cursor, *cursor + budget) at `now` (no triggers fire: nobody
  // acted). Returns how many memberships changed; *cursor wraps to 0 at the end.
  size_t Recheck(TimeMs now, size_t budget, size_t* cursor);

  // Steps 6–7 for one applied event; CUSTOMER.DEL and FLUSHALL.
  void OnEvent(const AppliedEvent& event);
  // Starts loading what OnEvent will read of `c` (its cache, awards and memberships).
  void Prefetch(CustomerIndex c) const;
  void OnCustomerDeleted(CustomerIndex c);
  void OnFlushAll();

  // Compiles `args` against the store's and these definitions' names, tracking the pairs it
  // counts (on failure none stay tracked). Release() untracks them when the user is dropped.
  absl::StatusOr<CompiledPredicate> Compile(const std::vector<std::string_view>& args);
  void Release(CompiledPredicate& compiled);
  bool Holds(const Predicate& p, CustomerIndex c, const CustomerRecord& r, TimeMs now) const;

  // Snapshots (engagement_snapshot.cc): "eng.awards" and "eng.members". Loaded after the
  // definitions were replayed (same slots) and the customers loaded; award counts and
  // segment sizes are derived from them.
  void SaveState(StateOut& out) const;
  bool LoadRecord(std::string_view tag, std::string_view payload);

 private:
  struct Definition : CompiledPredicate {
    std::string name;
    bool live = false;
  };
  struct Badge : Definition {
    uint64_t awarded = 0;
    uint64_t count() const { return awarded; }
  };
  struct Segment : Definition {
    std::vector<uint64_t> members;  // bit per customer index
    uint64_t size = 0;
    uint64_t count() const { return size; }
  };
  struct Award {
    uint32_t badge;
    TimeMs at;
  };
  class Names;
  class Inputs;

  // The name of a definition whose predicate tests `operand` with `id`, if any.
  std::optional<std::string_view> UsedBy(Operand operand, uint32_t id) const;
  bool IsMember(const Segment& s, CustomerIndex c) const;
  // Whether a segment reads a decaying score (its truth can change without events).
  bool Decays(const Segment& s) const;
  void SetMember(Segment& s, CustomerIndex c, bool member);
  // Definitions or half-lives changed: the index is rebuilt and every customer's cache voided.
  void Changed();
  void RefreshIndex();
  // Calls f(i) for the set bits i of `mask` (slots < 64), ascending, then for every slot
  // from 64 to n: definition order, visiting only what the mask allows below 64.
  template <typename F>
  static void ForEachSlot(uint64_t mask, size_t n, F&& f) {
    for (uint64_t m = mask; m != 0; m &= m - 1) f(static_cast<uint32_t>(std::countr_zero(m)));
    for (uint32_t i = 64; i < n; ++i) f(i);
  }

  Store* store_;
  EngagementSink* sink_ = nullptr;
  std::vector<Badge> badges_;  // indices are stable; a deleted slot is reused
  std::vector<Segment> segments_;
  absl::flat_hash_map<CustomerIndex, std::vector<Award>, absl::Hash<CustomerIndex>,
                      std::equal_to<CustomerIndex>,
                      HugePageAllocator<std::pair<const CustomerIndex, std::vector<Award>>>>
      awards_;

  // What steps 6–7 may skip. Per customer, a cache derived from earlier events (dropping it is
  // always safe), valid while `generation` is generation_: the badges of slots < 32 that did
  // not hold after the customer's last event, and its memberships of segment slots < 64 (kept
  // by SetMember, so an event reads one cache line instead of one per segment).
  // An event evaluates every badge not held and not failing, so afterwards each live badge
  // slot < 32 is one or the other: the ones not failing are held, and the next event skips
  // their awards_ lookup (two dependent cache misses).
  struct Known {
    uint32_t generation = 0;
    uint32_t failing = 0;
    uint64_t members = 0;
  };
  EngagementIndex index_;
  uint32_t generation_ = 1;
  uint32_t indexed_ = 0;  // generation index_ was built for
  // Live definition slots < 64, rebuilt with index_: OnEvent walks these bits instead of
  // reading every definition (a cache line each) to find the live ones.
  EngagementIndex::Masks live_{};
  uint64_t rebases_;      // store's, when last seen
  MappedVector<Known> known_;
  bool evaluate_all_ = false;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_ENGAGEMENT_H_
