// Test helper: drives a RequestParser the way a session does and records what comes out.
#ifndef KIZUNA_TESTS_PROTOCOL_PARSER_FEEDER_H_
#define KIZUNA_TESTS_PROTOCOL_PARSER_FEEDER_H_

#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"

namespace kizuna::protocol::testing {

using Command = std::vector<std::string>;

struct Outcome {
  std::vector<Command> commands;
  std::string error;  // empty: no error
  // Set if an argument view pointed outside the parser's buffer.
  bool arg_outside_buffer = false;
};

// Feeds `input` in reads of the given sizes (the last size repeats), draining Next() after
// each read, and stops at the first error.
Outcome Feed(std::string_view input, const std::vector<size_t>& reads, ParserLimits limits = {});

inline Outcome FeedWhole(std::string_view input, ParserLimits limits = {}) {
  return Feed(input, {input.size() + 1}, limits);
}

// Asserts that one read, one byte per read, every single cut and (for short inputs) every
// pair of cuts all give `expected` commands and the same error.
void ExpectSameAtEverySplit(std::string_view input, const std::vector<Command>& expected,
                            std::string_view error = "", ParserLimits limits = {});

}  // namespace kizuna::protocol::testing

#endif  // KIZUNA_TESTS_PROTOCOL_PARSER_FEEDER_H_
