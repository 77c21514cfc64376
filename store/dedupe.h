// DedupeTable: remembers event ids per customer so a repeated EVENT ... ID x within
// dedupe-window (|Δts| <= window) of an earlier accepted one is a no-op (SPEC EVENT step 2).
//
// Bound: each customer keeps at most `max_ids` ids (config dedupe-max-ids, default
// kDefaultIdsPerCustomer: the most recently accepted ones, a ring of 64-bit XXH3 hashes of the
// id plus the event TS: 16 bytes each), so memory is at most 16·max_ids bytes per customer
// that ever sent an ID, plus the map slot. Customers that never send ids cost nothing. A
// customer sending more than max_ids distinct ids inside one window can see an old id accepted
// again; `evictions` counts ids pushed out of a ring while still inside the window of the
// newest one (INFO reports it). Re-importing history exactly needs max_ids at least the
// largest number of id'd events of one customer: SPEC's window is about event TS, so a
// re-sent historical event matches its first copy however old it is. Seen() scans the ring,
// O(max_ids). Lowering max_ids does not shrink rings already larger; they keep cycling.
// The 64-bit hash makes a false "duplicate" practically impossible (~2^-64 per pair).
#ifndef KIZUNA_STORE_DEDUPE_H_
#define KIZUNA_STORE_DEDUPE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace kizuna::store {

class StateIn;
class StateOut;

class DedupeTable {
 public:
  static constexpr size_t kDefaultIdsPerCustomer = 16;
  static constexpr size_t kMaxIdsPerCustomer = 1u << 20;

  void set_max_ids(size_t n) { max_ids_ = n; }
  size_t max_ids() const { return max_ids_; }

  // True when (customer, id) was accepted before at a TS within `window` of ts.
  bool Seen(uint32_t customer, std::string_view id, int64_t ts, int64_t window) const;
  // Records an accepted event id.
  void Remember(uint32_t customer, std::string_view id, int64_t ts, int64_t window);
  // Forgets every id of the customer (CUSTOMER.DEL, and index reuse).
  void Forget(uint32_t customer);
  void Clear() {
    rings_.clear();
    ids_ = 0;
  }

  size_t customers() const { return rings_.size(); }
  size_t ids() const { return ids_; }
  uint64_t evictions() const { return evictions_; }
  size_t MemoryBytes() const;

  // Snapshots: one "store.dedupe" item per customer with ids, by customer index.
  void Save(StateOut& out) const;
  bool LoadItems(StateIn& in);
  void set_evictions(uint64_t n) { evictions_ = n; }

 private:
  struct Entry {
    uint64_t hash;
    int64_t ts;
  };
  struct Ring {
    uint32_t size = 0;
    uint32_t next = 0;  // slot the next id overwrites once full
    uint32_t capacity = 0;
    std::unique_ptr<Entry[]> entries;
  };
  absl::flat_hash_map<uint32_t, Ring> rings_;
  uint64_t evictions_ = 0;
  size_t ids_ = 0;
  size_t max_ids_ = kDefaultIdsPerCustomer;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_DEDUPE_H_
