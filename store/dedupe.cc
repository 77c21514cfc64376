#include "store/dedupe.h"

#include <algorithm>
#include <vector>

#include "store/customer_table.h"
#include "store/persistence/state_codec.h"

namespace kizuna::store {
namespace {

bool Within(int64_t a, int64_t b, int64_t window) {
  // |a - b| <= window without overflow for any int64 pair we accept (TS >= 0).
  return (a > b ? a - b : b - a) <= window;
}

}  // namespace

bool DedupeTable::Seen(uint32_t customer, std::string_view id, int64_t ts, int64_t window) const {
  auto it = rings_.find(customer);
  if (it == rings_.end()) return false;
  uint64_t h = HashBytes(id);
  const Ring& r = it->second;
  for (size_t i = 0; i < r.size; ++i) {
    if (r.entries[i].hash == h && Within(r.entries[i].ts, ts, window)) return true;
  }
  return false;
}

void DedupeTable::Remember(uint32_t customer, std::string_view id, int64_t ts, int64_t window) {
  Ring& r = rings_[customer];
  Entry e{HashBytes(id), ts};
  if (r.size < r.capacity) {
    r.entries[r.size++] = e;
    ++ids_;
    return;
  }
  if (r.capacity < max_ids_) {
    // Grow 2, 4, 8, ... up to max_ids: most customers repeat few ids.
    auto cap = static_cast<uint32_t>(std::min(max_ids_, std::max<size_t>(2, r.capacity * 2)));
    auto bigger = std::make_unique<Entry[]>(cap);
    std::copy(r.entries.get(), r.entries.get() + r.size, bigger.get());
    r.entries = std::move(bigger);
    r.capacity = cap;
    r.entries[r.size++] = e;
    ++ids_;
    return;
  }
  Entry& victim = r.entries[r.next];
  if (Within(victim.ts, ts, window)) ++evictions_;
  victim = e;
  r.next = (r.next + 1) % r.size;
}

void DedupeTable::Forget(uint32_t customer) {
  auto it = rings_.find(customer);
  if (it == rings_.end()) return;
  ids_ -= it->second.size;
  rings_.erase(it);
}

void DedupeTable::Save(StateOut& out) const {
  out.Begin("store.dedupe");
  for (uint32_t c : SortedKeys(rings_)) {
    const Ring& r = rings_.find(c)->second;
    out.U(c);
    out.U(r.size);
    out.U(r.next);
    out.U(r.capacity);
    for (size_t i = 0; i < r.size; ++i) {
      out.U(r.entries[i].hash);
      out.I(r.entries[i].ts);
    }
    out.EndItem();
  }
  out.End();
}

bool DedupeTable::LoadItems(StateIn& in) {
  while (!in.done()) {
    uint32_t c;
    uint64_t size, next, capacity;
    if (!in.U32(&c) || !in.U(&size) || !in.U(&next) || !in.U(&capacity)) return false;
    if (capacity > kMaxIdsPerCustomer || size > capacity || (size > 0 && next >= size))
      return in.Fail();
    Ring& r = rings_[c];
    r.size = static_cast<uint32_t>(size);
    r.next = static_cast<uint32_t>(next);
    r.capacity = static_cast<uint32_t>(capacity);
    r.entries = std::make_unique<Entry[]>(capacity);
    for (size_t i = 0; i < size; ++i) {
      if (!in.U(&r.entries[i].hash) || !in.I(&r.entries[i].ts)) return false;
    }
    ids_ += size;
  }
  return in.ok();
}

size_t DedupeTable::MemoryBytes() const {
  size_t bytes = rings_.capacity() * (sizeof(std::pair<uint32_t, Ring>) + 1);
  for (const auto& [c, r] : rings_) bytes += r.capacity * sizeof(Entry);
  return bytes;
}

}  // namespace kizuna::store
