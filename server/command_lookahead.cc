#include "server/command_lookahead.h"

#include <algorithm>
#include <cstdint>

namespace kizuna::server {
namespace {

// The bytes of a name of up to 8 bytes in one word, each with bit 5 set. Compared with the
// folded word of an all-letter name, that matches the name in any case and nothing else: the
// only bytes that fold onto a lower-case letter are that letter and its capital.
constexpr uint64_t FoldedWord(std::string_view s) {
  uint64_t w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    w |= uint64_t{static_cast<unsigned char>(s[i]) | 0x20u} << (8 * i);
  }
  return w;
}

constexpr uint64_t kEvent = FoldedWord("EVENT");
constexpr uint64_t kScore = FoldedWord("SCORE");
constexpr uint64_t kCustomer = FoldedWord("CUSTOMER");

// Asked of every peeked command; three case-insensitive compares cost 80 instructions.
bool ReadsCustomer(std::string_view name) {
  if (name.size() == 5) {
    uint64_t w = FoldedWord(name);
    return w == kEvent || w == kScore;
  }
  return name.size() == 8 && FoldedWord(name) == kCustomer;
}

}  // namespace

std::span<const CommandLookahead::Command> CommandLookahead::Advance(
    const protocol::RequestParser& parser) {
  size_t start = parser.peek_start();
  if (parser.layout_version() != layout_version_) {
    layout_version_ = parser.layout_version();
    count_ = 0;
  }
  // Forget what the parser has consumed (the command that is about to run, at least).
  size_t consumed = 0;
  while (consumed < count_ && ahead_[consumed].end <= start) ++consumed;
  std::copy(ahead_ + consumed, ahead_ + count_, ahead_);
  count_ -= consumed;
  if (count_ == 0) peek_at_ = start;

  std::string_view name, key;
  while (count_ < kDepth && parser.PeekAt(&peek_at_, &name, &key)) {
    ahead_[count_++] = Command{key, ReadsCustomer(name), peek_at_};
  }
  return {ahead_, count_};
}

}  // namespace kizuna::server
