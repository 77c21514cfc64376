#include "server/command_lookahead.h"

#include <algorithm>

#include "server/arg_parser.h"

namespace kizuna::server {
namespace {

bool ReadsCustomer(std::string_view name) {
  return EqualsIgnoreCase(name, "EVENT") || EqualsIgnoreCase(name, "SCORE") ||
         EqualsIgnoreCase(name, "CUSTOMER");
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
