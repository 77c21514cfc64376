// Valid input: every form, split at every byte boundary.
#include "protocol/request_parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "parser_feeder.h"

namespace kizuna::protocol {
namespace {

using namespace std::string_literals;
using testing::Command;
using testing::ExpectSameAtEverySplit;
using testing::Feed;
using testing::FeedWhole;
using testing::Outcome;

std::string Multibulk(const Command& args) {
  // Built with append: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string.
  std::string out;
  out.append("*").append(std::to_string(args.size())).append("\r\n");
  for (const std::string& a : args) {
    out.append("$").append(std::to_string(a.size())).append("\r\n").append(a).append("\r\n");
  }
  return out;
}

TEST(RequestParser, Multibulk) {
  ExpectSameAtEverySplit("*1\r\n$4\r\nPING\r\n", {{"PING"}});
  ExpectSameAtEverySplit("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n", {{"ECHO", "hello"}});
}

TEST(RequestParser, EventLikeCommandWithSevenArguments) {
  Command event = {"EVENT", "customer:42", "purchase", "ITEM", "product:A", "VALUE", "19.99"};
  ExpectSameAtEverySplit(Multibulk(event), {event});
}

TEST(RequestParser, BinarySafeBulks) {
  ExpectSameAtEverySplit("*2\r\n$4\r\nECHO\r\n$6\r\na\r\n\0b\n\r\n"s, {{"ECHO", "a\r\n\0b\n"s}});
  ExpectSameAtEverySplit("*2\r\n$4\r\nECHO\r\n$2\r\n\r\n\r\n", {{"ECHO", "\r\n"}});
  ExpectSameAtEverySplit("*1\r\n$3\r\n*1\r\r\n", {{"*1\r"}});
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes += static_cast<char>(c);
  Outcome out = Feed(Multibulk({"SET", "k", all_bytes}), {1});
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.commands, (std::vector<Command>{{"SET", "k", all_bytes}}));
}

TEST(RequestParser, EmptyBulks) {
  ExpectSameAtEverySplit("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", {{"ECHO", ""}});
  ExpectSameAtEverySplit("*1\r\n$0\r\n\r\n", {{""}});  // one empty argument is still a command
}

TEST(RequestParser, EmptyMultibulkIsSkipped) {
  ExpectSameAtEverySplit("*0\r\n*1\r\n$4\r\nPING\r\n", {{"PING"}});
  ExpectSameAtEverySplit("*-1\r\n*-5\r\nPING\r\n*0\r\n", {{"PING"}});
  ExpectSameAtEverySplit("*0\r\n", {});
}

TEST(RequestParser, Inline) {
  ExpectSameAtEverySplit("PING\r\n", {{"PING"}});
  ExpectSameAtEverySplit("PING\n", {{"PING"}});
  ExpectSameAtEverySplit("ECHO hello world\r\n", {{"ECHO", "hello", "world"}});
  ExpectSameAtEverySplit("  SET   k\tv  \r\n", {{"SET", "k", "v"}});
  ExpectSameAtEverySplit("ECHO a\rb\r\n", {{"ECHO", "a", "b"}});  // a lone CR separates
  ExpectSameAtEverySplit("$4\r\n", {{"$4"}});                     // not '*': an inline command
}

TEST(RequestParser, QuotedInline) {
  ExpectSameAtEverySplit("ECHO \"a b\\x41\\n\" 'it\\'s'\r\n", {{"ECHO", "a bA\n", "it's"}});
  ExpectSameAtEverySplit("SET \"\" ''\r\n", {{"SET", "", ""}});
  ExpectSameAtEverySplit("ECHO \"\\r\\n\\t\\b\\a\\\\\\\"\"\n", {{"ECHO", "\r\n\t\b\a\\\""}});
  ExpectSameAtEverySplit("ECHO \"\\x00\\xff\"\n", {{"ECHO", "\0\xff"s}});
}

TEST(RequestParser, BlankInlineLinesAreSkipped) {
  ExpectSameAtEverySplit("\r\n\n   \r\n\t \n*0\r\nPING\r\n", {{"PING"}});
  ExpectSameAtEverySplit("\n\n\n", {});
}

TEST(RequestParser, PipelinedMix) {
  std::string input;
  std::vector<Command> expected;
  for (int i = 0; i < 12; ++i) {
    Command echo = {"ECHO", std::to_string(i * 7919)};
    input += Multibulk(echo) + "PING\r\n" + (i % 3 == 0 ? "*0\r\n\r\n" : "");
    input += "SET k \"v " + std::to_string(i) + "\"\n";
    expected.push_back(echo);
    expected.push_back({"PING"});
    expected.push_back({"SET", "k", "v " + std::to_string(i)});
  }
  ExpectSameAtEverySplit(input, expected);
}

TEST(RequestParser, ManyPipelinedCommandsInOneRead) {
  std::string input;
  for (int i = 0; i < 1000; ++i) input += "*1\r\n$4\r\nPING\r\n";
  Outcome out = FeedWhole(input);
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.commands.size(), 1000u);
  out = Feed(input, {7, 13, 4096});
  EXPECT_EQ(out.commands.size(), 1000u);
}

TEST(RequestParser, CommandsBeforeAnErrorAreDelivered) {
  ExpectSameAtEverySplit("PING\r\n*1\r\n$x\r\n", {{"PING"}}, "Protocol error: invalid bulk length");
}

TEST(RequestParser, ArgsStayValidAcrossManyReadsOfABigBulk) {
  std::string payload(300000, 'x');
  for (size_t i = 0; i < payload.size(); i += 7) payload[i] = static_cast<char>('a' + i % 26);
  std::string input = "PING\r\n" + Multibulk({"SET", "k", payload}) + "*1\r\n$4\r\nPING\r\n";
  for (size_t read : {1000u, 4097u, 65536u}) {
    Outcome out = Feed(input, {read});
    ASSERT_EQ(out.error, "");
    ASSERT_EQ(out.commands.size(), 3u);
    EXPECT_EQ(out.commands[1], (Command{"SET", "k", payload}));
    EXPECT_EQ(out.commands[2], Command{"PING"});
    EXPECT_FALSE(out.arg_outside_buffer);
  }
}

TEST(RequestParser, ArgsAreViewsIntoTheBufferUntilPrepareRead) {
  RequestParser parser;
  std::string input = "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\nPING\r\n";
  std::span<char> room = parser.PrepareRead();
  std::memcpy(room.data(), input.data(), input.size());
  parser.CommitRead(input.size());
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.args()[1].data(), room.data() + 18);  // no copy
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.args()[0], "PING");
  EXPECT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  parser.PrepareRead();
  EXPECT_TRUE(parser.args().empty());
}

TEST(RequestParser, LimitsMayChangeBetweenCommands) {
  // As after a pipelined AUTH: the next command is parsed under the new limits.
  ParserLimits unauth;
  unauth.unauthenticated = true;
  RequestParser parser(unauth);
  std::string input = "AUTH pw\r\n*11\r\n";
  for (int i = 0; i < 11; ++i) input += "$1\r\nx\r\n";
  std::span<char> room = parser.PrepareRead();
  std::memcpy(room.data(), input.data(), input.size());
  parser.CommitRead(input.size());
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.args()[0], "AUTH");
  parser.set_limits(ParserLimits{});
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.args().size(), 11u);
}

TEST(RequestParser, PendingBytesCountsThePartialCommand) {
  RequestParser parser;
  std::string input = "PING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhe";
  std::span<char> room = parser.PrepareRead();
  std::memcpy(room.data(), input.data(), input.size());
  parser.CommitRead(input.size());
  EXPECT_EQ(parser.pending_bytes(), input.size());
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.pending_bytes(), input.size() - 6);
  EXPECT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  EXPECT_EQ(parser.pending_bytes(), input.size() - 6);  // parsed, but not yet a command
}

}  // namespace
}  // namespace kizuna::protocol

namespace kizuna::protocol {
namespace {

void Receive(RequestParser& parser, const std::string& bytes) {
  std::span<char> room = parser.PrepareRead();
  ASSERT_GE(room.size(), bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  parser.CommitRead(bytes.size());
}

TEST(RequestParserPeek, SeesTheCompleteCommandsBehindTheLastOne) {
  RequestParser parser;
  std::string partial = Multibulk({"EVENT", "c4", "view"});
  Receive(parser, Multibulk({"EVENT", "c1", "view"}) + Multibulk({"score", "c2"}) +
                      Multibulk({"CUSTOMER", "c3"}) + partial.substr(0, partial.size() - 3));
  std::string_view names[4], keys[4];
  EXPECT_EQ(parser.Peek(4, names, keys), 3u);  // before the first Next too
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  ASSERT_EQ(parser.Peek(4, names, keys), 2u);  // the fourth is incomplete
  EXPECT_EQ(names[0], "score");
  EXPECT_EQ(keys[0], "c2");
  EXPECT_EQ(names[1], "CUSTOMER");
  EXPECT_EQ(keys[1], "c3");
  EXPECT_EQ(parser.Peek(1, names, keys), 1u);
  // Peeking consumes nothing.
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.args()[1], "c2");
}

TEST(RequestParserPeek, PeekAtReadsOneCommandAndMovesPastIt) {
  RequestParser parser;
  Receive(parser, Multibulk({"EVENT", "c1", "view"}) + Multibulk({"score", "c2"}) + "PING\r\n");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  size_t at = parser.peek_start();
  std::string_view name = "unset", key = "unset";
  ASSERT_TRUE(parser.PeekAt(&at, &name, &key));
  EXPECT_EQ(name, "score");
  EXPECT_EQ(key, "c2");
  size_t after_score = at;
  // At the inline PING it stops, and leaves the position and views as they were.
  EXPECT_FALSE(parser.PeekAt(&at, &name, &key));
  EXPECT_EQ(at, after_score);
  EXPECT_EQ(key, "c2");
  // A position behind the parser's is not read (its bytes belong to a parsed command).
  size_t behind = 0;
  EXPECT_FALSE(parser.PeekAt(&behind, &name, &key));
  uint64_t version = parser.layout_version();
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.peek_start(), after_score);
  EXPECT_EQ(parser.layout_version(), version);  // parsing moves nothing
  parser.PrepareRead();
  EXPECT_NE(parser.layout_version(), version);
}

TEST(RequestParserPeek, StopsAtWhatItDoesNotRead) {
  std::string_view names[2], keys[2];
  const std::string event = Multibulk({"EVENT", "c1", "view"});
  // Complete and well formed, but with more arguments than Peek looks at.
  Command many(RequestParser::kPeekMaxArgs + 1, "x");
  many[0] = "EVENT";
  for (const std::string& behind : {"PING\r\n"s,                     // inline
                                    Multibulk({"PING"}),             // one argument
                                    "*2\r\n$5\r\nSCORE\r\n$x\r\n"s,  // bad length
                                    // A length that wraps to 2 in 64 bits: read without the digit
                                    // limit, "c1" would pass for the key.
                                    "*2\r\n$5\r\nSCORE\r\n$18446744073709551618\r\nc1\r\n"s,
                                    Multibulk(many),                     // too many arguments
                                    "*2\r\n$5\r\nSCORE\r\n$2\r\nc"s}) {  // incomplete
    RequestParser parser;
    Receive(parser, event + behind);
    ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
    EXPECT_EQ(parser.Peek(2, names, keys), 0u) << behind;
  }
  // In the middle of a partial command there is nothing behind it yet.
  RequestParser parser;
  Receive(parser, event.substr(0, 10));
  ASSERT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  EXPECT_EQ(parser.Peek(2, names, keys), 0u);
}

}  // namespace
}  // namespace kizuna::protocol
