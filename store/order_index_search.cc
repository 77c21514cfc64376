// OrderIndex searches: several run interleaved, stage by stage, so that their cache misses
// overlap (an EVENT moves one customer in 2–4 indexes: 4–8 searches).
#include <algorithm>
#include <bit>
#include <cstddef>
#include <limits>

#include "store/order_index.h"

namespace kizuna::store {
namespace {

// Advances searches in lockstep over sorted arrays: for each i < n, from at[i], steps of
// `from`, from / 2, ... down to `to` elements, each to the right unless before(i, element),
// so that with to = 1 each ends on the last element its probe is not before (or where it
// began). A fixed count keeps the places in registers: a step is a few instructions, not a
// trip through memory.
template <size_t N, typename K, typename Before>
void StepsOf(const K** at, size_t from, size_t to, Before before) {
  const K* place[N];
  for (size_t i = 0; i < N; ++i) place[i] = at[i];
  for (size_t half = from; half >= to; half /= 2) {
    for (size_t i = 0; i < N; ++i) {
      const K* next = place[i] + half;
      place[i] = before(i, *next) ? place[i] : next;  // a conditional move
    }
  }
  for (size_t i = 0; i < N; ++i) at[i] = place[i];
}

template <typename K, typename Before>
void Steps(const K** at, size_t n, size_t from, Before before, size_t to = 1) {
  if (from < to) return;
  switch (n) {  // an EVENT runs 6 searches (3 moves), a new customer 4 (3 categories + total)
    case 2:
      return StepsOf<2>(at, from, to, before);
    case 4:
      return StepsOf<4>(at, from, to, before);
    case 6:
      return StepsOf<6>(at, from, to, before);
    case 8:
      return StepsOf<8>(at, from, to, before);
  }
  for (size_t half = from; half >= to; half /= 2) {
    for (size_t i = 0; i < n; ++i) {
      const K* next = at[i] + half;
      at[i] = before(i, *next) ? at[i] : next;
    }
  }
}

}  // namespace

uint64_t OrderIndex::Ord(double k) {
  if (std::isnan(k)) k = -std::numeric_limits<double>::infinity();
  k += 0.0;  // -0 -> +0
  uint64_t bits = std::bit_cast<uint64_t>(k);
  uint64_t ascending = (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
  return ~ascending;
}

void OrderIndex::SearchHeads(Search* s, size_t n) {
  // Fixed steps over each padded heads_, advanced in lockstep so that their misses overlap.
  // A step compares (order, label) only, as one number, and goes right on a tie; ids then
  // settle where in a run of equal keys the probe goes (SettleTie).
  const FrontKey* at[kMaxSearches];
  Wide probe[kMaxSearches];
  size_t size[kMaxSearches];
  size_t top = 0, bottom = SIZE_MAX;
  for (size_t i = 0; i < n; ++i) {
    at[i] = s[i].index->heads_.data();
    probe[i] = WideKey(s[i].probe);
    size[i] = s[i].index->heads_.size();
    top = std::max(top, size[i]);
    bottom = std::min(bottom, size[i]);
  }
  auto before = [&](size_t i, const FrontKey& head) { return probe[i] < WideKey(head); };
  if (top == bottom) {
    Steps(at, n, top / 2, before);  // indexes of one size: all take the same steps
  } else {
    for (size_t half = top / 2; half > 0; half /= 2) {
      for (size_t i = 0; i < n; ++i) {
        if (half >= size[i]) continue;  // a smaller index: fewer steps
        const FrontKey* next = at[i] + half;
        at[i] = before(i, *next) ? at[i] : next;
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const OrderIndex& ix = *s[i].index;
    const FrontKey* heads = ix.heads_.data();
    s[i].chunk = SettleTie(static_cast<size_t>(at[i] - heads), probe[i], heads,
                           [&](size_t h) { return ix.BeforeHead(s[i].probe, h); });
  }
}

void OrderIndex::RunSearches(Search* s, size_t n) {
  // The block: the last one whose front is not after the probe (the first if none). The chunk
  // from heads_, then the block from the chunk's keys: four fixed steps over 16 keys (unused
  // ones are kPastEnd), so their lines are fetched at once without waiting for the chunk's
  // block count. As in SearchHeads, the steps compare keys and labels only.
  SearchHeads(s, n);
  const Chunk* chunk[kMaxSearches];
  Wide probe[kMaxSearches];
  for (size_t i = 0; i < n; ++i) {
    chunk[i] = s[i].index->chunks_[s[i].chunk].get();
    const char* keys = reinterpret_cast<const char*>(chunk[i]->keys);
    for (size_t off = 0; off < sizeof(Chunk::keys); off += 64) __builtin_prefetch(keys + off);
    probe[i] = WideKey(s[i].probe);
    s[i].block = 0;
  }
  static_assert(std::has_single_bit(kMaxChunk) && kMaxChunk >= 8 && sizeof(Block) == 16 &&
                offsetof(Chunk, blocks) % 64 == 0);
  const FrontKey* at[kMaxSearches];
  for (size_t i = 0; i < n; ++i) at[i] = chunk[i]->keys;
  auto before = [&](size_t i, const FrontKey& front) { return probe[i] < WideKey(front); };
  // Two steps narrow it to four blocks, and their slots share one line: fetch it now.
  static_assert(kMaxChunk == 16);
  Steps(at, n, kMaxChunk / 2, before, kMaxChunk / 4);
  for (size_t i = 0; i < n; ++i) __builtin_prefetch(&chunk[i]->blocks[at[i] - chunk[i]->keys]);
  Steps(at, n, kMaxChunk / 8, before);
  for (size_t i = 0; i < n; ++i) {
    const OrderIndex& ix = *s[i].index;
    s[i].block = SettleTie(static_cast<size_t>(at[i] - chunk[i]->keys), probe[i], chunk[i]->keys,
                           [&](size_t b) { return ix.BeforeFront(s[i].probe, *chunk[i], b); });
  }
  for (size_t i = 0; i < n; ++i) {
    // Locating scans the block; inserting appends to it (the line of its first free slot).
    const Block& f = chunk[i]->blocks[s[i].block];
    const char* items = reinterpret_cast<const char*>(f.items);
    if (s[i].locate) {
      for (size_t off = 0; off < f.size * sizeof(uint32_t); off += 64)
        __builtin_prefetch(items + off);
    } else {
      __builtin_prefetch(f.items + f.size);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (s[i].locate) s[i].pos = Find(s[i].index->BlockAt(s[i].chunk, s[i].block), s[i].probe.c);
  }
}

size_t OrderIndex::FetchProbes(const Block& f, Probe* out) const {
  const size_t n = f.size;
  double keys[kMaxBlock];
  uint64_t labels[kMaxBlock];
  keys_->Fetch(f.items, n, keys, labels);
  for (size_t i = 0; i < n; ++i) out[i] = Probe{Ord(keys[i]), labels[i], f.items[i]};
  return n;
}

size_t OrderIndex::SortBlock(const Block& f, uint32_t* out) const {
  Probe probes[kMaxBlock];
  const size_t n = FetchProbes(f, probes);
  std::sort(probes, probes + n, [this](const Probe& a, const Probe& b) { return Before(a, b); });
  for (size_t i = 0; i < n; ++i) out[i] = probes[i].c;
  return n;
}

void OrderIndex::LowerBound(Search* s) const {
  s->index = this;
  s->locate = false;
  RunSearches(s, 1);
}

size_t OrderIndex::Rank(uint32_t c) const {
  if (chunks_.empty()) return 0;
  Search s;
  s.probe = Read(c);
  LowerBound(&s);
  size_t rank = EntriesBefore(s.chunk);
  const Chunk& chunk = *chunks_[s.chunk];
  for (size_t b = 0; b < s.block; ++b) rank += chunk.blocks[b].size;
  Probe probes[kMaxBlock];
  const size_t n = FetchProbes(chunk.blocks[s.block], probes);
  for (size_t i = 0; i < n; ++i) rank += Before(probes[i], s.probe);
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
    for (size_t i = 0; i < m; ++i) ix[i]->InsertAt(s[i].chunk, s[i].block, s[i].probe);
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
      mv[i].label = s[2 * i].probe.label;
      mv[i].stays = mv[i].found && from.chunk == mv[i].to_chunk && from.block == mv[i].to_block;
    }
  }
}

void OrderIndex::EraseMoves(Move* moves, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    Move& m = moves[i];
    if (!m.found) {
      m.replan = true;
    } else if (!m.stays) {
      // Searched again if blocks were merged or removed.
      m.replan = m.index->EraseAt(m.from_chunk, m.from_block, m.from_pos);
    }
  }
}

void OrderIndex::InsertMoves(Move* moves, size_t n, uint32_t c) {
  for (size_t i = 0; i < n; ++i) {
    Move& m = moves[i];
    OrderIndex& ix = *m.index;
    const Probe p{Ord(m.new_key), m.label, c};  // what ix.Read(c) gives now, without the read
    if (m.replan) {
      ix.Insert(c);
    } else if (!m.stays) {
      ix.InsertAt(m.to_chunk, m.to_block, p);
    } else if (const Probe front = ix.chunks_[m.to_chunk]->FrontOf(m.to_block);
               front.c == c && ix.Before(front, p)) {
      // The minimum fell back inside its block: another entry may be the minimum now.
      ix.RefreshFront(m.to_chunk, m.to_block);
    } else {
      // c moved ahead (still the minimum if it was: a leader scoring again reads no other
      // key), or is not the minimum and may have become it (the index's first block).
      ix.OfferFront(m.to_chunk, m.to_block, p);
    }
  }
}

}  // namespace kizuna::store
