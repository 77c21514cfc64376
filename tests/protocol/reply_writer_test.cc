// Every reply type, byte-exact, in RESP3 and RESP2.
#include "protocol/reply_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

namespace kizuna::protocol {
namespace {

using namespace std::string_literals;

struct Expected {
  std::string resp3;
  std::string resp2;
};

Expected Write(const std::function<void(ReplyWriter&)>& fn) {
  Expected out;
  for (int resp : {3, 2}) {
    ReplyBuffer buf;
    ReplyWriter w(&buf, resp);
    fn(w);
    (resp == 3 ? out.resp3 : out.resp2) = std::string(buf.view());
  }
  return out;
}

void ExpectWrites(const std::function<void(ReplyWriter&)>& fn, const std::string& resp3,
                  const std::string& resp2) {
  Expected got = Write(fn);
  EXPECT_EQ(got.resp3, resp3);
  EXPECT_EQ(got.resp2, resp2);
}

TEST(ReplyWriter, SimpleAndOk) {
  ExpectWrites([](ReplyWriter& w) { w.Simple("PONG"); }, "+PONG\r\n", "+PONG\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Simple(""); }, "+\r\n", "+\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Simple("a\r\nb"); }, "+a  b\r\n", "+a  b\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Ok(); }, "+OK\r\n", "+OK\r\n");
}

TEST(ReplyWriter, ErrorReplacesLineBreaks) {
  ExpectWrites([](ReplyWriter& w) { w.Error("ERR syntax error"); }, "-ERR syntax error\r\n",
               "-ERR syntax error\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Error("ERR bad\r\nthing\n"); }, "-ERR bad  thing \r\n",
               "-ERR bad  thing \r\n");
}

TEST(ReplyWriter, Integer) {
  ExpectWrites([](ReplyWriter& w) { w.Integer(0); }, ":0\r\n", ":0\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Integer(-42); }, ":-42\r\n", ":-42\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Integer(std::numeric_limits<int64_t>::min()); },
               ":-9223372036854775808\r\n", ":-9223372036854775808\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Integer(std::numeric_limits<int64_t>::max()); },
               ":9223372036854775807\r\n", ":9223372036854775807\r\n");
}

TEST(ReplyWriter, Bulk) {
  ExpectWrites([](ReplyWriter& w) { w.Bulk("hello"); }, "$5\r\nhello\r\n", "$5\r\nhello\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Bulk(std::string_view()); }, "$0\r\n\r\n", "$0\r\n\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Bulk("a\0\r\n"s); }, "$4\r\na\0\r\n\r\n"s,
               "$4\r\na\0\r\n\r\n"s);
  std::string big(100000, 'z');
  ExpectWrites([&](ReplyWriter& w) { w.Bulk(big); }, "$100000\r\n" + big + "\r\n",
               "$100000\r\n" + big + "\r\n");
}

TEST(ReplyWriter, Double) {
  ExpectWrites([](ReplyWriter& w) { w.Double(23); }, ",23\r\n", "$2\r\n23\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Double(-0.1); }, ",-0.1\r\n", "$4\r\n-0.1\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Double(std::numeric_limits<double>::infinity()); },
               ",inf\r\n", "$3\r\ninf\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Double(-std::numeric_limits<double>::infinity()); },
               ",-inf\r\n", "$4\r\n-inf\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Double(std::numeric_limits<double>::quiet_NaN()); },
               ",nan\r\n", "$3\r\nnan\r\n");
}

TEST(ReplyWriter, BoolAndNulls) {
  ExpectWrites([](ReplyWriter& w) { w.Bool(true); }, "#t\r\n", ":1\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Bool(false); }, "#f\r\n", ":0\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Null(); }, "_\r\n", "$-1\r\n");
  ExpectWrites([](ReplyWriter& w) { w.NullArray(); }, "_\r\n", "*-1\r\n");
}

TEST(ReplyWriter, Aggregates) {
  ExpectWrites([](ReplyWriter& w) { w.Array(0); }, "*0\r\n", "*0\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Array(12); }, "*12\r\n", "*12\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Map(0); }, "%0\r\n", "*0\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Map(3); }, "%3\r\n", "*6\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Set(2); }, "~2\r\n", "*2\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Push(3); }, ">3\r\n", "*3\r\n");
}

TEST(ReplyWriter, VerbatimAndBigNumber) {
  ExpectWrites([](ReplyWriter& w) { w.Verbatim("txt", "Some string"); },
               "=15\r\ntxt:Some string\r\n", "$11\r\nSome string\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Verbatim("mkd", ""); }, "=4\r\nmkd:\r\n", "$0\r\n\r\n");
  ExpectWrites([](ReplyWriter& w) { w.Verbatim("txt", "a\r\nb"); }, "=8\r\ntxt:a\r\nb\r\n",
               "$4\r\na\r\nb\r\n");
  // A malformed format still yields a well-framed reply.
  ExpectWrites([](ReplyWriter& w) { w.Verbatim("markdown", "x"); }, "=5\r\nmar:x\r\n",
               "$1\r\nx\r\n");
  ExpectWrites([](ReplyWriter& w) { w.BigNumber("3492890328409238509324850943850943825024385"); },
               "(3492890328409238509324850943850943825024385\r\n",
               "$43\r\n3492890328409238509324850943850943825024385\r\n");
  ExpectWrites([](ReplyWriter& w) { w.BigNumber("-12"); }, "(-12\r\n", "$3\r\n-12\r\n");
}

TEST(ReplyWriter, NestedReply) {
  // A SCORE-like map with a nested CUSTOMER-like part.
  ExpectWrites(
      [](ReplyWriter& w) {
        w.Map(3);
        w.Bulk("product");
        w.Double(2.5);
        w.Bulk("badges");
        w.Set(1);
        w.Bulk("vip");
        w.Bulk("last_purchase");
        w.Null();
      },
      "%3\r\n$7\r\nproduct\r\n,2.5\r\n$6\r\nbadges\r\n~1\r\n$3\r\nvip\r\n$13\r\nlast_purchase\r\n"
      "_\r\n",
      "*6\r\n$7\r\nproduct\r\n$3\r\n2.5\r\n$6\r\nbadges\r\n*1\r\n$3\r\nvip\r\n$13\r\n"
      "last_purchase\r\n$-1\r\n");
}

TEST(ReplyWriter, RawAndProtocolSwitch) {
  ReplyBuffer buf;
  ReplyWriter w(&buf, 2);
  EXPECT_EQ(w.resp(), 2);
  EXPECT_EQ(w.buffer(), &buf);
  w.Raw("+PONG\r\n");
  w.Null();
  w.set_resp(3);  // HELLO 3 mid-batch
  w.Null();
  EXPECT_EQ(buf.view(), "+PONG\r\n$-1\r\n_\r\n");
}

TEST(ReplyBuffer, AppendReserveCommit) {
  ReplyBuffer b;
  EXPECT_TRUE(b.empty());
  b.Append("ab");
  b.Append('c');
  b.Append("", 0);
  char* p = b.Reserve(1000);
  std::memcpy(p, "def", 3);
  b.Commit(3);
  EXPECT_EQ(b.view(), "abcdef");
  EXPECT_GE(b.capacity(), 1003u);
  std::string big(70000, 'q');
  b.Append(big);
  EXPECT_EQ(b.view(), "abcdef" + big);
}

TEST(ReplyBuffer, ConsumeAndShrink) {
  ReplyBuffer b;
  b.Append("hello world");
  b.Consume(6);
  EXPECT_EQ(b.view(), "world");
  b.Consume(100);
  EXPECT_TRUE(b.empty());
  b.Append(std::string(1 << 20, 'x'));
  b.ShrinkTo(4096);  // not empty: kept
  EXPECT_GE(b.capacity(), 1u << 20);
  b.clear();
  EXPECT_GE(b.capacity(), 1u << 20);  // clear keeps capacity
  b.ShrinkTo(4096);
  EXPECT_LE(b.capacity(), 4096u);
  b.Append("again");
  EXPECT_EQ(b.view(), "again");
}

}  // namespace
}  // namespace kizuna::protocol
