// Steady-state parsing and reply writing allocate nothing: counted with a replaced global
// operator new that only counts while a test asks it to.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "protocol/reply_writer.h"
#include "protocol/request_parser.h"
#include "tests/allocation_counter.h"

namespace kizuna::protocol {
namespace {

// One read of pipelined commands of every form, ending inside a partial command.
size_t ParseOneRead(RequestParser& parser, std::string_view bytes) {
  std::span<char> room = parser.PrepareRead();
  std::memcpy(room.data(), bytes.data(), bytes.size());
  parser.CommitRead(bytes.size());
  size_t commands = 0;
  while (parser.Next() == RequestParser::Status::kCommand) commands += parser.args().size();
  return commands;
}

TEST(ProtocolAllocation, SteadyStateParsingAllocatesNothing) {
  std::string chunk = "c\r\n";  // completes the previous read's partial ECHO
  for (int i = 0; i < 16; ++i) chunk += "*1\r\n$4\r\nPING\r\n";
  chunk += "*3\r\n$5\r\nEVENT\r\n$2\r\nc1\r\n$4\r\nview\r\nECHO \"a b\" c\r\n\r\n*0\r\n";
  chunk += "*2\r\n$4\r\nECHO\r\n$3\r\nab";
  RequestParser parser;
  for (int i = 0; i < 3; ++i) ParseOneRead(parser, chunk);  // warm up
  size_t args = 0;
  EXPECT_EQ(CountAllocations([&] {
              for (int i = 0; i < 1000; ++i) args += ParseOneRead(parser, chunk);
            }),
            0u);
  EXPECT_EQ(args, 1000u * (2 + 16 + 3 + 3));
}

TEST(ProtocolAllocation, WritingIntoAWarmBufferAllocatesNothing) {
  ReplyBuffer out;
  auto write = [&] {
    out.clear();
    ReplyWriter w(&out, 3);
    for (int i = 0; i < 16; ++i) w.Simple("PONG");
    w.Map(4);
    for (int i = 0; i < 4; ++i) {
      w.Bulk("product");
      w.Double(i * 2.5);
    }
    w.Integer(-1234567890123);
    w.Verbatim("txt", "hello");
    w.Error("ERR syntax error");
  };
  write();
  EXPECT_EQ(CountAllocations([&] {
              for (int i = 0; i < 100; ++i) write();
            }),
            0u);
}

}  // namespace
}  // namespace kizuna::protocol
