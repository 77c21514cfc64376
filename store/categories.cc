#include "store/categories.h"

#include "store/strings.h"

namespace kizuna::store {

CategorySet::CategorySet() {
  cats_.push_back({"product", 0});
  cats_.push_back({"lifestyle", 0});
  cats_.push_back({"lifestance", 0});
}

int CategorySet::Find(std::string_view name) const {
  for (size_t i = 0; i < cats_.size(); ++i) {
    if (cats_[i].name == name) return static_cast<int>(i);
  }
  return kNoCategory;
}

bool CategorySet::ValidName(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::Status CategorySet::Validate(std::string_view name) const {
  if (name == "total") {
    return absl::InvalidArgumentError("ERR category name 'total' is reserved");
  }
  if (!ValidName(name)) {
    return absl::InvalidArgumentError(
        StrCat("ERR invalid category name '", name, "' (expected [a-z0-9_-]{1,32})"));
  }
  if (Find(name) == kNoCategory && cats_.size() >= kMaxCategories) {
    return absl::InvalidArgumentError("ERR too many categories (at most 32)");
  }
  return absl::OkStatus();
}

int CategorySet::Set(std::string_view name, int64_t halflife_ms) {
  int i = Find(name);
  if (i == kNoCategory) {
    cats_.push_back({std::string(name), halflife_ms});
    return static_cast<int>(cats_.size() - 1);
  }
  cats_[static_cast<size_t>(i)].halflife_ms = halflife_ms;
  return i;
}

std::string UnknownCategoryError(std::string_view name) {
  return StrCat("ERR unknown category '", name, "'");
}

}  // namespace kizuna::store
