// IncrementalHashSet: an absl::flat_hash_set that grows without stopping the world.
//
// A flat hash set grows by rehashing every entry at once; with millions of entries whose hash
// reads other memory (the pending-timer set hashes a timer node's payload) that is a stall of
// hundreds of milliseconds on one insert. Here, when the table is about to grow, a new table
// of twice the capacity takes over, and every later insert or erase first moves a few entries
// from the old table (as Redis's dict does), so the old one is empty long before the new one
// fills. Lookups try both tables while a move is under way.
//
// Moving an entry hashes it, and a hash that reads other memory (an id in an arena) misses the
// cache, as does the new table's slot: the entries of one step are moved together, in stages
// (the hasher's memory, then the new table's slots, then the inserts), so that their misses
// overlap instead of queueing one entry after another. A hasher with
// `void Prefetch(const T&, int stage) const` and `static constexpr int kPrefetchStages` is
// asked to fetch what hashing an entry reads, one stage (one dependent load) at a time.
//
// Hash and Eq must be transparent for the key types used. Entries are small values (T).
// Not thread-safe.
#ifndef KIZUNA_STORE_INCREMENTAL_HASH_SET_H_
#define KIZUNA_STORE_INCREMENTAL_HASH_SET_H_

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"

namespace kizuna::store {

template <typename T, typename Hash, typename Eq, typename Alloc>
class IncrementalHashSet {
 public:
  // Tables below `incremental_from` slots grow the ordinary way (a short rehash). Each insert
  // or erase moves `moves_per_operation` entries while a move is under way.
  IncrementalHashSet(Hash hash, Eq eq, size_t incremental_from = size_t{1} << 16,
                     size_t moves_per_operation = 8)
      : current_(0, hash, eq),
        old_(0, hash, eq),
        incremental_from_(incremental_from),
        moves_per_operation_(std::min(moves_per_operation, kMaxMovesPerOperation)) {}
  IncrementalHashSet(const IncrementalHashSet&) = delete;  // cursor_ points into old_
  IncrementalHashSet& operator=(const IncrementalHashSet&) = delete;

  template <typename K>
  void prefetch(const K& key) const {
    current_.prefetch(key);
    if (!old_.empty()) old_.prefetch(key);
  }
  template <typename K>
  bool contains(const K& key) const {
    return current_.contains(key) || (!old_.empty() && old_.contains(key));
  }
  template <typename K>
  std::optional<T> Find(const K& key) const {
    if (auto it = current_.find(key); it != current_.end()) return *it;
    if (old_.empty()) return std::nullopt;
    if (auto it = old_.find(key); it != old_.end()) return *it;
    return std::nullopt;
  }
  // Removes the entry of `key` and returns it.
  template <typename K>
  std::optional<T> Take(const K& key) {
    MoveSome();
    if (auto it = current_.find(key); it != current_.end()) {
      T value = *it;
      current_.erase(it);
      return value;
    }
    if (old_.empty()) return std::nullopt;
    auto it = old_.find(key);
    if (it == old_.end()) return std::nullopt;
    T value = *it;
    if (it == cursor_) ++cursor_;  // erasing invalidates only the erased entry's iterators
    old_.erase(it);
    return value;
  }
  // Adds `value`; false if an equal entry is present.
  bool insert(T value) {
    MoveSome();
    if (!old_.empty() && old_.contains(value)) return false;
    if (old_.empty() && current_.capacity() >= incremental_from_ &&
        current_.size() + 1 > current_.capacity() - current_.capacity() / 8) {
      // About to grow: the full table becomes the old one, drained by later operations.
      old_.swap(current_);
      current_.reserve(old_.capacity());  // twice old_'s room for entries
      cursor_ = old_.begin();
    }
    return current_.insert(value).second;
  }
  // Room for n entries without growing (a move under way is finished first).
  void reserve(size_t n) {
    while (!old_.empty()) MoveSome();
    current_.reserve(n);
  }
  // Removes the entries for which pred(value) holds; returns how many.
  template <typename Pred>
  size_t EraseIf(Pred pred) {
    size_t n = absl::erase_if(current_, pred) + absl::erase_if(old_, pred);
    cursor_ = old_.begin();
    return n;
  }
  template <typename F>
  void ForEach(F&& f) const {
    for (const T& v : current_) f(v);
    for (const T& v : old_) f(v);
  }
  size_t size() const { return current_.size() + old_.size(); }
  // Slots of both tables, for memory figures.
  size_t bucket_count() const { return current_.bucket_count() + old_.bucket_count(); }
  bool moving() const { return !old_.empty(); }
  void clear() {
    current_.clear();
    old_ = Set(0, current_.hash_function(), current_.key_eq());
    cursor_ = old_.begin();
  }

 private:
  using Set = absl::flat_hash_set<T, Hash, Eq, Alloc>;
  static constexpr size_t kMaxMovesPerOperation = 64;  // one step's batch lives on the stack
  // With 8 moves per operation the old table (at most 7/8 full) is empty after capacity / 8
  // operations, while the new one has room for 7/8 of its capacity more.
  void MoveSome() {
    T batch[kMaxMovesPerOperation];
    size_t n = 0;
    // Erasing needs no hash (it only marks the control byte), and nothing looks the entries up
    // until they are in the new table at the end of this call.
    for (; n < moves_per_operation_ && cursor_ != old_.end(); ++n) {
      auto it = cursor_++;
      batch[n] = *it;
      old_.erase(it);
    }
    if constexpr (requires { Hash::kPrefetchStages; }) {
      const Hash& hash = current_.hash_function();
      for (int stage = 0; stage < Hash::kPrefetchStages; ++stage) {
        for (size_t i = 0; i < n; ++i) hash.Prefetch(batch[i], stage);
      }
    }
    for (size_t i = 0; i < n; ++i) current_.prefetch(batch[i]);
    for (size_t i = 0; i < n; ++i) current_.insert(batch[i]);
    if (old_.empty() && old_.capacity() > 0) {
      old_ = Set(0, current_.hash_function(), current_.key_eq());  // frees the old table
      cursor_ = old_.begin();
    }
  }

  Set current_;
  Set old_;
  typename Set::iterator cursor_ = old_.begin();  // next entry of old_ to move
  size_t incremental_from_;
  size_t moves_per_operation_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_INCREMENTAL_HASH_SET_H_
