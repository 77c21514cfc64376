// Linked into every Google Benchmark binary. The server makes huge pages while it is idle
// (store/huge_pages.h); a benchmark has no idle loop, so its arrays get them at first touch
// instead, as a server's have once collapsed. KIZUNA_HUGE_PAGES=no (or idle, eager) overrides.
#include <cstdlib>
#include <string_view>

#include "store/huge_pages.h"

namespace {

const bool kHugePageModeSet = [] {
  const char* v = std::getenv("KIZUNA_HUGE_PAGES");
  kizuna::store::SetHugePageMode(kizuna::store::HugePageModeNamed(v == nullptr ? "eager" : v)
                                     .value_or(kizuna::store::HugePageMode::kEager));
  return true;
}();

}  // namespace
