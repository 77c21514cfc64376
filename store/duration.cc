#include "store/duration.h"

#include <charconv>
#include <limits>

namespace kizuna::store {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t ms;
};
// Longest suffix first so "ms" is not read as "m" + garbage.
constexpr Unit kUnits[] = {{"ms", 1},           {"s", kMsPerSecond}, {"m", kMsPerMinute},
                           {"h", kMsPerHour},   {"d", kMsPerDay},    {"w", kMsPerWeek}};

}  // namespace

std::optional<int64_t> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  std::string_view suffix = text.substr(digits);
  for (const Unit& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, n);
    if (ec != std::errc() || ptr != text.data() + digits) return std::nullopt;
    if (n > std::numeric_limits<int64_t>::max() / unit.ms) return std::nullopt;
    return n * unit.ms;
  }
  return std::nullopt;
}

std::string FormatDuration(int64_t ms) {
  for (auto it = std::rbegin(kUnits); it != std::rend(kUnits); ++it) {
    if (ms != 0 && ms % it->ms == 0) return std::to_string(ms / it->ms) + std::string(it->suffix);
  }
  return std::to_string(ms) + "ms";
}

}  // namespace kizuna::store
