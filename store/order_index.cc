#include "store/order_index.h"

#include <algorithm>

namespace kizuna::store {

size_t OrderIndex::FindBlock(double kc, uint32_t c) const {
  // upper_bound over block fronts, minus one.
  std::string_view idc = keys_->Id(c);
  size_t lo = 0, hi = blocks_.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (LessThanFront(kc, c, idc, mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo == 0 ? 0 : lo - 1;
}

size_t OrderIndex::LowerBound(const Block& b, double kc, uint32_t c) const {
  size_t lo = 0, hi = b.items.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    uint32_t m = b.items[mid];
    if (m != c && LessKeyed(Sanitize(keys_->Key(m)), m, kc, c)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

void OrderIndex::RefreshFront(size_t b) {
  front_[b] = blocks_[b].items.front();
  front_key_[b] = Sanitize(keys_->Key(front_[b]));
  std::string_view id = keys_->Id(front_[b]);
  front_id_[b].assign(id.data(), id.size());
}

void OrderIndex::EraseFront(size_t b) {
  front_.erase(front_.begin() + static_cast<ptrdiff_t>(b));
  front_key_.erase(front_key_.begin() + static_cast<ptrdiff_t>(b));
  front_id_.erase(front_id_.begin() + static_cast<ptrdiff_t>(b));
}

void OrderIndex::InsertFront(size_t b) {
  front_.insert(front_.begin() + static_cast<ptrdiff_t>(b), 0);
  front_key_.insert(front_key_.begin() + static_cast<ptrdiff_t>(b), 0);
  front_id_.insert(front_id_.begin() + static_cast<ptrdiff_t>(b), std::string());
  RefreshFront(b);
}

void OrderIndex::Insert(uint32_t c) {
  double kc = Sanitize(keys_->Key(c));
  if (blocks_.empty()) {
    blocks_.emplace_back();
    blocks_[0].items.reserve(kMaxBlock);
    blocks_[0].items.push_back(c);
    front_.push_back(c);
    front_key_.push_back(kc);
    front_id_.emplace_back();
    RefreshFront(0);
    ++size_;
    RebuildFenwick();
    return;
  }
  size_t bi = FindBlock(kc, c);
  Block& b = blocks_[bi];
  size_t pos = LowerBound(b, kc, c);
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

bool OrderIndex::Erase(uint32_t c) {
  if (blocks_.empty()) return false;
  double kc = Sanitize(keys_->Key(c));
  size_t bi = FindBlock(kc, c);
  Block& b = blocks_[bi];
  size_t pos = LowerBound(b, kc, c);
  if (pos >= b.items.size() || b.items[pos] != c) return false;
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
  return true;
}

size_t OrderIndex::Rank(uint32_t c) const {
  if (blocks_.empty()) return 0;
  double kc = Sanitize(keys_->Key(c));
  size_t bi = FindBlock(kc, c);
  return FenwickPrefix(bi) + LowerBound(blocks_[bi], kc, c);
}

void OrderIndex::Build(std::vector<uint32_t> all) {
  Clear();
  // Sort with keys fetched once; ids only break ties.
  std::vector<std::pair<double, uint32_t>> keyed;
  keyed.reserve(all.size());
  for (uint32_t c : all) keyed.emplace_back(Sanitize(keys_->Key(c)), c);
  std::vector<uint32_t>().swap(all);
  std::sort(keyed.begin(), keyed.end(), [this](const auto& a, const auto& b) {
    return LessKeyed(a.first, a.second, b.first, b.second);
  });
  constexpr size_t kFill = kMaxBlock * 7 / 8;
  for (size_t i = 0; i < keyed.size(); i += kFill) {
    Block b;
    b.items.reserve(kMaxBlock);
    size_t end = std::min(keyed.size(), i + kFill);
    for (size_t j = i; j < end; ++j) b.items.push_back(keyed[j].second);
    blocks_.push_back(std::move(b));
    front_.push_back(0);
    front_key_.push_back(0);
    front_id_.emplace_back();
    RefreshFront(blocks_.size() - 1);
  }
  size_ = keyed.size();
  RebuildFenwick();
}

void OrderIndex::Clear() {
  blocks_.clear();
  front_.clear();
  front_key_.clear();
  front_id_.clear();
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
  size_t bytes = blocks_.capacity() * sizeof(Block) + front_.capacity() * 4 +
                 front_key_.capacity() * 8 + fenwick_.capacity() * 4 +
                 front_id_.capacity() * sizeof(std::string);
  for (const Block& b : blocks_) bytes += b.items.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace kizuna::store
