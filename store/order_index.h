// OrderIndex: customers (u32 indices) kept in leaderboard order, with O(log N) rank.
//
// Order: descending key, ties by ascending id (bytewise). Keys and ids are not copied into the
// index: it asks a KeySource, so an entry costs 4 bytes (plus slack) and a customer's score is
// stored once. Contract: a customer's key must not change while it is in the index — erase it,
// change the score, insert it again (Store does exactly that).
//
// Layout: a sequence of sorted blocks of at most kMaxBlock entries (a two-level B+tree; a full
// block spills into a neighbour before it splits, so blocks stay ~90% full), the
// first entry of each block cached with its key and id for the top-level binary search (no
// cache misses there), and a Fenwick
// tree over block sizes for ranks. Insert/erase: O(log N) compares + one memmove of at most
// 4 KB; Rank: O(log N); iterating the first n: O(n).
#ifndef KIZUNA_STORE_ORDER_INDEX_H_
#define KIZUNA_STORE_ORDER_INDEX_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::store {

class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual double Key(uint32_t c) const = 0;
  // <0, 0, >0 as id(a) is bytewise less than, equal to, greater than id(b).
  virtual int CompareIds(uint32_t a, uint32_t b) const = 0;
  virtual std::string_view Id(uint32_t c) const = 0;
};

class OrderIndex {
 public:
  static constexpr size_t kMaxBlock = 256;

  explicit OrderIndex(const KeySource* keys) : keys_(keys) {}
  OrderIndex(const OrderIndex&) = delete;
  OrderIndex& operator=(const OrderIndex&) = delete;

  void Insert(uint32_t c);
  // Returns false if c is not present (with its current key).
  bool Erase(uint32_t c);
  // 0-based position of c; c must be present.
  size_t Rank(uint32_t c) const;
  size_t size() const { return size_; }

  // Replaces the content with `all` (any order), sorted once.
  void Build(std::vector<uint32_t> all);
  void Clear();

  // Calls f(c) for the first n entries in order; f returns false to stop early.
  template <typename F>
  void ForEach(size_t n, F&& f) const {
    for (const Block& b : blocks_) {
      for (uint32_t c : b.items) {
        if (n-- == 0 || !f(c)) return;
      }
    }
  }

  // True when a is ordered before b.
  bool Less(uint32_t a, uint32_t b) const {
    return LessKeyed(Sanitize(keys_->Key(a)), a, Sanitize(keys_->Key(b)), b);
  }

  size_t MemoryBytes() const;

 private:
  struct Block {
    std::vector<uint32_t> items;
  };
  // NaN (possible only after overflowing sums) orders as -inf, keeping the order total.
  static double Sanitize(double k) {
    return std::isnan(k) ? -std::numeric_limits<double>::infinity() : k;
  }
  bool LessKeyed(double ka, uint32_t a, double kb, uint32_t b) const {
    if (ka != kb) return ka > kb;
    return keys_->CompareIds(a, b) < 0;
  }
  // c (key kc, id idc) against block b's first entry, from the cached copies: ties in long
  // runs of equal scores need the ids, and these stay in cache while customers' do not.
  bool LessThanFront(double kc, uint32_t c, std::string_view idc, size_t b) const {
    if (kc != front_key_[b]) return kc > front_key_[b];
    if (c == front_[b]) return false;
    return idc < std::string_view(front_id_[b]);
  }
  // Index of the block where c belongs: the last block whose first entry is not after c.
  size_t FindBlock(double kc, uint32_t c) const;
  void EraseFront(size_t b);
  void InsertFront(size_t b);
  // First position in block b whose entry is not before c.
  size_t LowerBound(const Block& b, double kc, uint32_t c) const;
  void RefreshFront(size_t b);
  void RebuildFenwick();
  void FenwickAdd(size_t b, int delta);
  size_t FenwickPrefix(size_t b) const;  // sum of sizes of blocks [0, b)

  const KeySource* keys_;
  std::vector<Block> blocks_;
  std::vector<uint32_t> front_;        // blocks_[i].items[0]
  std::vector<double> front_key_;      // its key (stable while it is in the index)
  std::vector<std::string> front_id_;  // its id
  std::vector<uint32_t> fenwick_;      // 1-based Fenwick tree over block sizes
  size_t size_ = 0;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_ORDER_INDEX_H_
