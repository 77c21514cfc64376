// Protocol errors and limits: Redis's wording, the same outcome however the input is split.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parser_feeder.h"
#include "protocol/request_parser.h"

namespace kizuna::protocol {
namespace {

using namespace std::string_literals;
using testing::Command;
using testing::ExpectSameAtEverySplit;
using testing::Feed;
using testing::FeedWhole;

struct ErrorCase {
  std::string input;
  std::string error;
};

void ExpectErrors(const std::vector<ErrorCase>& cases, ParserLimits limits = {}) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.input.substr(0, 40));
    if (c.input.size() < 2000) {
      ExpectSameAtEverySplit(c.input, {}, c.error, limits);
    } else {
      EXPECT_EQ(FeedWhole(c.input, limits).error, c.error);
      EXPECT_EQ(Feed(c.input, {1}, limits).error, c.error);
      EXPECT_EQ(Feed(c.input, {4093}, limits).error, c.error);
    }
  }
}

TEST(RequestParserErrors, InvalidMultibulkLength) {
  const std::string e = "Protocol error: invalid multibulk length";
  ExpectErrors({{"*x\r\n", e},
                {"*\r\n", e},
                {"*01\r\n", e},
                {"*+1\r\n", e},
                {"*-0\r\n", e},
                {"*-\r\n", e},
                {"* 1\r\n", e},
                {"*1 \r\n", e},
                {"*2147483648\r\n", e},  // above max_multibulk_len (INT_MAX, as Redis)
                {"*99999999999999999999\r\n", e},
                {"*1\rX", e}});  // strict: the header must end in CRLF
  EXPECT_EQ(FeedWhole("*2147483647\r\n").error, "");
  ParserLimits small;
  small.max_multibulk_len = 3;
  EXPECT_EQ(FeedWhole("*4\r\n", small).error, e);
  EXPECT_EQ(FeedWhole("*3\r\n", small).error, "");
}

TEST(RequestParserErrors, ExpectedDollar) {
  ExpectErrors({{"*1\r\nfoo\r\n", "Protocol error: expected '$', got 'f'"},
                {"*2\r\n$1\r\na\r\n*1\r\n", "Protocol error: expected '$', got '*'"},
                {"*1\r\n:1\r\n", "Protocol error: expected '$', got ':'"}});
  // As in Redis, the line must be complete before its first byte is judged.
  EXPECT_EQ(FeedWhole("*1\r\nfoo").error, "");
}

TEST(RequestParserErrors, InvalidBulkLength) {
  const std::string e = "Protocol error: invalid bulk length";
  ExpectErrors({{"*1\r\n$-1\r\n", e},
                {"*1\r\n$-5\r\n", e},
                {"*1\r\n$abc\r\n", e},
                {"*1\r\n$\r\n", e},
                {"*1\r\n$01\r\n", e},
                {"*1\r\n$+1\r\n", e},
                {"*1\r\n$536870913\r\n", e},  // proto-max-bulk-len + 1
                {"*1\r\n$1\rXa\r\n", e}});
  EXPECT_EQ(FeedWhole("*1\r\n$536870912\r\n").error, "");
  ParserLimits small;
  small.max_bulk_len = 10;
  EXPECT_EQ(FeedWhole("*1\r\n$11\r\n", small).error, e);
  EXPECT_EQ(FeedWhole("*1\r\n$10\r\n", small).error, "");
}

// Redis skips the two bytes after a bulk unchecked; we reject anything but CRLF.
TEST(RequestParserErrors, BulkNotFollowedByCrlf) {
  const std::string e = "Protocol error: expected '\\r\\n' after bulk data";
  ExpectErrors({{"*1\r\n$3\r\nabcXY", e}, {"*1\r\n$3\r\nabc\n\r", e}, {"*1\r\n$3\r\nabcd\r\n", e}});
  EXPECT_EQ(FeedWhole("*1\r\n$3\r\nabc\r").error, "");  // incomplete, not wrong yet
}

TEST(RequestParserErrors, TooBigCountStrings) {
  ExpectErrors(
      {{"*1" + std::string(70000, '1'), "Protocol error: too big mbulk count string"},
       {"*1\r\n$1" + std::string(70000, '1'), "Protocol error: too big bulk count string"}});
  // Exactly at the limit: header lines of max_inline_len bytes without CR wait for more.
  ParserLimits limits;
  limits.max_inline_len = 8;
  EXPECT_EQ(FeedWhole("*1234567", limits).error, "");
  ExpectErrors({{"*12345678", "Protocol error: too big mbulk count string"},
                {"*1\r\n$abcdefg\r\n", "Protocol error: invalid bulk length"},  // the CR fits
                {"*1\r\n$12345678", "Protocol error: too big bulk count string"},
                // A long line is refused even when its CR has arrived (split-independent).
                {"*12345678\r\n", "Protocol error: too big mbulk count string"}},
               limits);
}

TEST(RequestParserErrors, TooBigInlineRequest) {
  const std::string e = "Protocol error: too big inline request";
  ExpectErrors({{std::string(70000, 'a'), e}, {"PING " + std::string(70000, ' '), e}});
  EXPECT_EQ(FeedWhole(std::string(65536, 'a')).error, "");  // at the limit: waits for more
  ParserLimits limits;
  limits.max_inline_len = 8;
  ExpectSameAtEverySplit("ECHO abc\n", {{"ECHO", "abc"}}, "", limits);
  ExpectSameAtEverySplit("ECHO ab\r\n", {{"ECHO", "ab"}}, "", limits);
  ExpectErrors({{"ECHO abcd", e}, {"ECHO abcd\n", e}, {"ECHO abc\r\n", e}}, limits);
}

TEST(RequestParserErrors, UnbalancedQuotes) {
  const std::string e = "Protocol error: unbalanced quotes in request";
  ExpectErrors({{"ECHO \"abc\r\n", e},
                {"ECHO \"abc\"def\r\n", e},
                {"ECHO 'abc\r\n", e},
                {"ECHO 'abc'def\n", e},
                {"ECHO \"abc\\\"\n", e},
                {"\"\n", e}});
  ExpectSameAtEverySplit("PING\r\nECHO 'x\r\n", {{"PING"}}, e);
}

TEST(RequestParserErrors, UnauthenticatedLimits) {
  ParserLimits unauth;
  unauth.unauthenticated = true;
  ExpectErrors({{"*11\r\n", "Protocol error: unauthenticated multibulk length"},
                {"*1\r\n$16385\r\n", "Protocol error: unauthenticated bulk length"},
                // Validity is checked first, as in Redis.
                {"*1\r\n$536870913\r\n", "Protocol error: invalid bulk length"},
                {"*2147483648\r\n", "Protocol error: invalid multibulk length"}},
               unauth);
  EXPECT_EQ(FeedWhole("*10\r\n", unauth).error, "");
  EXPECT_EQ(FeedWhole("*-1\r\n", unauth).error, "");
  EXPECT_EQ(FeedWhole("*1\r\n$16384\r\n", unauth).error, "");
  // Authenticated clients have no such limits.
  EXPECT_EQ(FeedWhole("*11\r\n").error, "");
  EXPECT_EQ(FeedWhole("*1\r\n$16385\r\n").error, "");
}

TEST(RequestParserErrors, QueryBufferLimit) {
  const std::string e = "Protocol error: client query buffer limit reached";
  ParserLimits limits;
  limits.max_query_buffer = 100;
  // 4 + 5 + 89 + 2 = 100 bytes: fits exactly.
  std::string fits = "*1\r\n$89\r\n" + std::string(89, 'x') + "\r\n";
  Command expected = {std::string(89, 'x')};
  ExpectSameAtEverySplit(fits, {expected}, "", limits);
  // One byte more fails as soon as the header is read, before any payload arrives.
  ExpectErrors({{"*1\r\n$90\r\n", e}}, limits);
  // The limit counts the whole command, not each bulk.
  ExpectErrors({{"*3\r\n$45\r\n" + std::string(45, 'x') + "\r\n$45\r\n", e}}, limits);
  // Each command is measured on its own: pipelining many small ones is fine.
  std::string many;
  for (int i = 0; i < 50; ++i) many += fits;
  EXPECT_EQ(FeedWhole(many, limits).commands.size(), 50u);
  ParserLimits big;
  big.max_query_buffer = 100000;
  EXPECT_EQ(Feed("*1\r\n$400000\r\n" + std::string(200000, 'x'), {16384}, big).error, e);
}

// A command that arrives whole is parsed in one pass (ParseWholeCommand); one arriving in pieces
// by the general path. At each limit, a whole command just inside it and one just past it must
// come out as the pieces do.
TEST(RequestParserErrors, WholeCommandsAtEachLimit) {
  auto command = [](size_t args, size_t bulk) {
    std::string out = "*" + std::to_string(args) + "\r\n";
    for (size_t i = 0; i < args; ++i) {
      out += "$" + std::to_string(bulk) + "\r\n" + std::string(bulk, 'x') + "\r\n";
    }
    return out;
  };
  auto expect = [](const std::string& input, size_t commands, const std::string& error,
                   const ParserLimits& limits) {
    SCOPED_TRACE(input.substr(0, 12));
    for (const auto& out : {FeedWhole(input, limits), Feed(input, {1}, limits),
                            Feed(input, {input.size() / 2, 4096}, limits)}) {
      EXPECT_EQ(out.commands.size(), commands);
      EXPECT_EQ(out.error, error);
    }
  };
  ParserLimits unauth;
  unauth.unauthenticated = true;
  expect(command(10, 1), 1, "", unauth);
  expect(command(11, 1), 0, "Protocol error: unauthenticated multibulk length", unauth);
  expect(command(1, 16384), 1, "", unauth);
  expect(command(1, 16385), 0, "Protocol error: unauthenticated bulk length", unauth);
  ParserLimits small;
  small.max_bulk_len = 8;
  small.max_multibulk_len = 3;
  expect(command(3, 8), 1, "", small);
  expect(command(1, 9), 0, "Protocol error: invalid bulk length", small);
  expect(command(4, 1), 0, "Protocol error: invalid multibulk length", small);
  ParserLimits buffer;
  buffer.max_query_buffer = 4 + 3 * 10;  // "*3", then three of "$4" and 4 bytes
  expect(command(3, 4), 1, "", buffer);
  expect(command(3, 5), 0, "Protocol error: client query buffer limit reached", buffer);
  ParserLimits short_lines;
  short_lines.max_inline_len = 2;  // "$4" fits, "$10" does not
  expect(command(1, 4), 1, "", short_lines);
  expect(command(1, 10), 0, "Protocol error: too big bulk count string", short_lines);
  // More arguments than the one pass takes, and lengths it leaves to the general path.
  ExpectSameAtEverySplit(command(17, 1), {Command(17, "x")});
  ExpectErrors({{"*1\r\n$04\r\nPING\r\n", "Protocol error: invalid bulk length"},
                {"*01\r\n$4\r\nPING\r\n", "Protocol error: invalid multibulk length"},
                {"*1\r\n$4\r\nPINGx\r\n", "Protocol error: expected '\\r\\n' after bulk data"}});
}

}  // namespace
}  // namespace kizuna::protocol
