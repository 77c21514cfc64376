#include "protocol/reply_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace kizuna::protocol {
namespace {

using namespace std::string_literals;

std::string Write(int resp, void (*fn)(ReplyWriter&)) {
  ReplyBuffer buf;
  ReplyWriter w(&buf, resp);
  fn(w);
  return std::string(buf.view());
}

TEST(ReplyWriter, ScalarsInBothProtocols) {
  auto scalars = [](ReplyWriter& w) {
    w.Simple("OK");
    w.Error("ERR bad\r\nthing");
    w.Integer(-42);
    w.Bulk(std::string_view("a\0b", 3));
    w.Double(2.5);
    w.Bool(true);
    w.Null();
    w.NullArray();
    w.BigNumber("12345678901234567890");
  };
  EXPECT_EQ(Write(3, scalars),
            "+OK\r\n-ERR bad  thing\r\n:-42\r\n$3\r\na\0b\r\n"
            ",2.5\r\n#t\r\n_\r\n_\r\n(12345678901234567890\r\n"s);
  EXPECT_EQ(Write(2, scalars),
            "+OK\r\n-ERR bad  thing\r\n:-42\r\n$3\r\na\0b\r\n"
            "$3\r\n2.5\r\n:1\r\n$-1\r\n*-1\r\n$20\r\n12345678901234567890\r\n"s);
}

TEST(ReplyWriter, Aggregates) {
  auto aggregates = [](ReplyWriter& w) {
    w.Map(1);
    w.Bulk("k");
    w.Set(2);
    w.Integer(1);
    w.Integer(2);
    w.Push(1);
    w.Array(0);
    w.Verbatim("txt", "hi");
  };
  EXPECT_EQ(Write(3, aggregates),
            "%1\r\n$1\r\nk\r\n~2\r\n:1\r\n:2\r\n>1\r\n*0\r\n=6\r\ntxt:hi\r\n");
  EXPECT_EQ(Write(2, aggregates), "*2\r\n$1\r\nk\r\n*2\r\n:1\r\n:2\r\n*1\r\n*0\r\n$2\r\nhi\r\n");
}

TEST(FormatDouble, ShortestForms) {
  char buf[32];
  auto f = [&](double v) { return std::string(buf, FormatDouble(v, buf)); };
  EXPECT_EQ(f(23), "23");
  EXPECT_EQ(f(2.5), "2.5");
  EXPECT_EQ(f(0.1), "0.1");
  EXPECT_EQ(f(-0.0), "-0");
  EXPECT_EQ(f(1e300), "1e+300");
  EXPECT_EQ(f(5e-324), "5e-324");
  EXPECT_EQ(f(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(f(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(f(std::nan("")), "nan");
}

TEST(FormatDouble, RoundTripsRandomDoubles) {
  std::mt19937_64 gen(7);
  char buf[32];
  for (int i = 0; i < 100000; ++i) {
    uint64_t bits = gen();
    double v;
    std::memcpy(&v, &bits, sizeof(v));
    if (!std::isfinite(v)) continue;
    size_t n = FormatDouble(v, buf);
    ASSERT_LE(n, 32u);
    EXPECT_EQ(std::strtod(std::string(buf, n).c_str(), nullptr), v);
  }
}

TEST(ReplyBuffer, ConsumeAndShrink) {
  ReplyBuffer b;
  b.Append("hello world");
  b.Consume(6);
  EXPECT_EQ(b.view(), "world");
  b.Consume(100);
  EXPECT_TRUE(b.empty());
  std::string big(1 << 20, 'x');
  b.Append(big);
  b.clear();
  b.ShrinkTo(4096);
  EXPECT_LE(b.capacity(), 4096u);
}

}  // namespace
}  // namespace kizuna::protocol
