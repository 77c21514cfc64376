// CustomerTable: customer ids <-> dense u32 indices.
//
// Each id is stored once, in an append-only byte arena as [len-1][bytes] (ids are 1..256
// bytes). The hash index is a set of u32 indices (IncrementalHashSet over absl's
// flat_hash_set) whose hasher (XXH3-64) and equality read the arena, so the set holds 4 bytes
// per customer and is probed with a string_view without copying. Freed indices are reused;
// arena bytes of deleted ids are reclaimed by compaction once they are more than half of the
// arena.
//
// Not thread-safe. Not copyable or movable (the set's hasher points back at the table).
#ifndef KIZUNA_STORE_CUSTOMER_TABLE_H_
#define KIZUNA_STORE_CUSTOMER_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "store/huge_pages.h"
#include "store/incremental_hash_set.h"
#include "store/mapped_vector.h"
#include "store/strings.h"  // HashBytes

namespace kizuna::store {

using CustomerIndex = uint32_t;
inline constexpr CustomerIndex kNoCustomer = UINT32_MAX;
inline constexpr size_t kMaxCustomerIdLen = 256;

// An id with its hash (HashBytes), for callers that look one id up in stages or ahead of time:
// the id is hashed once, not at every stage.
struct HashedId {
  std::string_view id;
  uint64_t hash;
  static HashedId Of(std::string_view id) { return {id, HashBytes(id)}; }
};

class CustomerTable {
 public:
  CustomerTable();
  CustomerTable(const CustomerTable&) = delete;
  CustomerTable& operator=(const CustomerTable&) = delete;

  // kNoCustomer when unknown.
  CustomerIndex Find(std::string_view id) const { return Find(HashedId::Of(id)); }
  CustomerIndex Find(const HashedId& id) const;
  // Adds a new id (1..256 bytes, not present) and returns its index, reusing freed ones.
  CustomerIndex Insert(std::string_view id);
  void Erase(CustomerIndex c);
  void Clear();

  std::string_view Id(CustomerIndex c) const {
    const unsigned char* p = arena_.data() + offsets_[c];
    return {reinterpret_cast<const char*>(p + 1), static_cast<size_t>(p[0]) + 1};
  }
  bool live(CustomerIndex c) const { return c < offsets_.size() && offsets_[c] != kFree; }
  // Number of live customers.
  size_t size() const { return set_.size(); }
  // One past the highest index ever handed out (live or free): the length of per-index arrays.
  size_t slots() const { return offsets_.size(); }

  // Snapshots: the free list (reuse order), and loading: Reset() to `slots` free indices
  // with `free` as the free list, then InsertAt() every live id at its own index.
  const std::vector<CustomerIndex>& free_list() const { return free_; }
  void Reset(size_t slots, std::vector<CustomerIndex> free, size_t live);
  // False if `c` is out of range or taken.
  bool InsertAt(CustomerIndex c, std::string_view id);
  // Fetches the hash slots `id` would probe, ahead of an InsertAt or Find.
  void Prefetch(const HashedId& id) const { set_.prefetch(id); }
  // The second step of a lookup ahead of time: reads the hash slots (fetched by Prefetch a
  // while ago), and for the customers whose slots match 7 bits of the hash (the one with this
  // id, if any, and another ~1 time in 10) starts loading their id offsets. Writes up to
  // `max` of them to out, in probe order, without reading any id; returns how many.
  size_t Candidates(const HashedId& id, CustomerIndex* out, size_t max) const;
  // The third step: starts loading the id bytes of a candidate (its offset fetched before),
  // as many as the id looked up has: only an id of that length can match, and one in four
  // crosses into a second line.
  void PrefetchId(CustomerIndex c, size_t id_size) const {
    const unsigned char* p = arena_.data() + offsets_[c];
    __builtin_prefetch(p);
    __builtin_prefetch(p + id_size);  // the last byte of [size-1][bytes]
  }

  size_t MemoryBytes() const;
  size_t arena_bytes() const { return arena_.size(); }

 private:
  static constexpr uint32_t kFree = UINT32_MAX;

  // A lookup key that matches nothing and collects the entries it is compared with (those
  // whose hash bits match): Candidates.
  struct CandidateProbe {
    uint64_t hash;
    CustomerIndex* out;
    size_t max;
    size_t* found;
    bool Visit(uint32_t c) const {
      if (*found < max) out[(*found)++] = c;
      return false;
    }
  };
  struct Hash {
    using is_transparent = void;
    const CustomerTable* table;
    size_t operator()(uint32_t c) const { return HashBytes(table->Id(c)); }
    size_t operator()(const HashedId& id) const { return id.hash; }
    size_t operator()(const CandidateProbe& p) const { return p.hash; }
    // For the set's growth, which hashes entries in batches: the id's offset, then its bytes
    // (the second line too when an id of up to 32 bytes crosses one).
    static constexpr int kPrefetchStages = 2;
    void Prefetch(uint32_t c, int stage) const {
      if (stage == 0) {
        __builtin_prefetch(&table->offsets_[c]);
      } else {
        const unsigned char* id = table->arena_.data() + table->offsets_[c];
        __builtin_prefetch(id);
        __builtin_prefetch(id + 32);
      }
    }
  };
  struct Eq {
    using is_transparent = void;
    const CustomerTable* table;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, const HashedId& b) const { return table->Id(a) == b.id; }
    bool operator()(const HashedId& a, uint32_t b) const { return a.id == table->Id(b); }
    bool operator()(uint32_t a, const CandidateProbe& p) const { return p.Visit(a); }
    bool operator()(const CandidateProbe& p, uint32_t b) const { return p.Visit(b); }
  };

  void CompactArena();

  MappedVector<unsigned char> arena_;
  MappedVector<uint32_t> offsets_;  // arena offset per index, kFree when free
  std::vector<CustomerIndex> free_;
  size_t garbage_ = 0;  // arena bytes of erased ids
  // Grows incrementally: a one-shot rehash reads every id (offset, then arena), ~100 ms
  // at a million customers. 32 moves per insert empty the old table within 1/32 of the
  // inserts that filled it (so it is gone again soon after each doubling).
  IncrementalHashSet<uint32_t, Hash, Eq, HugePageAllocator<uint32_t>> set_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_CUSTOMER_TABLE_H_
