// StreamId: the `<ms>-<seq>` id of a stream entry, ordered by (ms, seq) as Redis orders them.
//
// Parsing follows the Redis argument forms:
//   ParseStreamId("5-1")        exact id; "5" alone means 5-<missing_seq> (0 or UINT64_MAX)
//   ParseRangeBound("-"), "+"   smallest / largest id; "(5-1" excludes 5-1 (XRANGE, XPENDING)
#ifndef KIZUNA_STORE_STREAM_STREAM_ID_H_
#define KIZUNA_STORE_STREAM_STREAM_ID_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kizuna::store {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  static constexpr StreamId Min() { return {0, 0}; }
  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }

  friend constexpr auto operator<=>(const StreamId&, const StreamId&) = default;
  bool is_zero() const { return ms == 0 && seq == 0; }
  // The id right after / before this one; false at the ends of the id space.
  bool Increment();
  bool Decrement();
};

// Writes "<ms>-<seq>" into `buf` (at least kStreamIdTextSize bytes) and returns its view.
inline constexpr size_t kStreamIdTextSize = 42;
std::string_view FormatStreamId(StreamId id, char* buf);
std::string StreamIdText(StreamId id);

// "ms-seq" or "ms" (seq = missing_seq). Strict: digits only, no sign, no spaces.
std::optional<StreamId> ParseStreamId(std::string_view s, uint64_t missing_seq = 0);

// A range end point: "-" / "+", an id (a bare ms takes seq 0 at the start, UINT64_MAX at the
// end) or "(id" for an exclusive bound, turned into the next / previous id. nullopt on bad
// syntax; *empty is set when an exclusive bound leaves nothing (e.g. "(0-0" as a start).
struct RangeBound {
  StreamId id;
  bool exclusive = false;
};
std::optional<RangeBound> ParseRangeBound(std::string_view s, bool is_start);
// Applies exclusivity: the inclusive id, or nullopt when the range is empty by construction.
std::optional<StreamId> InclusiveStart(RangeBound b);
std::optional<StreamId> InclusiveEnd(RangeBound b);

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STREAM_STREAM_ID_H_
