// OrderIndex searches: several run interleaved, stage by stage, so that their cache misses
// overlap (an EVENT moves one customer in 2–4 indexes: 4–8 searches).
#include <algorithm>
#include <bit>
#include <limits>

#include "store/order_index.h"

namespace kizuna::store {

uint64_t OrderIndex::Ord(double k) {
  if (std::isnan(k)) k = -std::numeric_limits<double>::infinity();
  k += 0.0;  // -0 -> +0
  uint64_t bits = std::bit_cast<uint64_t>(k);
  uint64_t ascending = (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
  return ~ascending;
}

template <typename T>
void OrderIndex::LockstepSearch(const Search* s, size_t n, const T** base, size_t* len) {
  size_t active = 0;
  for (size_t i = 0; i < n; ++i) active += len[i] > 1;
  while (active > 0) {
    active = 0;
    for (size_t i = 0; i < n; ++i) {
      if (len[i] <= 1) continue;
      size_t half = len[i] / 2;
      base[i] += s[i].index->Before(s[i].probe, ProbeOf(base[i][half])) ? 0 : half;
      len[i] -= half;
      active += len[i] > 1;
    }
  }
}

void OrderIndex::RunSearches(Search* s, size_t n) {
  // The block: the last one whose front is not after the probe (the first if none). Branch-free
  // binary searches advanced in lockstep, over heads_, then over the chosen chunk's fronts.
  const Probe* head[kMaxSearches];
  size_t len[kMaxSearches];
  for (size_t i = 0; i < n; ++i) {
    head[i] = s[i].index->heads_.data();
    len[i] = s[i].index->heads_.size();
  }
  LockstepSearch(s, n, head, len);
  const Front* front[kMaxSearches];
  for (size_t i = 0; i < n; ++i) {
    const OrderIndex& ix = *s[i].index;
    s[i].chunk = static_cast<size_t>(head[i] - ix.heads_.data());
    const Chunk& chunk = *ix.chunks_[s[i].chunk];
    front[i] = chunk.blocks;
    len[i] = chunk.n;
    const char* fronts = reinterpret_cast<const char*>(chunk.blocks);
    for (size_t off = 0; off < chunk.n * sizeof(Front); off += 64) __builtin_prefetch(fronts + off);
  }
  LockstepSearch(s, n, front, len);
  for (size_t i = 0; i < n; ++i) {
    const Chunk& chunk = *s[i].index->chunks_[s[i].chunk];
    s[i].block = static_cast<size_t>(front[i] - chunk.blocks);
    const char* items = reinterpret_cast<const char*>(front[i]->items);
    for (size_t off = 0; off < kMaxBlock * sizeof(uint32_t); off += 64) {
      __builtin_prefetch(items + off);
    }
  }
  // Locating needs only a scan of the block (no key reads); a lower bound two rounds.
  for (size_t i = 0; i < n; ++i) {
    if (!s[i].locate) s[i].index->SearchSamples(&s[i]);
  }
  for (size_t i = 0; i < n; ++i) {
    if (s[i].locate) s[i].pos = Find(s[i].index->BlockAt(s[i].chunk, s[i].block), s[i].probe.c);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!s[i].locate) s[i].index->SearchRound1(&s[i]);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!s[i].locate) s[i].pos = s[i].index->SearchRound2(&s[i]);
  }
}

// Lower bound in a block in two batched rounds instead of a binary search: every entry read is
// a likely cache miss, and misses issued together overlap. Round 1 finds the group of kGroup
// entries holding the answer from each group's last entry, round 2 scans that group.
void OrderIndex::SearchSamples(Search* s) const {
  const Front& b = BlockAt(s->chunk, s->block);
  const size_t n = b.size;
  s->groups = (n + kGroup - 1) / kGroup;
  for (size_t j = 0; j < s->groups; ++j) {
    s->cs[j] = b.items[std::min(j * kGroup + kGroup - 1, n - 1)];
  }
  keys_->Prefetch(s->cs, s->groups);
}

void OrderIndex::SearchRound1(Search* s) const {
  const Front& b = BlockAt(s->chunk, s->block);
  const size_t n = b.size;
  double keys[kGroup];
  uint64_t labels[kGroup];
  keys_->Fetch(s->cs, s->groups, keys, labels);
  size_t j = 0;
  while (j < s->groups && Before(Probe{Ord(keys[j]), labels[j], s->cs[j]}, s->probe)) ++j;
  if (j == s->groups) {
    s->lo = s->last = n;
    return;
  }
  // The answer is in [lo, last]; entries [lo, last) still need a look.
  s->lo = j * kGroup;
  s->last = std::min(s->lo + kGroup - 1, n - 1);
  keys_->Prefetch(b.items + s->lo, s->last - s->lo);
}

size_t OrderIndex::SearchRound2(Search* s) const {
  const uint32_t* items = BlockAt(s->chunk, s->block).items;
  double keys[kGroup];
  uint64_t labels[kGroup];
  keys_->Fetch(items + s->lo, s->last - s->lo, keys, labels);
  for (size_t i = 0; i < s->last - s->lo; ++i) {
    if (!Before(Probe{Ord(keys[i]), labels[i], items[s->lo + i]}, s->probe)) return s->lo + i;
  }
  return s->last;
}

void OrderIndex::LowerBound(Search* s) const {
  s->index = this;
  RunSearches(s, 1);
}

size_t OrderIndex::Rank(uint32_t c) const {
  if (chunks_.empty()) return 0;
  Search s;
  s.probe = Read(c);
  LowerBound(&s);
  size_t rank = FenwickPrefix(s.chunk) + s.pos;
  const Chunk& chunk = *chunks_[s.chunk];
  for (size_t b = 0; b < s.block; ++b) rank += chunk.blocks[b].size;
  return rank;
}

void OrderIndex::InsertAll(OrderIndex* const* indexes, size_t n, uint32_t c) {
  Search s[kMaxSearches];
  OrderIndex* ix[kMaxSearches];
  for (size_t base = 0; base < n; base += kMaxSearches) {
    const size_t end = std::min(n, base + kMaxSearches);
    size_t m = 0;
    for (size_t i = base; i < end; ++i) {
      if (indexes[i]->chunks_.empty()) {
        indexes[i]->Insert(c);
        continue;
      }
      ix[m] = indexes[i];
      s[m].index = indexes[i];
      s[m].probe = indexes[i]->Read(c);
      s[m].locate = false;
      ++m;
    }
    RunSearches(s, m);
    for (size_t i = 0; i < m; ++i) ix[i]->InsertAt(s[i].chunk, s[i].block, s[i].pos, c);
  }
}

void OrderIndex::PlanMoves(Move* moves, size_t n, uint32_t c) {
  // Searches 2i (where c is) and 2i + 1 (where it goes) of each batch of moves.
  constexpr size_t kBatch = kMaxSearches / 2;
  Search s[kMaxSearches];
  for (size_t base = 0; base < n; base += kBatch) {
    const size_t m = std::min(kBatch, n - base);
    Move* mv = moves + base;
    for (size_t i = 0; i < m; ++i) {
      OrderIndex* ix = mv[i].index;
      mv[i].found = false;
      mv[i].replan = false;
      s[2 * i].index = s[2 * i + 1].index = ix;
      s[2 * i].probe = ix->Read(c);
      s[2 * i].locate = true;
      s[2 * i + 1].probe = Probe{Ord(mv[i].new_key), s[2 * i].probe.label, c};
      s[2 * i + 1].locate = false;
    }
    // A move's index holds c, so it is not empty.
    RunSearches(s, 2 * m);
    for (size_t i = 0; i < m; ++i) {
      const Search& from = s[2 * i];
      mv[i].found = from.pos < mv[i].index->BlockAt(from.chunk, from.block).size;
      mv[i].from_chunk = from.chunk;
      mv[i].from_block = from.block;
      mv[i].from_pos = from.pos;
      mv[i].to_chunk = s[2 * i + 1].chunk;
      mv[i].to_block = s[2 * i + 1].block;
      mv[i].to_pos = s[2 * i + 1].pos;
    }
  }
}

void OrderIndex::EraseMoves(Move* moves, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    Move& m = moves[i];
    if (!m.found) {
      m.replan = true;
      continue;
    }
    // The target was found with c still in place: one position earlier when behind it in the
    // same block; searched again if blocks were merged or removed.
    m.replan = m.index->EraseAt(m.from_chunk, m.from_block, m.from_pos);
    if (m.to_chunk == m.from_chunk && m.to_block == m.from_block && m.to_pos > m.from_pos) {
      --m.to_pos;
    }
  }
}

void OrderIndex::InsertMoves(Move* moves, size_t n, uint32_t c) {
  for (size_t i = 0; i < n; ++i) {
    Move& m = moves[i];
    if (m.replan) {
      m.index->Insert(c);
    } else {
      m.index->InsertAt(m.to_chunk, m.to_block, m.to_pos, c);
    }
  }
}

}  // namespace kizuna::store
