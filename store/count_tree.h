// CountTree<Key>: a multiset of ordered keys stored as (key, count) pairs, answering "how many
// are less than x" in O(log n). RFM ranks each buyer's recency, frequency and monetary among
// all buyers with it in O(log n) instead of scanning every customer.
//
// Layout: sorted blocks of at most kMaxBlock distinct keys (keys and counts in separate arrays
// so the in-block search reads keys only), the first key of each block in `fronts_` for the
// block search, and a Fenwick tree over block totals for the prefix sums. Memory follows the
// number of distinct keys, not the number of customers: 1,000,000 buyers who all spent 10
// cost one entry. Adding or removing a key (EVENT's path) moves at most one block's entries
// (~1.5 KB) and updates the Fenwick tree in O(log blocks); a split or an emptied block shifts
// the block pointers and fronts (8 bytes per block) and leaves the Fenwick tree to be rebuilt
// by the next query (O(blocks)), so bursts of new keys cost no rebuilds.
#ifndef KIZUNA_STORE_COUNT_TREE_H_
#define KIZUNA_STORE_COUNT_TREE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace kizuna::store {

template <typename Key>
class CountTree {
 public:
  static constexpr size_t kMaxBlock = 128;

  // count(key) += 1.
  void Add(Key key) { Change(key, +1); }
  // count(key) -= 1; the key must be present.
  void Remove(Key key) { Change(key, -1); }

  // Number of keys (with multiplicity) strictly less than x.
  uint64_t CountLess(Key x) const {
    if (fenwick_dirty_) RebuildFenwick();
    size_t b =
        static_cast<size_t>(std::lower_bound(fronts_.begin(), fronts_.end(), x) - fronts_.begin());
    if (b == 0) return 0;
    --b;  // the last block whose first key is < x
    const Block& block = *blocks_[b];
    uint64_t n = Prefix(b);
    size_t end = static_cast<size_t>(std::lower_bound(block.keys.begin(), block.keys.end(), x) -
                                     block.keys.begin());
    for (size_t i = 0; i < end; ++i) n += block.counts[i];
    return n;
  }
  // Number of keys (with multiplicity).
  uint64_t size() const { return size_; }
  // Calls f(key, count) in ascending key order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const auto& b : blocks_) {
      for (size_t i = 0; i < b->keys.size(); ++i) f(b->keys[i], b->counts[i]);
    }
  }
  void Clear() {
    blocks_.clear();
    fronts_.clear();
    fenwick_.clear();
    fenwick_dirty_ = false;
    size_ = 0;
  }
  size_t MemoryBytes() const {
    size_t n = fronts_.capacity() * sizeof(Key) + fenwick_.capacity() * sizeof(uint64_t) +
               blocks_.capacity() * sizeof(blocks_[0]);
    for (const auto& b : blocks_) {
      n += sizeof(Block) + b->keys.capacity() * sizeof(Key) +
           b->counts.capacity() * sizeof(uint32_t);
    }
    return n;
  }

 private:
  struct Block {
    std::vector<Key> keys;
    std::vector<uint32_t> counts;  // a count never exceeds the number of customers (u32)
  };

  void Change(Key key, int delta) {
    if (blocks_.empty()) {
      blocks_.push_back(std::make_unique<Block>());
      fronts_.push_back(key);
      fenwick_dirty_ = true;
    }
    // The last block whose first key is <= key, or the first block.
    size_t b = static_cast<size_t>(std::upper_bound(fronts_.begin(), fronts_.end(), key) -
                                   fronts_.begin());
    b = b == 0 ? 0 : b - 1;
    Block& block = *blocks_[b];
    auto it = std::lower_bound(block.keys.begin(), block.keys.end(), key);
    size_t i = static_cast<size_t>(it - block.keys.begin());
    size_ += static_cast<uint64_t>(static_cast<int64_t>(delta));
    if (!fenwick_dirty_) {
      for (size_t f = b + 1; f < fenwick_.size(); f += f & (~f + 1)) {
        fenwick_[f] += static_cast<uint64_t>(static_cast<int64_t>(delta));
      }
    }
    if (it != block.keys.end() && !(key < *it) && !(*it < key)) {
      block.counts[i] += static_cast<uint32_t>(delta);
      if (block.counts[i] != 0) return;
      block.keys.erase(it);
      block.counts.erase(block.counts.begin() + static_cast<long>(i));
      if (block.keys.empty() && blocks_.size() > 1) {
        blocks_.erase(blocks_.begin() + static_cast<long>(b));
        fronts_.erase(fronts_.begin() + static_cast<long>(b));
        fenwick_dirty_ = true;
      } else if (i == 0 && !block.keys.empty()) {
        fronts_[b] = block.keys[0];
      }
      return;
    }
    block.keys.insert(it, key);
    block.counts.insert(block.counts.begin() + static_cast<long>(i), 1);
    if (i == 0) fronts_[b] = key;
    if (block.keys.size() > kMaxBlock) {
      auto upper = std::make_unique<Block>();
      size_t half = block.keys.size() / 2;
      upper->keys.assign(block.keys.begin() + static_cast<long>(half), block.keys.end());
      upper->counts.assign(block.counts.begin() + static_cast<long>(half), block.counts.end());
      block.keys.resize(half);
      block.counts.resize(half);
      fronts_.insert(fronts_.begin() + static_cast<long>(b + 1), upper->keys[0]);
      blocks_.insert(blocks_.begin() + static_cast<long>(b + 1), std::move(upper));
      fenwick_dirty_ = true;
    }
  }

  // Sum of the counts of blocks [0, b).
  uint64_t Prefix(size_t b) const {
    uint64_t n = 0;
    for (size_t f = b; f > 0; f -= f & (~f + 1)) n += fenwick_[f];
    return n;
  }

  void RebuildFenwick() const {
    fenwick_.assign(blocks_.size() + 1, 0);
    for (size_t b = 1; b <= blocks_.size(); ++b) {
      for (uint32_t c : blocks_[b - 1]->counts) fenwick_[b] += c;
      size_t parent = b + (b & (~b + 1));
      if (parent < fenwick_.size()) fenwick_[parent] += fenwick_[b];
    }
    fenwick_dirty_ = false;
  }

  std::vector<std::unique_ptr<Block>> blocks_;
  std::vector<Key> fronts_;
  // 1-based over block totals; rebuilt by the next query after blocks were split or removed.
  mutable std::vector<uint64_t> fenwick_;
  mutable bool fenwick_dirty_ = false;
  uint64_t size_ = 0;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_COUNT_TREE_H_
