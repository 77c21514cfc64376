#include "store/stream/stream_id.h"

#include <charconv>

namespace kizuna::store {

bool StreamId::Increment() {
  if (seq != UINT64_MAX) {
    ++seq;
    return true;
  }
  if (ms == UINT64_MAX) return false;
  ++ms;
  seq = 0;
  return true;
}

bool StreamId::Decrement() {
  if (seq != 0) {
    --seq;
    return true;
  }
  if (ms == 0) return false;
  --ms;
  seq = UINT64_MAX;
  return true;
}

std::string_view FormatStreamId(StreamId id, char* buf) {
  char* end = std::to_chars(buf, buf + 20, id.ms).ptr;
  *end++ = '-';
  end = std::to_chars(end, end + 20, id.seq).ptr;
  return {buf, static_cast<size_t>(end - buf)};
}

std::string StreamIdText(StreamId id) {
  char buf[kStreamIdTextSize];
  return std::string(FormatStreamId(id, buf));
}

namespace {

std::optional<uint64_t> ParseU64(std::string_view s) {
  if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<StreamId> ParseStreamId(std::string_view s, uint64_t missing_seq) {
  size_t dash = s.find('-');
  auto ms = ParseU64(s.substr(0, dash));
  if (!ms) return std::nullopt;
  if (dash == std::string_view::npos) return StreamId{*ms, missing_seq};
  auto seq = ParseU64(s.substr(dash + 1));
  if (!seq) return std::nullopt;
  return StreamId{*ms, *seq};
}

std::optional<RangeBound> ParseRangeBound(std::string_view s, bool is_start) {
  if (s == "-") return RangeBound{StreamId::Min(), false};
  if (s == "+") return RangeBound{StreamId::Max(), false};
  bool exclusive = !s.empty() && s[0] == '(';
  if (exclusive) s.remove_prefix(1);
  auto id = ParseStreamId(s, is_start ? 0 : UINT64_MAX);
  if (!id) return std::nullopt;
  return RangeBound{*id, exclusive};
}

std::optional<StreamId> InclusiveStart(RangeBound b) {
  if (b.exclusive && !b.id.Increment()) return std::nullopt;
  return b.id;
}

std::optional<StreamId> InclusiveEnd(RangeBound b) {
  if (b.exclusive && !b.id.Decrement()) return std::nullopt;
  return b.id;
}

}  // namespace kizuna::store
