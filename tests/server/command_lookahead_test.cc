#include "server/command_lookahead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "store/strings.h"

namespace kizuna::server {
namespace {

using protocol::RequestParser;

std::string Multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

void Receive(RequestParser& parser, const std::string& bytes) {
  std::span<char> room = parser.PrepareRead();
  ASSERT_GE(room.size(), bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  parser.CommitRead(bytes.size());
}

// "key/r" per command ahead, r when it reads a customer.
std::string Shown(std::span<const CommandLookahead::Command> ahead) {
  std::string out;
  for (const auto& c : ahead) out += std::string(c.key) + (c.reads_customer ? "/r " : " ");
  return out;
}

TEST(CommandLookahead, FollowsTheParserOneCommandAtATime) {
  RequestParser parser;
  CommandLookahead lookahead;
  Receive(parser, Multibulk({"EVENT", "c1", "view"}) + Multibulk({"score", "c2"}) +
                      Multibulk({"SET", "k", "v"}) + Multibulk({"Customer", "c4"}) +
                      Multibulk({"EVENT", "c5", "view"}));
  const char* expected[] = {"c2/r k c4/r ", "k c4/r c5/r ", "c4/r c5/r ", "c5/r ", ""};
  for (const char* e : expected) {
    ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
    EXPECT_EQ(Shown(lookahead.Advance(parser)), e) << parser.args()[1];
  }
}

TEST(CommandLookahead, KnowsTheCustomerCommandsInAnyCaseAndNothingElse) {
  RequestParser parser;
  CommandLookahead lookahead;
  // Names that begin alike, longer or shorter, or one byte off: "EVEN\x14" differs from
  // "EVENT" in bit 6 of its last byte (a case fold that cleared bit 6 too would match it).
  Receive(parser, Multibulk({"PING", "x"}) + Multibulk({"eVeNt", "c1", "view"}) +
                      Multibulk({"SCORe", "c2"}) + Multibulk({"cUSTOMEr", "c3"}) +
                      Multibulk({"EVENS", "a"}) + Multibulk({std::string("EVEN\x14"), "b"}) +
                      Multibulk({"SCORES", "c"}) + Multibulk({"SCOR", "d"}) +
                      Multibulk({"CUSTOMERS", "e"}) + Multibulk({"CUSTOMEX", "f"}));
  for (const char* e :
       {"c1/r c2/r c3/r ", "c2/r c3/r a ", "c3/r a b ", "a b c ", "b c d ", "c d e ", "d e f "}) {
    ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
    EXPECT_EQ(Shown(lookahead.Advance(parser)), e) << parser.args()[1];
  }
}

TEST(CommandLookahead, StopsWhereAPeekStopsAndGoesOnOnceItCan) {
  RequestParser parser;
  CommandLookahead lookahead;
  std::string last = Multibulk({"EVENT", "c4", "view"});
  // A one-argument command stops the look; so does an incomplete one.
  Receive(parser, Multibulk({"EVENT", "c1", "view"}) + Multibulk({"SCORE", "c2"}) +
                      Multibulk({"PING"}) + Multibulk({"SCORE", "c3"}) + last.substr(0, 9));
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(Shown(lookahead.Advance(parser)), "c2/r ");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(Shown(lookahead.Advance(parser)), "");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);  // PING
  EXPECT_EQ(Shown(lookahead.Advance(parser)), "c3/r ");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(Shown(lookahead.Advance(parser)), "");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kNeedMore);
  // The rest arrives: the buffer moves, and what was peeked before is not trusted.
  Receive(parser, last.substr(9) + Multibulk({"SCORE", "c5"}));
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(parser.args()[1], "c4");
  EXPECT_EQ(Shown(lookahead.Advance(parser)), "c5/r ");
}

TEST(CommandLookahead, ForgetsWhatItPeekedWhenTheBufferMoves) {
  RequestParser parser;
  CommandLookahead lookahead;
  Receive(parser, Multibulk({"EVENT", "c1", "view"}) + Multibulk({"SCORE", "c2"}) +
                      Multibulk({"SCORE", "c3"}));
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(Shown(lookahead.Advance(parser)), "c2/r c3/r ");
  // A read before the rest is parsed moves the unparsed commands to the buffer's front:
  // positions kept from before would point into other bytes.
  Receive(parser, Multibulk({"SCORE", "c4"}));
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(Shown(lookahead.Advance(parser)), "c3/r c4/r ");
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  EXPECT_EQ(Shown(lookahead.Advance(parser)), "c4/r ");
}

// Against RequestParser::Peek, which looks afresh every time: random pipelines of peekable
// and unpeekable commands, arriving in reads of random sizes, and reads that come before the
// buffered commands have all run (as when a session stops for flow control).
TEST(CommandLookahead, AgreesWithAFreshPeekAfterEveryCommand) {
  std::mt19937 rng(12345);
  const std::vector<std::string> kinds[] = {
      {"EVENT", "c", "view"}, {"score", "c"}, {"CUSTOMER", "c"},
      {"SET", "k", "v"},      {"PING"},       {"ECHO", "x"}};
  for (int trial = 0; trial < 200; ++trial) {
    std::string input;
    for (int i = 0; i < 40; ++i) {
      std::vector<std::string> command = kinds[rng() % 6];
      if (command.size() > 1) command[1] += std::to_string(rng() % 1000);
      input += rng() % 8 == 0 ? command[0] + "\r\n" : Multibulk(command);  // some inline
    }
    RequestParser parser;
    CommandLookahead lookahead;
    size_t fed = 0, commands = 0, hashes_given = 0;
    for (int reads = 0; commands < 40; ++reads) {
      ASSERT_LT(reads, 10000) << "the parser stopped returning commands";
      size_t n = std::min<size_t>(input.size() - fed, 1 + rng() % 120);
      Receive(parser, input.substr(fed, n));
      fed += n;
      while (true) {
        bool read_first = fed < input.size() && rng() % 4 == 0;  // before the rest runs
        if (read_first || parser.Next() != RequestParser::Status::kCommand) break;
        ++commands;
        std::span<const CommandLookahead::Command> ahead = lookahead.Advance(parser);
        std::string_view names[3], keys[3];
        size_t want = parser.Peek(3, names, keys);
        ASSERT_EQ(ahead.size(), want) << "trial " << trial << " command " << commands;
        for (size_t i = 0; i < want; ++i) {
          EXPECT_EQ(ahead[i].key, keys[i]);
          bool customer = names[i] == "EVENT" || names[i] == "score" || names[i] == "CUSTOMER";
          EXPECT_EQ(ahead[i].reads_customer, customer) << names[i];
          if (customer) EXPECT_EQ(ahead[i].key_hash, store::HashBytes(keys[i]));
        }
        // The running command's hash, when given, is its key's.
        if (parser.args().size() > 1) {
          std::string_view key = parser.args()[1];
          if (auto hash = lookahead.CurrentKeyHash(parser, key)) {
            EXPECT_EQ(*hash, store::HashBytes(key));
            ++hashes_given;
          }
        }
      }
    }
    EXPECT_EQ(commands, 40u);
    EXPECT_GT(hashes_given, 0u);
  }
}

TEST(CommandLookahead, GivesTheRunningCommandsHashOnlyForItsOwnKeyWhereItWasPeeked) {
  RequestParser parser;
  CommandLookahead lookahead;
  Receive(parser, Multibulk({"EVENT", "c1", "view"}) + Multibulk({"SCORE", "c2"}) +
                      Multibulk({"SET", "c3", "v"}) + Multibulk({"SCORE", "c4"}));
  // The first command of a read was not peeked: its lookup hashes the id itself.
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  lookahead.Advance(parser);
  EXPECT_EQ(lookahead.CurrentKeyHash(parser, parser.args()[1]), std::nullopt);
  // The second was: its key's hash, for that view alone (the same bytes elsewhere are not it).
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  lookahead.Advance(parser);
  EXPECT_EQ(lookahead.CurrentKeyHash(parser, parser.args()[1]), store::HashBytes("c2"));
  const std::string copy = "c2";
  EXPECT_EQ(lookahead.CurrentKeyHash(parser, copy), std::nullopt);
  // After a read the parser's bytes may have moved: the same place is no longer that id.
  const std::string_view c2 = parser.args()[1];
  Receive(parser, Multibulk({"PING"}));
  EXPECT_EQ(lookahead.CurrentKeyHash(parser, c2), std::nullopt);
  // Not a customer command: no hash.
  ASSERT_EQ(parser.Next(), RequestParser::Status::kCommand);
  lookahead.Advance(parser);
  EXPECT_EQ(lookahead.CurrentKeyHash(parser, parser.args()[1]), std::nullopt);
}

}  // namespace
}  // namespace kizuna::server
