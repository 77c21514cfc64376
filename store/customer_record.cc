#include "store/customer_record.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace kizuna::store {
namespace {

// Writes v at p (at most kMaxVarintBytes) and returns the end.
constexpr size_t kMaxVarintBytes = 10;
unsigned char* PutVarint(unsigned char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return p;
}

uint64_t GetVarint(const unsigned char** p) {
  uint64_t v = 0;
  int shift = 0;
  while (**p & 0x80) {
    v |= static_cast<uint64_t>(**p & 0x7f) << shift;
    shift += 7;
    ++*p;
  }
  v |= static_cast<uint64_t>(**p) << shift;
  ++*p;
  return v;
}

}  // namespace

uint64_t CustomerRecord::Count(uint32_t key) const {
  auto it = std::lower_bound(counters.begin(), counters.end(), key,
                             [](const auto& e, uint32_t k) { return e.first < k; });
  return it != counters.end() && it->first == key ? it->second : 0;
}

uint64_t CustomerRecord::Increment(uint32_t key) {
  auto it = std::lower_bound(counters.begin(), counters.end(), key,
                             [](const auto& e, uint32_t k) { return e.first < k; });
  if (it != counters.end() && it->first == key) return ++it->second;
  counters.insert(it, {key, 1});
  return 1;
}

bool CustomerRecord::Remove(uint32_t key) {
  auto it = std::lower_bound(counters.begin(), counters.end(), key,
                             [](const auto& e, uint32_t k) { return e.first < k; });
  if (it == counters.end() || it->first != key) return false;
  counters.erase(it);
  return true;
}

// Classes of 1, 2, 3, 4, 6, 8, 12, 16, ... units of 8 bytes (each <= 1.5x the previous).
size_t RecordPool::ClassUnits(int cls) {
  if (cls == 0) return 1;
  int k = cls - 1;
  size_t base = size_t{2} << (k / 2);
  return (k % 2 == 1) ? base + base / 2 : base;
}

int RecordPool::ClassFor(size_t bytes) {
  size_t units = (bytes + 7) / 8;
  for (int c = 0; c < kClasses; ++c) {
    if (ClassUnits(c) >= units) return c;
  }
  return -1;
}

unsigned char* RecordPool::At(Handle h) const {
  return chunks_[h / kUnitsPerChunk].get() + (h % kUnitsPerChunk) * 8;
}

RecordPool::Handle RecordPool::Allocate(int cls) {
  if (!free_[cls].empty()) {
    Handle h = free_[cls].back();
    free_[cls].pop_back();
    return h;
  }
  size_t units = ClassUnits(cls);
  if (chunk_used_units_ + units > kUnitsPerChunk) {
    // Hand the tail of the current chunk to the smaller classes' free lists.
    if (!chunks_.empty()) {
      for (int c = cls - 1; c >= 0; --c) {
        while (chunk_used_units_ + ClassUnits(c) <= kUnitsPerChunk) {
          free_[c].push_back(
              static_cast<Handle>((chunks_.size() - 1) * kUnitsPerChunk + chunk_used_units_));
          chunk_used_units_ += ClassUnits(c);
        }
      }
    }
    chunks_.push_back(MakeLargeArray<unsigned char>(kChunkBytes));
    chunk_used_units_ = 0;
  }
  Handle h = static_cast<Handle>((chunks_.size() - 1) * kUnitsPerChunk + chunk_used_units_);
  chunk_used_units_ += units;
  return h;
}

void RecordPool::Read(Handle h, int64_t last_seen, CustomerRecord* out) const {
  const unsigned char* p = ReadHeader(h, last_seen, out);
  if (p == nullptr) return;
  uint64_t n = GetVarint(&p);
  uint32_t key = 0;
  for (uint64_t i = 0; i < n; ++i) {
    key += static_cast<uint32_t>(GetVarint(&p));
    uint64_t count = GetVarint(&p);
    out->counters.emplace_back(key, count);
  }
}

const unsigned char* RecordPool::ReadHeader(Handle h, int64_t last_seen,
                                            CustomerRecord* out) const {
  out->Clear();
  if (h == kNoRecord) {
    out->first_seen = last_seen;
    return nullptr;
  }
  const unsigned char* p = At(h) + 1;
  out->first_seen = last_seen - static_cast<int64_t>(GetVarint(&p));
  out->frequency = GetVarint(&p);
  if (out->frequency > 0) {
    uint64_t tag = GetVarint(&p);
    if (tag & 1) {
      std::memcpy(&out->monetary, p, 8);
      p += 8;
    } else {
      uint64_t z = tag >> 1;
      out->monetary =
          static_cast<double>(static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1));
    }
    out->last_purchase = last_seen - static_cast<int64_t>(GetVarint(&p));
  }
  return p;
}

RecordPool::Handle RecordPool::Write(Handle h, int64_t last_seen, const CustomerRecord& r) {
  // Encoded through a pointer into a buffer sized for the worst case (every field at its
  // longest), grown only when a record needs more: no capacity check per byte.
  const size_t bound = 1 + 6 * kMaxVarintBytes + 8 + r.counters.size() * 2 * kMaxVarintBytes;
  if (scratch_.size() < bound) scratch_.resize(bound);
  unsigned char* const start = scratch_.data();
  unsigned char* p = start + 1;  // after the class byte, set below
  p = PutVarint(p, static_cast<uint64_t>(last_seen - r.first_seen));
  p = PutVarint(p, r.frequency);
  if (r.frequency > 0) {
    // Whole amounts (the common case) as a zigzag varint, anything else as the raw double.
    double v = r.monetary;
    if (std::abs(v) < 0x1p53 && v == std::trunc(v) && !(v == 0 && std::signbit(v))) {
      int64_t i = static_cast<int64_t>(v);
      uint64_t z = (static_cast<uint64_t>(i) << 1) ^ static_cast<uint64_t>(i >> 63);
      p = PutVarint(p, z << 1);
    } else {
      p = PutVarint(p, 1);
      std::memcpy(p, &v, 8);
      p += 8;
    }
    p = PutVarint(p, static_cast<uint64_t>(last_seen - r.last_purchase));
  }
  p = PutVarint(p, r.counters.size());
  uint32_t prev = 0;
  for (const auto& [key, count] : r.counters) {
    p = PutVarint(p, key - prev);
    p = PutVarint(p, count);
    prev = key;
  }
  const size_t size = static_cast<size_t>(p - start);
  int cls = ClassFor(size);
  if (cls < 0) std::abort();  // impossible within the store's limits (see header)
  if (h != kNoRecord && At(h)[0] != cls) {
    Free(h);
    h = kNoRecord;
  }
  if (h == kNoRecord) {
    h = Allocate(cls);
    live_bytes_ += ClassUnits(cls) * 8;
  }
  start[0] = static_cast<unsigned char>(cls);
  std::memcpy(At(h), start, size);
  return h;
}

void RecordPool::Free(Handle h) {
  if (h == kNoRecord) return;
  int cls = At(h)[0];
  live_bytes_ -= ClassUnits(cls) * 8;
  free_[cls].push_back(h);
}

void RecordPool::Clear() {
  chunks_.clear();
  chunk_used_units_ = kUnitsPerChunk;
  for (auto& f : free_) std::vector<Handle>().swap(f);
  live_bytes_ = 0;
  big_bytes_ = 0;
}

}  // namespace kizuna::store
