#include "parser_feeder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace kizuna::protocol::testing {
namespace {

std::string Show(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 60)) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return s.size() > 60 ? out + "..." : out;
}

// Feeds input cut at the given offsets (ascending).
Outcome FeedCuts(std::string_view input, const std::vector<size_t>& cuts, ParserLimits limits) {
  std::vector<size_t> reads;
  size_t prev = 0;
  for (size_t cut : cuts) {
    reads.push_back(cut - prev);
    prev = cut;
  }
  reads.push_back(input.size() - prev);
  return Feed(input, reads, limits);
}

}  // namespace

Outcome Feed(std::string_view input, const std::vector<size_t>& reads, ParserLimits limits) {
  RequestParser parser(limits);
  Outcome out;
  size_t fed = 0, read = 0;
  while (fed < input.size()) {
    std::span<char> room = parser.PrepareRead();
    EXPECT_GE(room.size(), RequestParser::kMinReadSize);
    // The room is the tail of the buffer, so the buffer starts capacity bytes before its end.
    const char* buffer_end = room.data() + room.size();
    const char* buffer_begin = buffer_end - parser.buffer_capacity();
    size_t want = reads[std::min(read, reads.size() - 1)];
    ++read;
    size_t n = std::min({want, input.size() - fed, room.size()});
    std::memcpy(room.data(), input.data() + fed, n);
    parser.CommitRead(n);
    fed += n;
    RequestParser::Status st;
    while ((st = parser.Next()) == RequestParser::Status::kCommand) {
      EXPECT_FALSE(parser.args().empty());
      for (std::string_view arg : parser.args()) {
        if (arg.data() < buffer_begin || arg.data() + arg.size() > buffer_end) {
          out.arg_outside_buffer = true;
        }
      }
      out.commands.emplace_back(parser.args().begin(), parser.args().end());
    }
    if (st == RequestParser::Status::kError) {
      out.error = parser.error();
      EXPECT_EQ(parser.Next(), RequestParser::Status::kError) << "errors are final";
      return out;
    }
  }
  return out;
}

void ExpectSameAtEverySplit(std::string_view input, const std::vector<Command>& expected,
                            std::string_view error, ParserLimits limits) {
  auto check = [&](const Outcome& got, const std::string& how) {
    EXPECT_EQ(got.commands, expected) << how << " input: " << Show(input);
    EXPECT_EQ(got.error, error) << how << " input: " << Show(input);
    EXPECT_FALSE(got.arg_outside_buffer) << how;
  };
  check(FeedWhole(input, limits), "one read");
  check(Feed(input, {1}, limits), "byte at a time");
  for (size_t cut = 1; cut < input.size(); ++cut) {
    check(FeedCuts(input, {cut}, limits), "cut at " + std::to_string(cut));
  }
  if (input.size() > 48) return;
  for (size_t a = 1; a < input.size(); ++a) {
    for (size_t b = a + 1; b < input.size(); ++b) {
      check(FeedCuts(input, {a, b}, limits),
            "cuts at " + std::to_string(a) + "," + std::to_string(b));
    }
  }
}

}  // namespace kizuna::protocol::testing
