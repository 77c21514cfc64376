#include "store/dedupe.h"

#include <algorithm>

#include "store/customer_table.h"

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
  if (r.capacity < kIdsPerCustomer) {
    // Grow 2, 4, 8, 16: most customers repeat few ids.
    uint8_t cap = static_cast<uint8_t>(std::max<size_t>(2, r.capacity * 2));
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
  r.next = static_cast<uint8_t>((r.next + 1) % kIdsPerCustomer);
}

void DedupeTable::Forget(uint32_t customer) {
  auto it = rings_.find(customer);
  if (it == rings_.end()) return;
  ids_ -= it->second.size;
  rings_.erase(it);
}

size_t DedupeTable::MemoryBytes() const {
  size_t bytes = rings_.capacity() * (sizeof(std::pair<uint32_t, Ring>) + 1);
  for (const auto& [c, r] : rings_) bytes += r.capacity * sizeof(Entry);
  return bytes;
}

}  // namespace kizuna::store
