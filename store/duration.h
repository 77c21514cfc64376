// Durations as SPEC §1 writes them: a non-negative integer with one lower-case unit
// (ms, s, m, h, d, w), e.g. "500ms", "1d", "90d", "0ms". Bare numbers, signs, fractions,
// composites ("1h30m") and unknown units are rejected.
#ifndef KIZUNA_STORE_DURATION_H_
#define KIZUNA_STORE_DURATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kizuna::store {

inline constexpr int64_t kMsPerSecond = 1000;
inline constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
inline constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
inline constexpr int64_t kMsPerDay = 24 * kMsPerHour;
inline constexpr int64_t kMsPerWeek = 7 * kMsPerDay;

// Milliseconds, or nullopt when `text` is not a valid duration (or overflows int64).
std::optional<int64_t> ParseDuration(std::string_view text);

// The shortest exact spelling of ms in the largest unit that divides it: 86400000 -> "1d".
std::string FormatDuration(int64_t ms);

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_DURATION_H_
