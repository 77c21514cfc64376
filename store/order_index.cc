#include "store/order_index.h"

#include <algorithm>

namespace kizuna::store {

size_t OrderIndex::FindBlock(const Probe& p) const {
  // upper_bound over block fronts, minus one.
  size_t lo = 0, hi = blocks_.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (BeforeFront(p, mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo == 0 ? 0 : lo - 1;
}

// LowerBound in two batched rounds instead of a binary search: every entry read is a likely
// cache miss, and misses issued together overlap. Round 1 finds the group of kGroup entries
// holding the answer from each group's last entry, round 2 scans that group. The stages are
// separate so that several indexes can run them interleaved (InsertAll).
void OrderIndex::SearchBegin(Search* s) const {
  s->block = FindBlock(s->probe);
  const Block& b = blocks_[s->block];
  const char* items = reinterpret_cast<const char*>(b.items.data());
  for (size_t off = 0; off < b.items.size() * sizeof(uint32_t); off += 64) {
    __builtin_prefetch(items + off);
  }
}

void OrderIndex::SearchSamples(Search* s) const {
  const Block& b = blocks_[s->block];
  const size_t n = b.items.size();
  s->groups = (n + kGroup - 1) / kGroup;
  for (size_t j = 0; j < s->groups; ++j) {
    s->cs[j] = b.items[std::min(j * kGroup + kGroup - 1, n - 1)];
  }
  keys_->Prefetch(s->cs, s->groups);
}

void OrderIndex::SearchRound1(Search* s) const {
  const Block& b = blocks_[s->block];
  const size_t n = b.items.size();
  double keys[kGroup];
  uint64_t labels[kGroup];
  keys_->Fetch(s->cs, s->groups, keys, labels);
  size_t j = 0;
  while (j < s->groups && Before(Probe{Sanitize(keys[j]), labels[j], s->cs[j]}, s->probe)) ++j;
  if (j == s->groups) {
    s->lo = s->last = n;
    return;
  }
  // The answer is in [lo, last]; entries [lo, last) still need a look.
  s->lo = j * kGroup;
  s->last = std::min(s->lo + kGroup - 1, n - 1);
  keys_->Prefetch(b.items.data() + s->lo, s->last - s->lo);
}

size_t OrderIndex::SearchRound2(Search* s) const {
  const uint32_t* items = blocks_[s->block].items.data();
  double keys[kGroup];
  uint64_t labels[kGroup];
  keys_->Fetch(items + s->lo, s->last - s->lo, keys, labels);
  for (size_t i = 0; i < s->last - s->lo; ++i) {
    if (!Before(Probe{Sanitize(keys[i]), labels[i], items[s->lo + i]}, s->probe)) {
      return s->lo + i;
    }
  }
  return s->last;
}

size_t OrderIndex::LowerBound(Search* s) const {
  SearchBegin(s);
  if (blocks_[s->block].items.empty()) return 0;
  SearchSamples(s);
  SearchRound1(s);
  return SearchRound2(s);
}

void OrderIndex::RefreshFront(size_t b) {
  Probe p = Read(blocks_[b].items.front());
  fronts_[b] = p;
}

void OrderIndex::RefreshLabels() {
  for (size_t b = 0; b < blocks_.size(); ++b) RefreshFront(b);
}

void OrderIndex::EraseFront(size_t b) {
  fronts_.erase(fronts_.begin() + static_cast<ptrdiff_t>(b));
}

void OrderIndex::InsertFront(size_t b) {
  fronts_.insert(fronts_.begin() + static_cast<ptrdiff_t>(b), Probe{});
  RefreshFront(b);
}

void OrderIndex::Insert(uint32_t c) {
  if (blocks_.empty()) {
    blocks_.emplace_back();
    blocks_[0].items.reserve(kMaxBlock);
    blocks_[0].items.push_back(c);
    InsertFront(0);
    ++size_;
    RebuildFenwick();
    return;
  }
  Search s;
  s.probe = Read(c);
  size_t pos = LowerBound(&s);
  InsertAt(s.block, pos, c);
}

void OrderIndex::InsertAll(OrderIndex* const* indexes, size_t n, uint32_t c) {
  constexpr size_t kBatch = 8;
  for (size_t base = 0; base < n; base += kBatch) {
    const size_t m = std::min(kBatch, n - base);
    OrderIndex* const* ix = indexes + base;
    Search s[kBatch];
    bool staged[kBatch];
    for (size_t i = 0; i < m; ++i) {
      staged[i] = !ix[i]->blocks_.empty();
      if (!staged[i]) continue;
      s[i].probe = ix[i]->Read(c);
      ix[i]->SearchBegin(&s[i]);
    }
    for (size_t i = 0; i < m; ++i) {
      if (staged[i]) ix[i]->SearchSamples(&s[i]);
    }
    for (size_t i = 0; i < m; ++i) {
      if (staged[i]) ix[i]->SearchRound1(&s[i]);
    }
    for (size_t i = 0; i < m; ++i) {
      if (staged[i]) {
        ix[i]->InsertAt(s[i].block, ix[i]->SearchRound2(&s[i]), c);
      } else {
        ix[i]->Insert(c);
      }
    }
  }
}

void OrderIndex::InsertAt(size_t bi, size_t pos, uint32_t c) {
  Block& b = blocks_[bi];
  b.items.insert(b.items.begin() + static_cast<ptrdiff_t>(pos), c);
  ++size_;
  if (pos == 0) RefreshFront(bi);
  if (b.items.size() < kMaxBlock) {
    FenwickAdd(bi, 1);
    return;
  }
  // A full block first spills one entry into a neighbour with room, which keeps blocks
  // ~90% full (memory) instead of the ~70% that splitting alone gives.
  if (bi + 1 < blocks_.size() && blocks_[bi + 1].items.size() < kMaxBlock - 1) {
    Block& next = blocks_[bi + 1];
    next.items.insert(next.items.begin(), b.items.back());
    b.items.pop_back();
    RefreshFront(bi + 1);
    FenwickAdd(bi + 1, 1);
    return;
  }
  if (bi > 0 && blocks_[bi - 1].items.size() < kMaxBlock - 1) {
    blocks_[bi - 1].items.push_back(b.items.front());
    b.items.erase(b.items.begin());
    RefreshFront(bi);
    FenwickAdd(bi - 1, 1);
    return;
  }
  // Split a full block (with full neighbours) in halves.
  Block fresh;
  fresh.items.reserve(kMaxBlock);
  size_t half = b.items.size() / 2;
  fresh.items.assign(b.items.begin() + static_cast<ptrdiff_t>(half), b.items.end());
  b.items.resize(half);
  blocks_.insert(blocks_.begin() + static_cast<ptrdiff_t>(bi) + 1, std::move(fresh));
  InsertFront(bi + 1);
  RebuildFenwick();
}

size_t OrderIndex::Find(const Block& b, uint32_t c) {
  // A scan of at most 1 KB with no key reads (they would be cache misses) instead of a search.
  const uint32_t* items = b.items.data();
  const size_t n = b.items.size();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    unsigned hit = 0;
    for (size_t j = 0; j < 16; ++j) hit |= items[i + j] == c ? 1u : 0u;
    if (hit) break;
  }
  while (i < n && items[i] != c) ++i;
  return i;
}

bool OrderIndex::Erase(uint32_t c) {
  if (blocks_.empty()) return false;
  size_t bi = FindBlock(Read(c));
  size_t pos = Find(blocks_[bi], c);
  if (pos >= blocks_[bi].items.size()) return false;
  EraseAt(bi, pos);
  return true;
}

void OrderIndex::EraseAll(OrderIndex* const* indexes, size_t n, uint32_t c) {
  constexpr size_t kBatch = 8;
  for (size_t base = 0; base < n; base += kBatch) {
    const size_t m = std::min(kBatch, n - base);
    OrderIndex* const* ix = indexes + base;
    Search s[kBatch];
    for (size_t i = 0; i < m; ++i) {
      if (ix[i]->blocks_.empty()) continue;
      s[i].probe = ix[i]->Read(c);
      ix[i]->SearchBegin(&s[i]);  // finds the block and prefetches it
    }
    for (size_t i = 0; i < m; ++i) {
      if (ix[i]->blocks_.empty()) continue;
      size_t pos = Find(ix[i]->blocks_[s[i].block], c);
      if (pos < ix[i]->blocks_[s[i].block].items.size()) ix[i]->EraseAt(s[i].block, pos);
    }
  }
}

void OrderIndex::EraseAt(size_t bi, size_t pos) {
  Block& b = blocks_[bi];
  b.items.erase(b.items.begin() + static_cast<ptrdiff_t>(pos));
  --size_;
  bool restructure = false;
  if (b.items.empty()) {
    blocks_.erase(blocks_.begin() + static_cast<ptrdiff_t>(bi));
    EraseFront(bi);
    restructure = true;
  } else {
    if (pos == 0) RefreshFront(bi);
    // Merge a small block into its successor so blocks stay at least a quarter full.
    if (b.items.size() < kMaxBlock / 4 && bi + 1 < blocks_.size() &&
        b.items.size() + blocks_[bi + 1].items.size() <= kMaxBlock / 2) {
      Block& next = blocks_[bi + 1];
      b.items.insert(b.items.end(), next.items.begin(), next.items.end());
      blocks_.erase(blocks_.begin() + static_cast<ptrdiff_t>(bi) + 1);
      EraseFront(bi + 1);
      restructure = true;
    }
  }
  if (restructure) {
    RebuildFenwick();
  } else {
    FenwickAdd(bi, -1);
  }
}

size_t OrderIndex::Rank(uint32_t c) const {
  if (blocks_.empty()) return 0;
  Search s;
  s.probe = Read(c);
  size_t pos = LowerBound(&s);
  return FenwickPrefix(s.block) + pos;
}

void OrderIndex::Build(std::vector<uint32_t> all) {
  Clear();
  // Sort with keys and labels fetched once; ids only break label ties.
  std::vector<Probe> keyed;
  keyed.reserve(all.size());
  for (uint32_t c : all) keyed.push_back(Read(c));
  std::vector<uint32_t>().swap(all);
  std::sort(keyed.begin(), keyed.end(),
            [this](const Probe& a, const Probe& b) { return Before(a, b); });
  constexpr size_t kFill = kMaxBlock * 7 / 8;
  for (size_t i = 0; i < keyed.size(); i += kFill) {
    Block b;
    b.items.reserve(kMaxBlock);
    size_t end = std::min(keyed.size(), i + kFill);
    for (size_t j = i; j < end; ++j) b.items.push_back(keyed[j].c);
    blocks_.push_back(std::move(b));
    fronts_.push_back(keyed[i]);
  }
  size_ = keyed.size();
  RebuildFenwick();
}

void OrderIndex::Clear() {
  blocks_.clear();
  fronts_.clear();
  fenwick_.clear();
  size_ = 0;
}

void OrderIndex::RebuildFenwick() {
  size_t n = blocks_.size();
  fenwick_.assign(n + 1, 0);
  for (size_t i = 1; i <= n; ++i) {
    fenwick_[i] += static_cast<uint32_t>(blocks_[i - 1].items.size());
    size_t parent = i + (i & (~i + 1));
    if (parent <= n) fenwick_[parent] += fenwick_[i];
  }
}

void OrderIndex::FenwickAdd(size_t b, int delta) {
  for (size_t i = b + 1; i < fenwick_.size(); i += i & (~i + 1)) {
    fenwick_[i] = static_cast<uint32_t>(static_cast<int64_t>(fenwick_[i]) + delta);
  }
}

size_t OrderIndex::FenwickPrefix(size_t b) const {
  size_t sum = 0;
  for (size_t i = b; i > 0; i -= i & (~i + 1)) sum += fenwick_[i];
  return sum;
}

size_t OrderIndex::MemoryBytes() const {
  size_t bytes = blocks_.capacity() * sizeof(Block) + fronts_.capacity() * sizeof(Probe) +
                 fenwick_.capacity() * 4;
  for (const Block& b : blocks_) bytes += b.items.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace kizuna::store
