// FormatDouble: the shortest text that parses back to the same double.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "protocol/reply_writer.h"

namespace kizuna::protocol {
namespace {

std::string Format(double v) {
  char buf[32];
  size_t n = FormatDouble(v, buf);
  EXPECT_LE(n, 32u);
  return std::string(buf, n);
}

// printf's %g text with the fewest significant digits that round-trips.
std::string ShortestPrintf(double v) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void ExpectShortestRoundTrip(double v) {
  std::string s = Format(v);
  ASSERT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  EXPECT_EQ(std::signbit(std::strtod(s.c_str(), nullptr)), std::signbit(v)) << s;
  if (std::abs(v) <= 0x1p62 && v == std::trunc(v)) {
    // Integral: the exact integer, as Redis prints it.
    EXPECT_EQ(s, std::to_string(static_cast<int64_t>(v))) << s;
    return;
  }
  // Never longer than the best %g form (to_chars may pick plain digits where %g needs an
  // exponent: 1428547813435902208 rather than 1.4285478134359022e+18).
  EXPECT_LE(s.size(), ShortestPrintf(v).size()) << s;
}

TEST(FormatDouble, FixedCases) {
  EXPECT_EQ(Format(23), "23");
  EXPECT_EQ(Format(2.5), "2.5");
  EXPECT_EQ(Format(0.1), "0.1");
  EXPECT_EQ(Format(-0.0), "-0");
  EXPECT_EQ(Format(0.0), "0");
  EXPECT_EQ(Format(1e300), "1e+300");
  EXPECT_EQ(Format(1e6), "1000000");  // Redis prints integral values as integers, not 1e+06
  EXPECT_EQ(Format(-1e15), "-1000000000000000");
  EXPECT_EQ(Format(0x1p62), "4611686018427387904");  // Redis's bound for the integer form
  EXPECT_EQ(Format(1e20), "1e+20");                  // above it: shortest form
  EXPECT_EQ(Format(0.00001), "1e-05");
  EXPECT_EQ(Format(5e-324), "5e-324");
  EXPECT_EQ(Format(-1.5), "-1.5");
  EXPECT_EQ(Format(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(Format(123456789012), "123456789012");
  EXPECT_EQ(Format(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(Format(-std::numeric_limits<double>::min()), "-2.2250738585072014e-308");
  EXPECT_EQ(Format(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(Format(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(Format(std::nan("")), "nan");
  EXPECT_EQ(Format(-std::nan("")), "nan");
}

TEST(FormatDouble, RandomBitPatternsRoundTripShortest) {
  std::mt19937_64 gen(7);
  for (int i = 0; i < 50000; ++i) {
    uint64_t bits = gen();
    double v;
    std::memcpy(&v, &bits, sizeof(v));
    if (!std::isfinite(v)) continue;
    ExpectShortestRoundTrip(v);
  }
}

TEST(FormatDouble, RandomIntegralValuesPrintAsIntegers) {
  std::mt19937_64 gen(3);
  for (int i = 0; i < 20000; ++i) {
    int64_t n = static_cast<int64_t>(gen() >> (2 + gen() % 62)) * (gen() % 2 ? 1 : -1);
    ExpectShortestRoundTrip(static_cast<double>(n));
  }
}

TEST(FormatDouble, RandomScoresRoundTripShortest) {
  // Values like real scores: sums of small decimals, halvings from decay.
  std::mt19937_64 gen(11);
  std::uniform_int_distribution<int> points(-1000, 1000);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 50000; ++i) {
    double v = points(gen) / 10.0 + points(gen) / 100.0;
    ExpectShortestRoundTrip(v);
    ExpectShortestRoundTrip(v * std::exp2(-unit(gen) * 30));
  }
}

std::string ToChars(double v) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + 32, v).ptr);
}

// The few-decimals fast path must print exactly what std::to_chars prints: decimals with up to
// four places across magnitudes, and the doubles a few ulps around them (which must not).
TEST(FormatDouble, FewDecimalsMatchToChars) {
  std::mt19937_64 gen(5);
  for (int i = 0; i < 200000; ++i) {
    int places = 1 + static_cast<int>(gen() % 4);
    int64_t n = static_cast<int64_t>(gen() % 1000000000000000ull) >> (gen() % 50);
    double v = static_cast<double>(n) / std::pow(10.0, places) * (gen() % 2 ? 1 : -1);
    for (double w : {v, std::nextafter(v, 0.0), std::nextafter(v, 1e300),
                     std::nextafter(std::nextafter(v, -1e300), -1e300)}) {
      if (w == std::trunc(w)) continue;  // integers take the integer path
      ASSERT_EQ(Format(w), ToChars(w)) << w;
    }
  }
  for (double v : {0.001, 0.0015, 0.0001, 99999999999.5, 100000000000.5, 0.1, 0.7, 1.0001}) {
    EXPECT_EQ(Format(v), ToChars(v));
  }
}

}  // namespace
}  // namespace kizuna::protocol
