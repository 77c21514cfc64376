// Pending scenario timers: a hierarchical timing wheel with O(1) arm and cancel, exact
// firing order, and bounded work per call.
//
// Order: timers fire in (due time, arm order). Timers due at the same millisecond fire in the
// order they were armed, even when one came down from an outer wheel and the other was armed
// straight into the inner one: each slot is ordered by arm sequence when it comes due.
//
// Layout: level 0 has 256 one-millisecond slots; levels 1..6 have 64 slots each, every slot
// 64 times wider than a slot one level down (level 6 slots are ~8.9 years wide). A timer sits at
// the lowest level whose block also holds the current time; when the clock enters one of its
// slots, the slot's timers move down ("cascade"). Per-level occupancy bitmaps let Advance jump
// straight over empty time, so moving a manual clock by 90 days costs a few bit scans.
//
// Memory: 32 bytes per pending timer, in blocks of 65,536 (10,000,000 timers = 320 MB plus
// at most one partly used block), freed nodes reused; arming allocates only a new block.
#ifndef KIZUNA_STORE_TIMER_WHEEL_H_
#define KIZUNA_STORE_TIMER_WHEEL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "store/clock.h"
#include "store/huge_pages.h"

namespace kizuna::store {

class TimerWheel {
 public:
  // Names one armed timer; stale handles (fired or cancelled) are recognised and ignored.
  struct Handle {
    uint32_t index = UINT32_MAX;
    uint64_t seq = 0;
  };
  struct Fired {
    uint64_t payload;
    TimeMs due;
  };

  explicit TimerWheel(TimeMs now = 0);

  // Arms a timer. One due at or before now() fires at the next Advance, before later ones.
  Handle Arm(TimeMs due, uint64_t payload);
  // The handle of the timer in node `index`, for owners that keep only the index (8 bytes
  // saved per timer) and drop it when the timer fires or is cancelled.
  Handle HandleAt(uint32_t index) const { return {index, nodes_[index].seq}; }
  // The payload node `index` was armed with; kept after it fires or is cancelled, until the
  // node is reused by a later Arm.
  uint64_t PayloadAt(uint32_t index) const { return nodes_[index].payload; }
  // Cancels a pending timer; false if it already fired or was cancelled.
  bool Cancel(Handle handle);
  // Payload of a pending timer (for listing); false if not pending.
  bool Get(Handle handle, TimeMs* due, uint64_t* payload) const;

  // Fires, in order, timers due at or before `now`, at most `limit` of them, calling
  // `fire(Fired)` for each. Returns true when nothing due by `now` is left. The callback may
  // arm and cancel timers; ones it arms due by `now` fire in this same pass (within `limit`).
  template <typename Fire>
  bool Advance(TimeMs now, size_t limit, Fire&& fire);

  // When Advance next has work (a timer due, or an outer slot to bring down): the time to
  // wake up for. now() if timers are already due; INT64_MAX if none is pending.
  TimeMs next_wakeup() const { return ready_.empty() ? NextEventTime() : now_; }

  TimeMs now() const { return now_; }
  size_t size() const { return live_; }
  // Bytes held (node array and slot heads), for INFO memory figures.
  size_t memory_bytes() const;

 private:
  static constexpr int kLevels = 7;  // level 0 plus six outer levels
  static constexpr uint32_t kNil = UINT32_MAX;

  struct Node {
    TimeMs due;
    uint64_t seq;  // arm order; 0 while the node is free
    uint64_t payload;
    uint32_t next;
    uint32_t prev;  // kNil when first in its slot; kInReady / kCancelled in the ready heap
  };
  static constexpr uint32_t kInReady = UINT32_MAX - 1;
  static constexpr uint32_t kCancelled = UINT32_MAX - 2;

  // Level and slot for a timer due at `due` (> now_); level kLevels means the overflow list.
  std::pair<int, int> Locate(TimeMs due) const;
  // Puts a timer in its slot, or in the ready heap if it is due by now_.
  void Place(uint32_t index);
  void Unlink(uint32_t index);
  uint32_t& Head(int level, int slot);
  // Earliest time after now_ at which some slot must cascade or fire; INT64_MAX if none.
  TimeMs NextEventTime() const;
  // Moves now_ to `t` (an event time) and cascades / extracts the slots that start there.
  void EnterTime(TimeMs t);
  bool Later(uint32_t a, uint32_t b) const;
  void PushReady(uint32_t index);
  // The first live timer of the ready heap (cancelled ones on top are dropped), or kNil.
  uint32_t TopReady();
  void PopReady();
  void Free(uint32_t index);

  TimeMs now_;
  uint64_t next_seq_ = 1;
  size_t live_ = 0;
  // Nodes in fixed blocks: growing never copies them and leaves at most one block unused,
  // where a doubling vector could leave half of its capacity idle.
  class NodeArray {
   public:
    static constexpr uint32_t kBlockBits = 16;
    Node& operator[](uint32_t i) { return blocks_[i >> kBlockBits][i & kMask]; }
    const Node& operator[](uint32_t i) const { return blocks_[i >> kBlockBits][i & kMask]; }
    uint32_t size() const { return size_; }
    uint32_t Add() {
      if ((size_ & kMask) == 0) blocks_.push_back(MakeLargeArray<Node>(kMask + 1));
      return size_++;
    }
    size_t memory_bytes() const {
      return blocks_.size() * (kMask + 1) * sizeof(Node) + blocks_.capacity() * sizeof(void*);
    }

   private:
    static constexpr uint32_t kMask = (1u << kBlockBits) - 1;
    std::vector<LargeArray<Node>> blocks_;
    uint32_t size_ = 0;
  };
  NodeArray nodes_;
  uint32_t free_head_ = kNil;
  // Slot heads: level 0 has 256 slots, others 64; overflow (beyond level 6) is one list.
  std::array<uint32_t, 256> level0_;
  std::array<std::array<uint32_t, 64>, kLevels - 1> outer_;
  uint32_t overflow_ = kNil;
  std::array<uint64_t, 4> bits0_{};                 // occupancy of level 0
  std::array<uint64_t, kLevels - 1> outer_bits_{};  // occupancy of levels 1..6
  std::vector<uint32_t> ready_;                     // min-heap by (due, seq)
};

template <typename Fire>
bool TimerWheel::Advance(TimeMs now, size_t limit, Fire&& fire) {
  size_t fired = 0;
  while (true) {
    if (uint32_t index = TopReady(); index != kNil) {
      if (fired == limit) return false;
      PopReady();
      Fired f{nodes_[index].payload, nodes_[index].due};
      Free(index);
      --live_;
      ++fired;
      fire(f);  // may arm or cancel: no reference into nodes_ is held across it
      continue;
    }
    if (now <= now_) return true;
    TimeMs next = NextEventTime();
    if (next > now) {
      now_ = now;  // nothing starts in between: the placement of every timer stays valid
      return true;
    }
    EnterTime(next);
  }
}

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_TIMER_WHEEL_H_
