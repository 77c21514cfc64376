#include "server/command_lookahead.h"

#include <algorithm>
#include <cstdint>

#include "store/strings.h"

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
  // Forget what the parser has consumed (the command that is about to run, at least), but
  // keep the entry of the one about to run.
  size_t consumed = 0;
  while (consumed < count_ && ahead_[consumed].end <= start) ++consumed;
  current_ = consumed > 0 && ahead_[consumed - 1].end == start ? ahead_[consumed - 1] : Command{};
  std::copy(ahead_ + consumed, ahead_ + count_, ahead_);
  count_ -= consumed;
  if (count_ == 0) peek_at_ = start;

  std::string_view name, key;
  while (count_ < kDepth && parser.PeekAt(&peek_at_, &name, &key)) {
    const bool reads_customer = ReadsCustomer(name);
    ahead_[count_++] =
        Command{key, reads_customer, reads_customer ? store::HashBytes(key) : 0, peek_at_};
  }
  return {ahead_, count_};
}

std::optional<uint64_t> CommandLookahead::CurrentKeyHash(const protocol::RequestParser& parser,
                                                         std::string_view key) const {
  // The same place in the same layout holds the same bytes: the parser moves them only with
  // a new layout, and never rewrites a multibulk command's.
  if (!current_.reads_customer || parser.layout_version() != layout_version_ ||
      key.data() != current_.key.data() || key.size() != current_.key.size()) {
    return std::nullopt;
  }
  return current_.key_hash;
}

}  // namespace kizuna::server
