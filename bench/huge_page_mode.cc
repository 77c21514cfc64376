// Linked into every Google Benchmark binary. The server makes huge pages while it is idle
// (store/huge_pages.h); a benchmark has no idle loop, so its arrays get them at first touch
// instead, as a server's have once collapsed. KIZUNA_HUGE_PAGES=no (or idle, eager) overrides.
#include <cstdlib>
#include <string_view>

#include "store/huge_pages.h"

namespace {

const bool kHugePageModeSet = [] {
  using kizuna::store::HugePageMode;
  const char* v = std::getenv("KIZUNA_HUGE_PAGES");
  std::string_view mode = v == nullptr ? "eager" : v;
  kizuna::store::SetHugePageMode(mode == "no"     ? HugePageMode::kNo
                                 : mode == "idle" ? HugePageMode::kIdle
                                                  : HugePageMode::kEager);
  return true;
}();

}  // namespace
