#include "protocol/request_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace kizuna::protocol {
namespace {

using namespace std::string_literals;

using Command = std::vector<std::string>;
struct Outcome {
  std::vector<Command> commands;
  std::string error;  // empty: no error
};

// Feeds `input` in pieces of the given sizes (the last size repeats) and collects commands.
Outcome Feed(std::string_view input, std::vector<size_t> pieces, ParserLimits limits = {}) {
  RequestParser parser(limits);
  Outcome out;
  size_t fed = 0, piece = 0;
  while (fed < input.size()) {
    std::span<char> room = parser.PrepareRead();
    size_t n =
        std::min({pieces[std::min(piece, pieces.size() - 1)], input.size() - fed, room.size()});
    ++piece;
    std::memcpy(room.data(), input.data() + fed, n);
    parser.CommitRead(n);
    fed += n;
    RequestParser::Status st;
    while ((st = parser.Next()) == RequestParser::Status::kCommand) {
      out.commands.emplace_back(parser.args().begin(), parser.args().end());
    }
    if (st == RequestParser::Status::kError) {
      out.error = parser.error();
      return out;
    }
  }
  return out;
}

Outcome FeedWhole(std::string_view input, ParserLimits limits = {}) {
  return Feed(input, {input.size() + 1}, limits);
}

// Every split point, and one byte at a time, must give the same commands as one read.
void ExpectSameAtEverySplit(std::string_view input, const std::vector<Command>& expected) {
  Outcome whole = FeedWhole(input);
  ASSERT_EQ(whole.error, "");
  ASSERT_EQ(whole.commands, expected);
  EXPECT_EQ(Feed(input, {1}).commands, expected) << "byte at a time";
  for (size_t cut = 1; cut < input.size(); ++cut) {
    Outcome split = Feed(input, {cut, input.size()});
    EXPECT_EQ(split.error, "") << "cut at " << cut;
    EXPECT_EQ(split.commands, expected) << "cut at " << cut;
  }
}

TEST(RequestParser, Multibulk) {
  ExpectSameAtEverySplit("*1\r\n$4\r\nPING\r\n", {{"PING"}});
  ExpectSameAtEverySplit("*3\r\n$5\r\nEVENT\r\n$2\r\nc1\r\n$4\r\nview\r\n",
                         {{"EVENT", "c1", "view"}});
}

TEST(RequestParser, BinarySafeBulks) {
  std::string input = "*2\r\n$4\r\nECHO\r\n$6\r\na\r\n\0b\n\r\n"s;
  ExpectSameAtEverySplit(input, {{"ECHO", "a\r\n\0b\n"s}});
  ExpectSameAtEverySplit("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", {{"ECHO", ""}});
}

TEST(RequestParser, Inline) {
  ExpectSameAtEverySplit("PING\r\n", {{"PING"}});
  ExpectSameAtEverySplit("PING\n", {{"PING"}});
  ExpectSameAtEverySplit("ECHO \"a b\\x41\\n\" 'it\\'s'\r\n", {{"ECHO", "a bA\n", "it's"}});
  ExpectSameAtEverySplit("  SET   k\tv  \r\n", {{"SET", "k", "v"}});
}

TEST(RequestParser, EmptyCommandsAreSkipped) {
  ExpectSameAtEverySplit("\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n", {{"PING"}});
}

TEST(RequestParser, PipelinedMix) {
  std::string input;
  std::vector<Command> expected;
  for (int i = 0; i < 20; ++i) {
    input += "*2\r\n$4\r\nECHO\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" +
             std::to_string(i) + "\r\n";
    input += "PING\r\n";
    expected.push_back({"ECHO", std::to_string(i)});
    expected.push_back({"PING"});
  }
  ExpectSameAtEverySplit(input, expected);
}

TEST(RequestParser, ArgsStayValidAcrossManyReadsOfABigBulk) {
  std::string payload(300000, 'x');
  for (size_t i = 0; i < payload.size(); i += 7) payload[i] = static_cast<char>('a' + i % 26);
  std::string input = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(payload.size()) + "\r\n" +
                      payload + "\r\n*1\r\n$4\r\nPING\r\n";
  Outcome out = Feed(input, {1000});
  ASSERT_EQ(out.error, "");
  ASSERT_EQ(out.commands.size(), 2u);
  EXPECT_EQ(out.commands[0][2], payload);
  EXPECT_EQ(out.commands[1][0], "PING");
}

TEST(RequestParser, Errors) {
  struct Case {
    std::string input;
    std::string error;
  } cases[] = {
      {"*x\r\n", "Protocol error: invalid multibulk length"},
      {"*01\r\n", "Protocol error: invalid multibulk length"},
      {"*+1\r\n", "Protocol error: invalid multibulk length"},
      {"*99999999999999999999\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\nfoo\r\n", "Protocol error: expected '$', got 'f'"},
      {"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$abc\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$536870913\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$3\r\nabcXY", "Protocol error: expected '\\r\\n' after bulk data"},
      {"*1" + std::string(70000, '1'), "Protocol error: too big mbulk count string"},
      {"*1\r\n$1" + std::string(70000, '1'), "Protocol error: too big bulk count string"},
      {std::string(70000, 'a'), "Protocol error: too big inline request"},
      {"ECHO \"abc\r\n", "Protocol error: unbalanced quotes in request"},
      {"ECHO \"abc\"def\r\n", "Protocol error: unbalanced quotes in request"},
      {"ECHO 'abc\r\n", "Protocol error: unbalanced quotes in request"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FeedWhole(c.input).error, c.error) << c.input.substr(0, 40);
    EXPECT_EQ(Feed(c.input, {1}).error, c.error) << "byte at a time: " << c.input.substr(0, 40);
  }
}

TEST(RequestParser, CommandsBeforeAnErrorAreDelivered) {
  Outcome out = FeedWhole("PING\r\n*1\r\n$x\r\n");
  EXPECT_EQ(out.commands, std::vector<Command>{{"PING"}});
  EXPECT_EQ(out.error, "Protocol error: invalid bulk length");
}

TEST(RequestParser, UnauthenticatedLimits) {
  ParserLimits unauth;
  unauth.unauthenticated = true;
  std::string eleven = "*11\r\n";
  EXPECT_EQ(FeedWhole(eleven, unauth).error, "Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(FeedWhole("*10\r\n", unauth).error, "");
  EXPECT_EQ(FeedWhole("*1\r\n$16385\r\n", unauth).error,
            "Protocol error: unauthenticated bulk length");
  EXPECT_EQ(FeedWhole("*1\r\n$16384\r\n", unauth).error, "");
  EXPECT_EQ(FeedWhole(eleven).error, "");  // authenticated clients have no such limit
}

TEST(RequestParser, DeclaredBulkLengthReservesNothing) {
  RequestParser parser;
  std::string head = "*1\r\n$536870912\r\nabc";
  std::span<char> room = parser.PrepareRead();
  std::memcpy(room.data(), head.data(), head.size());
  parser.CommitRead(head.size());
  EXPECT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  for (int i = 0; i < 4; ++i) {
    room = parser.PrepareRead();
    std::memset(room.data(), 'x', 100);
    parser.CommitRead(100);
    EXPECT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  }
  EXPECT_LE(parser.buffer_capacity(), 4 * RequestParser::kMinReadSize);
}

TEST(RequestParser, QueryBufferLimit) {
  ParserLimits limits;
  limits.max_query_buffer = 100000;
  std::string input = "*1\r\n$400000\r\n" + std::string(200000, 'x');
  EXPECT_EQ(Feed(input, {16384}, limits).error,
            "Protocol error: client query buffer limit reached");
}

TEST(RequestParser, IdleBufferShrinks) {
  std::string payload(3 << 20, 'x');
  std::string input = "*1\r\n$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
  RequestParser parser;
  size_t fed = 0;
  while (fed < input.size()) {
    std::span<char> room = parser.PrepareRead();
    size_t n = std::min(room.size(), input.size() - fed);
    std::memcpy(room.data(), input.data() + fed, n);
    parser.CommitRead(n);
    fed += n;
    while (parser.Next() == RequestParser::Status::kCommand) {
    }
  }
  EXPECT_GT(parser.buffer_capacity(), payload.size());
  parser.PrepareRead();
  EXPECT_LE(parser.buffer_capacity(), 4 * RequestParser::kMinReadSize);
}

}  // namespace
}  // namespace kizuna::protocol
