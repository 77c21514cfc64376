// CustomerRecord: the variable-size part of a customer (everything but its id, last_seen and
// scores), and RecordPool, which stores records compactly.
//
// A record is encoded as varints into a block of a size class (multiples of 8 bytes) inside
// 4 MiB chunks; a customer holds a 4-byte handle. A typical customer (3 action counters and
// purchase figures) takes one 24-byte block, against ~100 bytes for a struct with a vector.
// Encoding (little-endian varints, deltas against `last_seen`, which lives outside):
//   [class u8] varint(last_seen - first_seen) varint(frequency)
//   if frequency > 0: monetary as varint(zigzag(m) << 1) when it is a whole number below 2^53
//     (not -0), else varint(1) then the raw f64; varint(last_seen - last_purchase)
//   varint(n) then n × (varint(key - previous key), varint(count))   keys ascending
// Decode/encode happen per event on a reused scratch record: no allocation in steady state.
#ifndef KIZUNA_STORE_CUSTOMER_RECORD_H_
#define KIZUNA_STORE_CUSTOMER_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "store/huge_pages.h"

namespace kizuna::store {

// Counter keys: an action id, or kPairKeyBit | tracked (action, item) pair id.
inline constexpr uint32_t kPairKeyBit = 1u << 31;

struct CustomerRecord {
  int64_t first_seen = 0;
  uint64_t frequency = 0;
  double monetary = 0;
  int64_t last_purchase = 0;                            // valid when frequency > 0
  std::vector<std::pair<uint32_t, uint64_t>> counters;  // ascending keys

  void Clear() {
    first_seen = frequency = 0;
    monetary = 0;
    last_purchase = 0;
    counters.clear();
  }
  uint64_t Count(uint32_t key) const;
  // Adds one to the counter `key` and returns its new value.
  uint64_t Increment(uint32_t key);
  // Removes the counter; returns whether it existed.
  bool Remove(uint32_t key);
};

class RecordPool {
 public:
  using Handle = uint32_t;
  static constexpr Handle kNoRecord = UINT32_MAX;

  RecordPool() = default;
  RecordPool(const RecordPool&) = delete;
  RecordPool& operator=(const RecordPool&) = delete;

  // Decodes the record at h (last_seen: the customer's highest event TS) into *out.
  void Read(Handle h, int64_t last_seen, CustomerRecord* out) const;
  // Decodes first_seen and the purchase figures only (counters left empty): for scans.
  void ReadFigures(Handle h, int64_t last_seen, CustomerRecord* out) const {
    ReadHeader(h, last_seen, out);
  }
  // Encodes r, in place when its size class is unchanged, and returns the (new) handle.
  // h may be kNoRecord for a new customer. A record is at most one chunk (4 MiB): the store
  // bounds distinct actions and tracked pairs (65536 each) so that always holds.
  Handle Write(Handle h, int64_t last_seen, const CustomerRecord& r);
  void Free(Handle h);
  void Clear();
  // Starts loading the record at h (a hint ahead of a Read; any h, kNoRecord included).
  void Prefetch(Handle h) const {
    if (h != kNoRecord) __builtin_prefetch(At(h));
  }

  size_t MemoryBytes() const { return chunks_.size() * kChunkBytes + big_bytes_; }
  size_t live_bytes() const { return live_bytes_; }

 private:
  static constexpr size_t kChunkBytes = 4 << 20;
  static constexpr size_t kUnitsPerChunk = kChunkBytes / 8;  // handle = chunk·2^19 + unit
  static constexpr int kClasses = 37;                        // the largest class is one whole chunk

  // Read up to the counters; returns where they start (nullptr for kNoRecord).
  const unsigned char* ReadHeader(Handle h, int64_t last_seen, CustomerRecord* out) const;
  static size_t ClassUnits(int cls);
  static int ClassFor(size_t bytes);
  unsigned char* At(Handle h) const;
  Handle Allocate(int cls);

  std::vector<LargeArray<unsigned char>> chunks_;
  size_t chunk_used_units_ = kUnitsPerChunk;  // in the last chunk; full means "none yet"
  std::vector<Handle> free_[kClasses];
  std::vector<unsigned char> scratch_;  // Write encodes here; it only grows
  size_t live_bytes_ = 0;
  size_t big_bytes_ = 0;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_CUSTOMER_RECORD_H_
