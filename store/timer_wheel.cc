#include "store/timer_wheel.h"

#include <algorithm>
#include <bit>

namespace kizuna::store {
namespace {

// Bits below a level's block: level 0 blocks are 256 ms, each outer level 64 times wider.
constexpr int BlockShift(int level) { return 8 + 6 * level; }
// Bits below a level's slot.
constexpr int SlotShift(int level) { return level == 0 ? 0 : BlockShift(level - 1); }

}  // namespace

TimerWheel::TimerWheel(TimeMs now) : now_(std::max<TimeMs>(0, now)) {
  level0_.fill(kNil);
  for (auto& level : outer_) level.fill(kNil);
}

TimerWheel::Handle TimerWheel::Arm(TimeMs due, uint64_t payload) {
  uint32_t index;
  if (free_head_ != kNil) {
    index = free_head_;
    free_head_ = nodes_[index].next;
  } else {
    index = nodes_.Add();
  }
  Node& n = nodes_[index];
  n.due = due;
  n.seq = next_seq_++;
  n.payload = payload;
  ++live_;
  Place(index);
  return {index, n.seq};
}

bool TimerWheel::Cancel(Handle handle) {
  if (handle.index >= nodes_.size() || handle.seq == 0) return false;
  Node& n = nodes_[handle.index];
  if (n.seq != handle.seq || n.prev == kCancelled) return false;
  --live_;
  if (n.prev == kInReady) {
    n.prev = kCancelled;  // dropped when it reaches the top of the heap
  } else {
    Unlink(handle.index);
    Free(handle.index);
  }
  return true;
}

bool TimerWheel::Get(Handle handle, TimeMs* due, uint64_t* payload) const {
  if (handle.index >= nodes_.size() || handle.seq == 0) return false;
  const Node& n = nodes_[handle.index];
  if (n.seq != handle.seq || n.prev == kCancelled) return false;
  *due = n.due;
  *payload = n.payload;
  return true;
}

size_t TimerWheel::memory_bytes() const {
  return nodes_.memory_bytes() + ready_.capacity() * sizeof(uint32_t) + sizeof(level0_) +
         sizeof(outer_);
}

uint32_t& TimerWheel::Head(int level, int slot) {
  if (level == 0) return level0_[slot];
  if (level < kLevels) return outer_[level - 1][slot];
  return overflow_;
}

// The lowest level whose block holds both `due` and now_, and the slot there. Stable while
// the timer waits: its slot starts after now_, so the two stay in different lower blocks.
std::pair<int, int> TimerWheel::Locate(TimeMs due) const {
  int level = 0;
  while (level < kLevels && (due >> BlockShift(level)) != (now_ >> BlockShift(level))) ++level;
  if (level == kLevels) return {level, 0};
  return {level, static_cast<int>((due >> SlotShift(level)) & (level == 0 ? 255 : 63))};
}

void TimerWheel::Place(uint32_t index) {
  Node& n = nodes_[index];
  if (n.due <= now_) return PushReady(index);
  auto [level, slot] = Locate(n.due);
  uint32_t& head = Head(level, slot);
  n.prev = kNil;
  n.next = head;
  if (head != kNil) nodes_[head].prev = index;
  head = index;
  if (level == 0) {
    bits0_[slot >> 6] |= uint64_t{1} << (slot & 63);
  } else if (level < kLevels) {
    outer_bits_[level - 1] |= uint64_t{1} << slot;
  }
}

void TimerWheel::Unlink(uint32_t index) {
  Node& n = nodes_[index];
  if (n.next != kNil) nodes_[n.next].prev = n.prev;
  if (n.prev != kNil) {
    nodes_[n.prev].next = n.next;
    return;
  }
  auto [level, slot] = Locate(n.due);
  uint32_t& head = Head(level, slot);
  head = n.next;
  if (head != kNil) return;
  if (level == 0) {
    bits0_[slot >> 6] &= ~(uint64_t{1} << (slot & 63));
  } else if (level < kLevels) {
    outer_bits_[level - 1] &= ~(uint64_t{1} << slot);
  }
}

TimeMs TimerWheel::NextEventTime() const {
  for (int word = 0; word < 4; ++word) {
    if (bits0_[word]) {
      int slot = word * 64 + std::countr_zero(bits0_[word]);
      return ((now_ >> 8) << 8) | slot;
    }
  }
  // An outer slot starts after every level-0 slot of the current block, and an inner level's
  // slots start before any outer one: the first occupied level holds the answer.
  for (int level = 1; level < kLevels; ++level) {
    if (uint64_t bits = outer_bits_[level - 1]) {
      TimeMs block = (now_ >> BlockShift(level)) << BlockShift(level);
      return block | (static_cast<TimeMs>(std::countr_zero(bits)) << SlotShift(level));
    }
  }
  if (overflow_ != kNil) return ((now_ >> BlockShift(kLevels - 1)) + 1) << BlockShift(kLevels - 1);
  return INT64_MAX;
}

void TimerWheel::EnterTime(TimeMs t) {
  now_ = t;
  // Outer levels first: their timers may land in the inner slots that start at t.
  if ((t & ((TimeMs{1} << BlockShift(kLevels - 1)) - 1)) == 0 && overflow_ != kNil) {
    uint32_t index = std::exchange(overflow_, kNil);
    while (index != kNil) {
      uint32_t next = nodes_[index].next;
      Place(index);
      index = next;
    }
  }
  for (int level = kLevels - 1; level >= 0; --level) {
    if (t & ((TimeMs{1} << SlotShift(level)) - 1)) continue;  // no slot of this level starts at t
    int slot = static_cast<int>((t >> SlotShift(level)) & (level == 0 ? 255 : 63));
    uint32_t& head = Head(level, slot);
    if (head == kNil) continue;
    uint32_t index = std::exchange(head, kNil);
    if (level == 0) {
      bits0_[slot >> 6] &= ~(uint64_t{1} << (slot & 63));
    } else {
      outer_bits_[level - 1] &= ~(uint64_t{1} << slot);
    }
    while (index != kNil) {
      uint32_t next = nodes_[index].next;
      Place(index);  // due at t: straight to the ready heap; later: a lower level
      index = next;
    }
  }
}

// Heap order: the timer due first, then the one armed first, on top.
bool TimerWheel::Later(uint32_t a, uint32_t b) const {
  const Node& x = nodes_[a];
  const Node& y = nodes_[b];
  return x.due != y.due ? x.due > y.due : x.seq > y.seq;
}

void TimerWheel::PushReady(uint32_t index) {
  nodes_[index].prev = kInReady;
  ready_.push_back(index);
  std::push_heap(ready_.begin(), ready_.end(),
                 [this](uint32_t a, uint32_t b) { return Later(a, b); });
}

uint32_t TimerWheel::TopReady() {
  while (!ready_.empty()) {
    uint32_t index = ready_.front();
    if (nodes_[index].prev != kCancelled) return index;
    PopReady();
    Free(index);
  }
  return kNil;
}

void TimerWheel::PopReady() {
  std::pop_heap(ready_.begin(), ready_.end(),
                [this](uint32_t a, uint32_t b) { return Later(a, b); });
  ready_.pop_back();
}

void TimerWheel::Free(uint32_t index) {
  Node& n = nodes_[index];
  n.seq = 0;
  n.next = free_head_;
  free_head_ = index;
}

}  // namespace kizuna::store
