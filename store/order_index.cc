#include "store/order_index.h"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "store/line_pool.h"

namespace kizuna::store {
namespace {

constexpr size_t kLineEntries = LinePool::kLineBytes / sizeof(uint32_t);
static_assert(OrderIndex::kGranule == kLineEntries &&
              OrderIndex::kMaxBlock <= LinePool::kMaxLines * kLineEntries);

uint32_t* NewItems(size_t cap) {
  return static_cast<uint32_t*>(LinePool::Take(cap / kLineEntries));
}
void GiveItems(uint32_t* items, size_t cap) { LinePool::Give(items, cap / kLineEntries); }
// Slots for n entries (whole granules).
size_t RoomFor(size_t n) {
  return (n + OrderIndex::kGranule - 1) / OrderIndex::kGranule * OrderIndex::kGranule;
}

}  // namespace

void OrderIndex::RefreshFront(size_t ci, size_t bi) {
  Probe probes[kMaxBlock];
  const size_t n = FetchProbes(BlockAt(ci, bi), probes);
  const Probe* min = probes;
  for (size_t i = 1; i < n; ++i) {
    if (Before(probes[i], *min)) min = &probes[i];
  }
  SetFront(ci, bi, *min);
}

void OrderIndex::MoveSlots(Chunk& to, size_t at, const Chunk& from, size_t first, size_t count) {
  std::memmove(&to.keys[at], &from.keys[first], count * sizeof(FrontKey));
  std::memmove(&to.blocks[at], &from.blocks[first], count * sizeof(Block));
}

void OrderIndex::Resize(Block& f, size_t cap) {
  uint32_t* items = NewItems(cap);
  std::memcpy(items, f.items, f.size * sizeof(uint32_t));
  GiveItems(f.items, f.cap);
  f.items = items;
  f.cap = static_cast<uint16_t>(cap);
}

std::pair<size_t, size_t> OrderIndex::AddBlockAfter(size_t ci, size_t bi, size_t cap) {
  Chunk* chunk = chunks_[ci].get();
  if (chunk->n == kMaxChunk) {
    // Split the chunk in halves; the new block goes into the half that holds block bi.
    auto fresh = std::make_unique<Chunk>();
    const size_t half = kMaxChunk / 2;
    uint32_t moved = 0;
    for (size_t b = half; b < kMaxChunk; ++b) moved += chunk->blocks[b].size;
    MoveSlots(*fresh, 0, *chunk, half, kMaxChunk - half);
    std::fill(chunk->keys + half, chunk->keys + kMaxChunk, kPastEnd);
    fresh->n = kMaxChunk - half;
    chunk->n = half;
    chunk_sizes_[ci] -= moved;
    chunk_sizes_.insert(chunk_sizes_.begin() + static_cast<ptrdiff_t>(ci) + 1, moved);
    const FrontKey head = fresh->keys[0];
    chunks_.insert(chunks_.begin() + static_cast<ptrdiff_t>(ci) + 1, std::move(fresh));
    InsertHead(ci + 1, head);
    if (bi >= half) {  // block bi moved to the new chunk; the new block follows it there
      ++ci;
      bi -= half;
      chunk = chunks_[ci].get();
    }
  }
  MoveSlots(*chunk, bi + 2, *chunk, bi + 1, chunk->n - bi - 1);
  // Its front key is set by the caller (Split), before any search.
  chunk->blocks[bi + 1] = Block{NewItems(cap), 0, 0, static_cast<uint16_t>(cap)};
  ++chunk->n;
  return {ci, bi + 1};
}

void OrderIndex::RemoveBlock(size_t ci, size_t bi) {
  Chunk* chunk = chunks_[ci].get();
  // Callers empty the block first, so chunk_sizes_ holds.
  GiveItems(chunk->blocks[bi].items, chunk->blocks[bi].cap);
  MoveSlots(*chunk, bi, *chunk, bi + 1, chunk->n - bi - 1);
  --chunk->n;
  chunk->keys[chunk->n] = kPastEnd;
  if (chunk->n == 0) {
    chunks_.erase(chunks_.begin() + static_cast<ptrdiff_t>(ci));
    EraseHead(ci);
    chunk_sizes_.erase(chunk_sizes_.begin() + static_cast<ptrdiff_t>(ci));
    return;
  }
  if (bi == 0) heads_[ci] = chunk->keys[0];
  JoinSparseChunk(ci);
}

void OrderIndex::InsertHead(size_t ci, const FrontKey& k) {
  const size_t n = chunks_.size();
  if (heads_.size() < n) heads_.resize(std::bit_ceil(n), kPastEnd);
  std::copy_backward(heads_.begin() + static_cast<ptrdiff_t>(ci),
                     heads_.begin() + static_cast<ptrdiff_t>(n - 1),
                     heads_.begin() + static_cast<ptrdiff_t>(n));
  heads_[ci] = k;
}

void OrderIndex::EraseHead(size_t ci) {
  const size_t n = chunks_.size();
  std::copy(heads_.begin() + static_cast<ptrdiff_t>(ci) + 1,
            heads_.begin() + static_cast<ptrdiff_t>(n) + 1,
            heads_.begin() + static_cast<ptrdiff_t>(ci));
  heads_[n] = kPastEnd;
  // Shrink with the chunks, so that the search takes no more steps than it needs.
  if (n == 0) {
    heads_.clear();
  } else if (n <= heads_.size() / 4) {
    heads_.resize(std::bit_ceil(n));
  }
}

void OrderIndex::JoinSparseChunk(size_t ci) {
  // Down to a quarter of its blocks, a chunk joins a neighbour if the two fit in three
  // quarters of one (so that a split does not follow soon): after mass deletions the chunks
  // shrink with the entries, and their small blocks, now neighbours, merge as they are erased.
  constexpr size_t kSparse = kMaxChunk / 4, kJoined = kMaxChunk * 3 / 4;
  if (chunks_[ci]->n > kSparse) return;
  size_t into;
  if (ci + 1 < chunks_.size() && chunks_[ci]->n + chunks_[ci + 1]->n <= kJoined) {
    into = ci;
  } else if (ci > 0 && chunks_[ci - 1]->n + chunks_[ci]->n <= kJoined) {
    into = ci - 1;
  } else {
    return;
  }
  Chunk& front = *chunks_[into];
  const Chunk& back = *chunks_[into + 1];
  MoveSlots(front, front.n, back, 0, back.n);
  front.n += back.n;
  chunk_sizes_[into] += chunk_sizes_[into + 1];
  chunks_.erase(chunks_.begin() + static_cast<ptrdiff_t>(into) + 1);
  EraseHead(into + 1);
  chunk_sizes_.erase(chunk_sizes_.begin() + static_cast<ptrdiff_t>(into) + 1);
}

void OrderIndex::Insert(uint32_t c) {
  if (chunks_.empty()) {
    chunks_.push_back(std::make_unique<Chunk>());
    InsertHead(0, kPastEnd);  // InsertAt sets it with the block's front
    Chunk& chunk = *chunks_[0];
    chunk.blocks[0] = Block{NewItems(kGranule), 0, 0, kGranule};  // InsertAt sets its front
    chunk.n = 1;
    chunk_sizes_.assign(1, 0);
    InsertAt(0, 0, Read(c));
    return;
  }
  Search s;
  s.index = this;
  s.probe = Read(c);
  LowerBound(&s);
  InsertAt(s.chunk, s.block, s.probe);
}

void OrderIndex::InsertAt(size_t ci, size_t bi, const Probe& p) {
  Chunk& chunk = *chunks_[ci];
  Block& b = chunk.blocks[bi];
  if (b.size == b.cap) Resize(b, b.cap + kGranule);
  b.items[b.size++] = p.c;
  ++size_;
  ++chunk_sizes_[ci];
  OfferFront(ci, bi, p);
  if (b.size == kMaxBlock) Split(ci, bi);
}

void OrderIndex::OfferFront(size_t ci, size_t bi, const Probe& p) {
  // A new minimum only in a block of one, in the index's first block (the only one whose front
  // is not a lower bound of what the search sends it), or where c's own old key was the
  // minimum.
  if (BlockAt(ci, bi).size == 1 || BeforeFront(p, *chunks_[ci], bi)) SetFront(ci, bi, p);
}

void OrderIndex::Split(size_t ci, size_t bi) {
  Probe probes[kMaxBlock];
  const size_t n = FetchProbes(BlockAt(ci, bi), probes);
  // The entry that filled the block (the last one) among its first or last eighth: inserts
  // are likely sequential there (new ids in increasing order, all at one score), and the block
  // keeps seven eighths so that the blocks left behind stay full.
  bool before[kMaxBlock];  // before[i]: probes[i] is ordered before the pivot
  const size_t eighth = n / 8;
  size_t pivot = n - 1;
  size_t rank = RankOf(probes, n, pivot, before);
  if (rank < eighth || rank >= n - eighth) {
    return SplitAt(ci, bi, probes, n, rank < eighth ? eighth : n - eighth);
  }
  // Otherwise an entry whose rank is in the middle half splits the block in one pass over the
  // compares that ranked it, where a median (nth_element) took several. A random insert is
  // such a pivot half the time; two more entries are tried before the median.
  for (size_t next : {size_t{0}, n / 2}) {
    if (rank >= n / 4 && rank < n - n / 4) break;
    pivot = next;
    rank = RankOf(probes, n, pivot, before);
  }
  if (rank < n / 4 || rank >= n - n / 4) return SplitAt(ci, bi, probes, n, n / 2);
  // The new block lands right after this one, in the same chunk (AddBlockAfter keeps them
  // together when the chunk splits), so the chunk's entry count does not change.
  auto [nci, nbi] = AddBlockAfter(ci, bi, RoomFor(n - rank));
  Block& left = BlockAt(nci, nbi - 1);
  Block& right = BlockAt(nci, nbi);
  size_t l = 0, r = 0;
  for (size_t i = 0; i < n; ++i) {
    if (before[i]) {
      left.items[l++] = probes[i].c;
    } else {
      right.items[r++] = probes[i].c;
    }
  }
  right.size = static_cast<uint16_t>(r);
  SetFront(nci, nbi, probes[pivot]);  // the right part's minimum: nothing there is before it
  left.size = static_cast<uint16_t>(l);
  Resize(left, RoomFor(l));
}

size_t OrderIndex::RankOf(const Probe* probes, size_t n, size_t pivot, bool* before) const {
  size_t rank = 0;
  for (size_t i = 0; i < n; ++i) {
    before[i] = Before(probes[i], probes[pivot]);  // false for the pivot itself
    rank += before[i];
  }
  return rank;
}

void OrderIndex::SplitAt(size_t ci, size_t bi, Probe* probes, size_t n, size_t half) {
  std::nth_element(probes, probes + half, probes + n,
                   [this](const Probe& a, const Probe& b) { return Before(a, b); });
  auto [nci, nbi] = AddBlockAfter(ci, bi, RoomFor(n - half));
  Block& left = BlockAt(nci, nbi - 1);
  Block& right = BlockAt(nci, nbi);
  for (size_t i = half; i < n; ++i) right.items[i - half] = probes[i].c;
  right.size = static_cast<uint16_t>(n - half);
  SetFront(nci, nbi, probes[half]);  // the right part's minimum, by nth_element
  for (size_t i = 0; i < half; ++i) left.items[i] = probes[i].c;
  left.size = static_cast<uint16_t>(half);
  Resize(left, RoomFor(half));
}

size_t OrderIndex::Find(const Block& f, uint32_t c) {
  // A scan of at most 1 KiB with no key reads (they would be cache misses), a granule (one
  // line) per step. It may compare slots past the size: they are within the block's capacity
  // (whole granules), and a stale copy of c there comes after any live one.
  const uint32_t* items = f.items;
  const size_t n = f.size;
#if defined(__SSE2__)
  const __m128i want = _mm_set1_epi32(static_cast<int>(c));
  auto hits = [&](size_t i) {  // bit j set when items[i + j] == c, j < 4
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(items + i));
    return static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(v, want))));
  };
  static_assert(kGranule == 16);
  for (size_t i = 0; i < n; i += kGranule) {
    const unsigned m = hits(i) | hits(i + 4) << 4 | hits(i + 8) << 8 | hits(i + 12) << 12;
    if (m != 0) return std::min(n, i + static_cast<size_t>(std::countr_zero(m)));
  }
  return n;
#else
  size_t i = 0;
  while (i < n && items[i] != c) ++i;
  return i;
#endif
}

bool OrderIndex::Erase(uint32_t c) {
  if (chunks_.empty()) return false;
  Search s;
  s.index = this;
  s.probe = Read(c);
  s.locate = true;
  RunSearches(&s, 1);
  if (s.pos >= BlockAt(s.chunk, s.block).size) return false;
  EraseAt(s.chunk, s.block, s.pos);
  return true;
}

bool OrderIndex::EraseAt(size_t ci, size_t bi, size_t pos) {
  Chunk& chunk = *chunks_[ci];
  Block& b = chunk.blocks[bi];
  const uint32_t c = b.items[pos];
  b.items[pos] = b.items[--b.size];
  --size_;
  --chunk_sizes_[ci];
  if (b.size == 0) {
    RemoveBlock(ci, bi);
    return true;
  }
  // Merge a small block into its successor (in its chunk) so blocks stay at least a quarter
  // full: the successor's entries all follow this block's minimum.
  if (b.size < kMaxBlock / 4 && bi + 1 < chunk.n &&
      b.size + chunk.blocks[bi + 1].size <= kMaxBlock / 2) {
    Block& next = chunk.blocks[bi + 1];
    if (b.cap < b.size + next.size) Resize(b, RoomFor(b.size + next.size));
    std::memcpy(b.items + b.size, next.items, next.size * sizeof(uint32_t));
    b.size = static_cast<uint16_t>(b.size + next.size);
    next.size = 0;
    if (c == b.front) RefreshFront(ci, bi);
    RemoveBlock(ci, bi + 1);
    return true;
  }
  if (c == b.front) RefreshFront(ci, bi);
  if (b.cap >= b.size + 2 * kGranule) Resize(b, RoomFor(b.size + 1));
  return false;
}

void OrderIndex::Build(std::vector<uint32_t> all) {
  Clear();
  // Sort with keys and labels fetched once; ids only break label ties.
  std::vector<Probe, HugePageAllocator<Probe>> keyed;  // mapped: given back whole when freed
  keyed.reserve(all.size());
  for (uint32_t c : all) keyed.push_back(Read(c));
  std::vector<uint32_t>().swap(all);
  std::sort(keyed.begin(), keyed.end(),
            [this](const Probe& a, const Probe& b) { return Before(a, b); });
  constexpr size_t kFill = kMaxBlock * 7 / 8;
  constexpr size_t kChunkFill = kMaxChunk * 7 / 8;
  for (size_t i = 0; i < keyed.size(); i += kFill) {
    if (chunks_.empty() || chunks_.back()->n == kChunkFill) {
      chunks_.push_back(std::make_unique<Chunk>());
      heads_.push_back({keyed[i].ord, keyed[i].label});
      chunk_sizes_.push_back(0);
    }
    Chunk& chunk = *chunks_.back();
    const size_t bi = chunk.n++;
    size_t end = std::min(keyed.size(), i + kFill);
    const size_t cap = RoomFor(end - i);  // no spare room: a block grows on its first insert
    Block& b = chunk.blocks[bi];
    b = Block{NewItems(cap), 0, 0, static_cast<uint16_t>(cap)};
    chunk.SetFront(bi, keyed[i]);
    for (size_t j = i; j < end; ++j) b.items[b.size++] = keyed[j].c;
    chunk_sizes_.back() += b.size;
  }
  if (!heads_.empty()) heads_.resize(std::bit_ceil(heads_.size()), kPastEnd);
  size_ = keyed.size();
}

void OrderIndex::Clear() {
  for (auto& chunk : chunks_) {
    for (size_t b = 0; b < chunk->n; ++b) GiveItems(chunk->blocks[b].items, chunk->blocks[b].cap);
  }
  chunks_.clear();
  heads_.clear();
  chunk_sizes_.clear();
  size_ = 0;
}

OrderIndex::~OrderIndex() { Clear(); }

void OrderIndex::RefreshLabels() {
  for (size_t ci = 0; ci < chunks_.size(); ++ci) {
    // Label order is consistent with id order, so each front is still its block's minimum.
    for (size_t bi = 0; bi < chunks_[ci]->n; ++bi) SetFront(ci, bi, Read(BlockAt(ci, bi).front));
  }
}

size_t OrderIndex::EntriesBefore(size_t ci) const {
  size_t sum = 0;
  for (size_t i = 0; i < ci; ++i) sum += chunk_sizes_[i];
  return sum;
}

size_t OrderIndex::MemoryBytes() const {
  size_t slots = 0;
  for (const auto& chunk : chunks_) {
    for (size_t b = 0; b < chunk->n; ++b) slots += chunk->blocks[b].cap;
  }
  return chunks_.capacity() * sizeof(void*) + chunks_.size() * sizeof(Chunk) +
         heads_.capacity() * sizeof(FrontKey) + chunk_sizes_.capacity() * sizeof(uint32_t) +
         slots * sizeof(uint32_t);
}

}  // namespace kizuna::store
