// CommandLookahead: the pipelined commands buffered behind the one that runs, each peeked
// once.
//
// With -P 16 a read brings 16 commands; prefetching what the next three will read hides the
// cache misses of their customer lookups (Session::PrefetchAhead). Peeking the next three
// anew before every command parsed each one three times and compared its name three times;
// this keeps what it has peeked until the parser consumes it or moves its buffer, so each
// command is peeked and classified once.
#ifndef KIZUNA_SERVER_COMMAND_LOOKAHEAD_H_
#define KIZUNA_SERVER_COMMAND_LOOKAHEAD_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "protocol/request_parser.h"

namespace kizuna::server {

class CommandLookahead {
 public:
  static constexpr size_t kDepth = 3;

  struct Command {
    std::string_view key;         // the second argument
    bool reads_customer = false;  // EVENT, SCORE or CUSTOMER: the key is a customer id
    uint64_t key_hash = 0;        // reads_customer: store::HashBytes(key), for every lookup
    size_t end = 0;               // where the command ends in the parser's buffer
  };

  // Call after each parser.Next() that returned a command. Returns up to kDepth of the
  // complete commands behind it, nearest first (fewer where one cannot be peeked, as
  // RequestParser::Peek). The views are valid until the parser's buffer moves (its
  // layout_version() changes).
  std::span<const Command> Advance(const protocol::RequestParser& parser);
  // The hash of the customer id `key` (a view into the parser's buffer) of the command that
  // the last Advance was called for, when it was peeked and is still where it was; else
  // nullopt. Spares the command's own lookup a fourth hashing of the id.
  std::optional<uint64_t> CurrentKeyHash(const protocol::RequestParser& parser,
                                         std::string_view key) const;

 private:
  Command current_;  // the command the last Advance was called for, if peeked (else no key)
  Command ahead_[kDepth];
  size_t count_ = 0;
  size_t peek_at_ = 0;  // where the next command to peek starts
  uint64_t layout_version_ = UINT64_MAX;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMAND_LOOKAHEAD_H_
