// OrderIndex: customers (u32 indices) kept in leaderboard order, with O(log N) rank.
//
// Order: descending key, ties by ascending id (bytewise). Keys and ids are not copied into the
// index: it asks a KeySource, so an entry costs 4 bytes (plus slack) and a customer's score is
// stored once. Ties are broken first by a 64-bit tie label the KeySource provides (label(a) <
// label(b) must imply id(a) < id(b); equal labels fall back to comparing ids), so a comparison
// normally reads one place per customer (its score row, which holds the label too) instead of
// chasing its id. Contract: a customer's key must not change while it is in the index — erase
// it, change the score, insert it again (Store does that, with PlanMoves/EraseMoves/InsertMoves).
// Labels may change if the label order stays consistent with ids (then call RefreshLabels).
//
// Layout: blocks of at most kMaxBlock entries, in chunks of at most kMaxChunk blocks: a
// three-level B+tree whose leaves are not sorted. A block holds the entries between its
// minimum (cached with key and label: its front) and the next block's, in any order. Finding
// a block needs only the fronts (each chunk's first in heads_, small enough to stay cached, then
// the chunk's front keys: 4 lines), so an update reads no other customer's key: it scans the old
// block for the entry (no key reads), swaps it out, and appends it to the new block. Keys are read
// only when a block splits (its median), when its minimum leaves (the new minimum), and by queries:
// Rank counts the entries before c in c's block, ForEach sorts each block it walks. Those read
// at most kMaxBlock keys, issued together so that the misses overlap. Blocks grow and shrink in
// granules of 16 entries (one cache line), so a half-full block wastes no memory. Searches of
// several indexes run interleaved (InsertAll, PlanMoves), so that their misses overlap too. A
// dense array of chunk sizes gives ranks: an insert or erase changes one of its counts, and a
// rank sums the counts of the chunks before its own, which are contiguous. Insert/erase: O(log N)
// front compares + a scan of at most 1 KiB; Rank: that + kMaxBlock key reads + the sum;
// iterating the first n: O(n) plus sorting the blocks they are in.
#ifndef KIZUNA_STORE_ORDER_INDEX_H_
#define KIZUNA_STORE_ORDER_INDEX_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "store/huge_pages.h"

namespace kizuna::store {

class KeySource {
 public:
  virtual ~KeySource() = default;
  // keys[i], labels[i] = order key and tie label of cs[i], for i < n. One call per batch so the
  // n reads (usually cache misses) overlap.
  virtual void Fetch(const uint32_t* cs, size_t n, double* keys, uint64_t* labels) const = 0;
  // <0, 0, >0 as id(a) is bytewise less than, equal to, greater than id(b).
  virtual int CompareIds(uint32_t a, uint32_t b) const = 0;
};

class OrderIndex {
 public:
  // Entries per block: 16 cache lines. Fewer, larger blocks mean fewer chunks and heads to
  // search, which outweighs the longer scan of the old block: an EVENT cost 2.5% less CPU
  // than with 128, 6% more with 64 (bench/RESULTS.md); TOP and RANK sort or read twice the
  // keys (microseconds).
  static constexpr size_t kMaxBlock = 256;
  static constexpr size_t kGranule = 16;   // entries a block grows or shrinks by: one line
  static constexpr size_t kMaxChunk = 16;  // blocks per chunk: their front keys are 4 lines

  explicit OrderIndex(const KeySource* keys) : keys_(keys) {}
  ~OrderIndex();  // gives the blocks back to the pool
  OrderIndex(const OrderIndex&) = delete;
  OrderIndex& operator=(const OrderIndex&) = delete;

  void Insert(uint32_t c);
  // Returns false if c is not present (with its current key).
  bool Erase(uint32_t c);
  // Inserts c in each of indexes[0, n) (distinct indexes), interleaving their searches so that
  // the cache misses of all of them overlap.
  static void InsertAll(OrderIndex* const* indexes, size_t n, uint32_t c);

  // Moving one customer whose key changes in several indexes: PlanMoves runs every search
  // (where c is, where it goes) while the KeySource still gives c's old keys, all interleaved;
  // then EraseMoves, the caller stores the new keys, InsertMoves. Each move's index holds c.
  struct Move {
    OrderIndex* index;
    double new_key;  // exactly the key the KeySource gives for c once the caller stored it
    // Set by PlanMoves / EraseMoves. No initializers: an EVENT declares room for every
    // category's move, and zeroing it all cost more than a percent of an EVENT.
    size_t from_chunk, from_block, from_pos, to_chunk, to_block;
    uint64_t label;  // c's tie label: with new_key, its probe after the move (no key read)
    bool found, replan;
    bool stays;  // c's new key belongs in its block: only its front may change
  };
  static void PlanMoves(Move* moves, size_t n, uint32_t c);
  static void EraseMoves(Move* moves, size_t n);
  static void InsertMoves(Move* moves, size_t n, uint32_t c);

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
    uint32_t sorted[kMaxBlock];
    for (const auto& chunk : chunks_) {
      for (size_t b = 0; b < chunk->n; ++b) {
        const size_t m = SortBlock(chunk->blocks[b], sorted);
        for (size_t i = 0; i < m; ++i) {
          if (n-- == 0 || !f(sorted[i])) return;
        }
      }
    }
  }

  size_t MemoryBytes() const;

 private:
  // A key as an unsigned integer in index order (descending key), with the tie label.
  struct Probe {
    uint64_t ord;
    uint64_t label;
    uint32_t c;
  };
  // A block's front (its minimum) as the block search reads it: order and label, 16 bytes, so
  // that a chunk's keys are 4 lines and the search reads nothing else (the customer only on a
  // full tie). A chunk's unused slots hold kPastEnd, after every real key, so that a search
  // reads all kMaxChunk keys in fixed steps and need not wait for the chunk's block count.
  struct FrontKey {
    uint64_t ord;
    uint64_t label;
  };
  static constexpr FrontKey kPastEnd{~uint64_t{0}, ~uint64_t{0}};  // Ord never gives ~0
  // The rest of a block: its entries in any order (cap slots, a multiple of kGranule, from a
  // pool of huge pages shared by every index, line_pool.h), how many are used, and the customer
  // its front key belongs to.
  struct Block {
    uint32_t* items;
    uint32_t front;
    uint16_t size;
    uint16_t cap;
  };
  // A run of consecutive blocks. Splitting or removing a block shifts only its chunk's slots;
  // chunks come and go kMaxChunk times less often. The keys come first, in lines of their own,
  // and four blocks fill a line, so that a search can fetch the block's line once two steps
  // have narrowed it to four.
  struct alignas(64) Chunk {
    FrontKey keys[kMaxChunk];
    Block blocks[kMaxChunk];
    uint32_t n = 0;  // blocks used (their entries: chunk_sizes_)
    Chunk() { std::fill(keys, keys + kMaxChunk, kPastEnd); }
    Probe FrontOf(size_t b) const { return {keys[b].ord, keys[b].label, blocks[b].front}; }
    void SetFront(size_t b, const Probe& p) {
      keys[b] = {p.ord, p.label};
      blocks[b].front = p.c;
    }
  };
  static constexpr size_t kMaxSearches = 16;  // run together by RunSearches
  // One search, run in stages (RunSearches): the chunk, then the block, then (locating) the
  // entry in it.
  struct Search {
    const OrderIndex* index;
    Probe probe;
    bool locate;          // find the entry probe.c itself, not the block where probe belongs
    size_t chunk, block;  // set by RunSearches (no initializers: arrays of them are cheap)
    size_t pos;           // locating: c's position in the block (its size if absent)
  };
  // Order of a key: descending key, -0 == +0, NaN (possible only after overflowing sums) as
  // -inf, so that the order stays total.
  static uint64_t Ord(double k);
  Probe Read(uint32_t c) const {
    double key;
    uint64_t label;  // not fetched into a Probe: copying it whole then stalls on that store
    keys_->Fetch(&c, 1, &key, &label);
    return Probe{Ord(key), label, c};
  }
  // (order, label) as one number: compared in two instructions (cmp, sbb).
  __extension__ using Wide = unsigned __int128;
  static Wide WideKey(uint64_t ord, uint64_t label) { return Wide{ord} << 64 | label; }
  static Wide WideKey(const Probe& p) { return WideKey(p.ord, p.label); }
  static Wide WideKey(const FrontKey& k) { return WideKey(k.ord, k.label); }
  // True when a is ordered before the entry of order `ord`, label `label` and customer
  // b_c() (called only on a (key, label) tie). Branch-free unless they tie.
  template <typename C>
  bool Before(const Probe& a, uint64_t ord, uint64_t label, C b_c) const {
    const Wide x = WideKey(a), y = WideKey(ord, label);
    if (__builtin_expect(x == y, 0)) {
      const uint32_t c = b_c();
      return a.c != c && keys_->CompareIds(a.c, c) < 0;
    }
    return x < y;
  }
  bool Before(const Probe& a, const Probe& b) const {
    return Before(a, b.ord, b.label, [&] { return b.c; });
  }
  // True when a is ordered before block b's front in chunk: reads the block only on a tie.
  bool BeforeFront(const Probe& a, const Chunk& chunk, size_t b) const {
    return Before(a, chunk.keys[b].ord, chunk.keys[b].label, [&] { return chunk.blocks[b].front; });
  }
  // A search over sorted keys that compared (order, label) only ended at pos: the last key
  // not above the probe's, so the last of any run of keys equal to it. Returns where a full
  // compare would have ended: the last of that run whose customer the probe is not before
  // (before(i): by id), else the key ahead of the run (or 0). Rare: labels almost always
  // differ, so a run is one key; a long one (ids alike for more than 8 bytes past the prefix
  // they all share) is searched in halves, not walked.
  template <typename B>
  static size_t SettleTie(size_t pos, Wide probe, const FrontKey* keys, B before) {
    if (__builtin_expect(pos == 0 || WideKey(keys[pos]) != probe, 1) || !before(pos)) return pos;
    // The run starts at lo: keys[lo, pos] equal the probe's, and the probe is before keys[pos].
    size_t lo = static_cast<size_t>(
        std::partition_point(keys, keys + pos,
                             [&](const FrontKey& k) { return WideKey(k) < probe; }) -
        keys);
    // before(i) is false, then true, along the run (ids ascend): find the last false.
    size_t first_before = lo, end = pos;  // the first true is in [first_before, end]
    while (first_before < end) {
      const size_t mid = first_before + (end - first_before) / 2;
      if (before(mid)) {
        end = mid;
      } else {
        first_before = mid + 1;
      }
    }
    return first_before > 0 ? first_before - 1 : 0;
  }
  // Runs searches s[0, n) (each in a non-empty index) stage by stage, interleaved: the chunk
  // and the block (binary searches over fronts in lockstep), then the scans of those locating.
  static void RunSearches(Search* s, size_t n);
  // For each i: s[i].chunk = the last chunk whose head is not after s[i].probe (0 if none).
  static void SearchHeads(Search* s, size_t n);
  // True when a is ordered before chunk h's head.
  bool BeforeHead(const Probe& a, size_t h) const {
    return Before(a, heads_[h].ord, heads_[h].label, [&] { return chunks_[h]->blocks[0].front; });
  }
  // Keep heads_ padded as chunks_ gains chunk ci (already in chunks_) or loses it (gone).
  void InsertHead(size_t ci, const FrontKey& k);
  void EraseHead(size_t ci);
  // The probes of f's entries, fetched together; returns how many.
  size_t FetchProbes(const Block& f, Probe* out) const;
  // f's entries in index order into out; returns how many.
  size_t SortBlock(const Block& f, uint32_t* out) const;
  // Chunk and block where s->probe belongs (a non-empty index).
  void LowerBound(Search* s) const;
  // Sets block bi's front to its minimum, read again (and the chunk's head when bi is 0).
  void RefreshFront(size_t ci, size_t bi);
  // Block bi holds p.c, whose probe (its key in the KeySource) is p: makes it the block's
  // front if it is the minimum now.
  void OfferFront(size_t ci, size_t bi, const Probe& p);
  Block& BlockAt(size_t ci, size_t bi) { return chunks_[ci]->blocks[bi]; }
  const Block& BlockAt(size_t ci, size_t bi) const { return chunks_[ci]->blocks[bi]; }
  // Sets block bi's front (and the chunk's head when bi is 0).
  void SetFront(size_t ci, size_t bi, const Probe& p) {
    chunks_[ci]->SetFront(bi, p);
    if (bi == 0) heads_[ci] = {p.ord, p.label};
  }
  // Adds p.c (p: its probe, as Read gives it) to block bi of chunk ci, where it belongs.
  void InsertAt(size_t ci, size_t bi, const Probe& p);
  // Returns true when blocks were removed or merged (positions found before are stale).
  bool EraseAt(size_t ci, size_t bi, size_t pos);
  // Position of c in block f, or its size.
  static size_t Find(const Block& f, uint32_t c);
  // Splits full block bi of chunk ci in two: around an entry whose rank is in the middle half,
  // or at a fixed rank (SplitAt).
  void Split(size_t ci, size_t bi);
  // How many of probes[0, n) are before probes[pivot]; before[i] says which.
  size_t RankOf(const Probe* probes, size_t n, size_t pivot, bool* before) const;
  // Splits block bi of chunk ci, whose entries' probes are probes[0, n), so that the first
  // `half` in index order stay.
  void SplitAt(size_t ci, size_t bi, Probe* probes, size_t n, size_t half);
  // Gives f a new array of cap slots (>= f.size), its entries copied.
  static void Resize(Block& f, size_t cap);
  // Moves count block slots (keys and blocks) from `from` at first to `to` at at; may overlap.
  static void MoveSlots(Chunk& to, size_t at, const Chunk& from, size_t first, size_t count);
  // A new empty block of cap slots after block bi of chunk ci (the chunk splits when full);
  // returns where it went (chunk, block).
  std::pair<size_t, size_t> AddBlockAfter(size_t ci, size_t bi, size_t cap);
  // Removes block bi of chunk ci (empty, or its entries moved away), and the chunk if empty
  // (else it may join a neighbour: chunk and block positions change).
  void RemoveBlock(size_t ci, size_t bi);
  void JoinSparseChunk(size_t ci);
  size_t EntriesBefore(size_t ci) const;  // entries in chunks [0, ci)

  const KeySource* keys_;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  // The block search: a binary search over heads_ (each chunk's first key: small, stays
  // cached), then over the chunk's fronts, fetched together. Padded with kPastEnd to a power
  // of two, so that the search takes fixed steps, branch-free (its turns are coin flips).
  std::vector<FrontKey> heads_;
  // Entries in each chunk, parallel to chunks_ and dense: a rank sums a run of it. (A Fenwick
  // tree made each insert and erase walk ~log2(chunks) counts instead of changing one.)
  std::vector<uint32_t> chunk_sizes_;
  size_t size_ = 0;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_ORDER_INDEX_H_
