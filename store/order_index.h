// OrderIndex: customers (u32 indices) kept in leaderboard order, with O(log N) rank.
//
// Order: descending key, ties by ascending id (bytewise). Keys and ids are not copied into the
// index: it asks a KeySource, so an entry costs 4 bytes (plus slack) and a customer's score is
// stored once. Ties are broken first by a 64-bit tie label the KeySource provides (label(a) <
// label(b) must imply id(a) < id(b); equal labels fall back to comparing ids), so a comparison
// normally reads one place per customer (its score row, which holds the label too) instead of
// chasing its id. Contract: a customer's key must not change while it is in the index — erase
// it, change the score, insert it again (Store does exactly that). Labels may change if the
// label order stays consistent with ids (then call RefreshLabels).
//
// Layout: a sequence of sorted blocks of at most kMaxBlock entries (a two-level B+tree; a full
// block spills into a neighbour before it splits, so blocks stay ~90% full), the first entry of
// each block cached with its key and label for the top-level binary search (no cache misses
// there), and a Fenwick tree over block sizes for ranks. Inside a block the search is two
// batched rounds (every 16th entry, then 15 entries of one group) whose key reads are issued
// together, so a search costs about two memory latencies, not one per comparison.
// Insert/erase: O(log N) compares + one memmove of at most 1 KB; Rank: O(log N); iterating the
// first n: O(n).
#ifndef KIZUNA_STORE_ORDER_INDEX_H_
#define KIZUNA_STORE_ORDER_INDEX_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace kizuna::store {

class KeySource {
 public:
  virtual ~KeySource() = default;
  // keys[i], labels[i] = order key and tie label of cs[i], for i < n. One call per batch so the
  // n reads (usually cache misses) overlap.
  virtual void Fetch(const uint32_t* cs, size_t n, double* keys, uint64_t* labels) const = 0;
  // A hint that cs[0, n) will be fetched soon.
  virtual void Prefetch(const uint32_t* cs, size_t n) const {}
  // <0, 0, >0 as id(a) is bytewise less than, equal to, greater than id(b).
  virtual int CompareIds(uint32_t a, uint32_t b) const = 0;
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
  // Insert / erase c in each of indexes[0, n) (distinct indexes), interleaving their searches
  // so that the cache misses of all of them overlap. EraseAll skips indexes without c.
  static void InsertAll(OrderIndex* const* indexes, size_t n, uint32_t c);
  static void EraseAll(OrderIndex* const* indexes, size_t n, uint32_t c);
  // 0-based position of c; c must be present.
  size_t Rank(uint32_t c) const;
  size_t size() const { return size_; }

  // Replaces the content with `all` (any order), sorted once.
  void Build(std::vector<uint32_t> all);
  void Clear();
  // Re-reads the cached labels of block fronts after the KeySource relabelled customers.
  void RefreshLabels();

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
    Probe pa = Read(a), pb = Read(b);
    return Before(pa, pb);
  }

  size_t MemoryBytes() const;

 private:
  struct Block {
    std::vector<uint32_t> items;
  };
  struct Probe {
    double key;
    uint64_t label;
    uint32_t c;
  };
  static constexpr size_t kGroup = 16;
  static_assert((kMaxBlock + kGroup - 1) / kGroup <= kGroup);
  // A lower-bound search in stages (see LowerBound).
  struct Search {
    Probe probe;
    size_t block = 0;
    size_t groups = 0;
    size_t lo = 0, last = 0;
    uint32_t cs[kGroup];
  };
  // NaN (possible only after overflowing sums) orders as -inf, keeping the order total.
  static double Sanitize(double k) {
    return std::isnan(k) ? -std::numeric_limits<double>::infinity() : k;
  }
  Probe Read(uint32_t c) const {
    Probe p{0, 0, c};
    keys_->Fetch(&c, 1, &p.key, &p.label);
    p.key = Sanitize(p.key);
    return p;
  }
  // True when a is ordered before b.
  bool Before(const Probe& a, const Probe& b) const {
    if (a.key != b.key) return a.key > b.key;
    if (a.label != b.label) return a.label < b.label;
    return a.c != b.c && keys_->CompareIds(a.c, b.c) < 0;
  }
  bool BeforeFront(const Probe& p, size_t b) const { return Before(p, fronts_[b]); }
  // Index of the block where p belongs: the last block whose first entry is not after p.
  size_t FindBlock(const Probe& p) const;
  // Block and first position in it whose entry is not before s->probe (a non-empty index).
  size_t LowerBound(Search* s) const;
  void SearchBegin(Search* s) const;    // FindBlock, prefetch the block
  void SearchSamples(Search* s) const;  // pick round 1's entries, prefetch their keys
  void SearchRound1(Search* s) const;   // pick the group, prefetch its keys
  size_t SearchRound2(Search* s) const;
  void InsertAt(size_t bi, size_t pos, uint32_t c);
  void EraseAt(size_t bi, size_t pos);
  // Position of c in block b, or its size.
  static size_t Find(const Block& b, uint32_t c);
  void EraseFront(size_t b);
  void InsertFront(size_t b);
  void RefreshFront(size_t b);
  void RebuildFenwick();
  void FenwickAdd(size_t b, int delta);
  size_t FenwickPrefix(size_t b) const;  // sum of sizes of blocks [0, b)

  const KeySource* keys_;
  std::vector<Block> blocks_;
  // blocks_[i].items[0] with its key (stable while it is in the index) and label, together:
  // one cache line per step of FindBlock.
  std::vector<Probe> fronts_;
  std::vector<uint32_t> fenwick_;  // 1-based Fenwick tree over block sizes
  size_t size_ = 0;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_ORDER_INDEX_H_
