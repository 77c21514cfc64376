// The parser's buffer follows the bytes received, never a declared length.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "protocol/request_parser.h"

namespace kizuna::protocol {
namespace {

void Send(RequestParser& parser, std::string_view bytes) {
  while (!bytes.empty()) {
    std::span<char> room = parser.PrepareRead();
    size_t n = std::min(room.size(), bytes.size());
    std::memcpy(room.data(), bytes.data(), n);
    parser.CommitRead(n);
    bytes.remove_prefix(n);
  }
}

TEST(RequestParserMemory, DeclaredBulkLengthReservesNothing) {
  RequestParser parser;
  Send(parser, "*1\r\n$536870912\r\nabc");
  EXPECT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  for (int i = 0; i < 4; ++i) {
    Send(parser, std::string(100, 'x'));
    EXPECT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  }
  EXPECT_LE(parser.buffer_capacity(), 2 * RequestParser::kMinReadSize);
}

TEST(RequestParserMemory, ManyDeclaredArgumentsReserveNothing) {
  RequestParser parser;
  Send(parser, "*2147483647\r\n$1\r\nx\r\n");
  EXPECT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  EXPECT_LE(parser.buffer_capacity(), 2 * RequestParser::kMinReadSize);
}

TEST(RequestParserMemory, BufferGrowsWithReceivedBytes) {
  RequestParser parser;
  std::string head = "*1\r\n$10000000\r\n";
  Send(parser, head);
  size_t received = head.size();
  for (int i = 0; i < 40; ++i) {
    Send(parser, std::string(100000, 'x'));
    received += 100000;
    EXPECT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
    // Geometric growth: never more than twice what is held, plus one read's room.
    EXPECT_LE(parser.buffer_capacity(), 2 * received + 2 * RequestParser::kMinReadSize);
  }
}

TEST(RequestParserMemory, BigBufferIsReleasedAfterTheCommand) {
  std::string payload(3 << 20, 'x');
  RequestParser parser;
  Send(parser, "*1\r\n$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\nPIN");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.args()[0].size(), payload.size());
  EXPECT_GT(parser.buffer_capacity(), payload.size());
  EXPECT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  parser.PrepareRead();  // only "PIN" is live: back to a small buffer
  EXPECT_LE(parser.buffer_capacity(), 4 * RequestParser::kMinReadSize);
  std::span<char> room = parser.PrepareRead();
  room[0] = 'G';
  room[1] = '\n';
  parser.CommitRead(2);
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.args()[0], "PING");
}

TEST(RequestParserMemory, ShrinkIfIdle) {
  RequestParser parser;
  Send(parser, "PING\r\n*1\r\n");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  ASSERT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  parser.ShrinkIfIdle();  // a partial command is held: kept
  EXPECT_GT(parser.buffer_capacity(), 0u);
  Send(parser, "$4\r\nPING\r\n");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  ASSERT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  parser.ShrinkIfIdle();
  EXPECT_EQ(parser.buffer_capacity(), 0u);
  Send(parser, "PING\n");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
}

}  // namespace
}  // namespace kizuna::protocol
