// Store::ColumnKeys: the KeySource of one leaderboard, read straight from the score matrix.
// Internal to the store (store.cc, store_events.cc).
#ifndef KIZUNA_STORE_COLUMN_KEYS_H_
#define KIZUNA_STORE_COLUMN_KEYS_H_

#include <algorithm>
#include <cstring>
#include <vector>

#include "store/store.h"

namespace kizuna::store {

// Order key of one category (one column) or of the total (sum of every category's key
// column), and the tie label.
class Store::ColumnKeys final : public KeySource {
 public:
  ColumnKeys(const Store* store, std::vector<int> cols) : store_(store), cols_(std::move(cols)) {}
  // The key of a row (in the matrix or a copy of one being updated).
  double KeyOf(const double* row) const {
    double sum = cols_.empty() ? 0.0 : row[cols_[0]];
    for (size_t j = 1; j < cols_.size(); ++j) sum += row[cols_[j]];
    return sum;
  }
  void Fetch(const uint32_t* cs, size_t n, double* keys, uint64_t* labels) const override {
    const double* base = store_->scores_.data();
    const size_t stride = store_->stride_;
    const size_t label_col = stride - 1;
    for (size_t i = 0; i < n; ++i) {
      const double* row = base + static_cast<size_t>(cs[i]) * stride;
      keys[i] = KeyOf(row);
      std::memcpy(&labels[i], row + label_col, sizeof(uint64_t));
    }
  }
  int CompareIds(uint32_t a, uint32_t b) const override {
    std::string_view x = store_->customers_.Id(a), y = store_->customers_.Id(b);
    int r = std::memcmp(x.data(), y.data(), std::min(x.size(), y.size()));
    if (r != 0) return r;
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }

 private:
  const Store* store_;
  std::vector<int> cols_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_COLUMN_KEYS_H_
