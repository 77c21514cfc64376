// Categories: the named score dimensions (SPEC §1). Defaults product, lifestyle, lifestance;
// at most 32; names match [a-z0-9_-]{1,32}; "total" is reserved. A category never goes away,
// so its index (position in the set) is stable and used everywhere instead of its name.
#ifndef KIZUNA_STORE_CATEGORIES_H_
#define KIZUNA_STORE_CATEGORIES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace kizuna::store {

inline constexpr size_t kMaxCategories = 32;
inline constexpr int kNoCategory = -1;

struct Category {
  std::string name;
  int64_t halflife_ms = 0;  // 0: no decay
};

class CategorySet {
 public:
  CategorySet();  // the three defaults, no decay

  // Index of `name`, or kNoCategory.
  int Find(std::string_view name) const;
  size_t size() const { return cats_.size(); }
  const Category& at(size_t i) const { return cats_[i]; }
  const std::vector<Category>& all() const { return cats_; }

  // "ERR ..." when the name is malformed or reserved, or a new one would exceed 32.
  absl::Status Validate(std::string_view name) const;
  // Adds or changes a category (Validate first). Returns its index.
  int Set(std::string_view name, int64_t halflife_ms);

  static bool ValidName(std::string_view name);

 private:
  std::vector<Category> cats_;
};

// "ERR unknown category 'x'"
std::string UnknownCategoryError(std::string_view name);

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_CATEGORIES_H_
