#include "tools/import/progress.h"

#include <gtest/gtest.h>

namespace kizuna::import {
namespace {

TEST(Progress, DurationFormat) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(125), "2:05");
  EXPECT_EQ(FormatDuration(3725), "1:02:05");
}

TEST(Progress, LineWithKnownSizeHasPercentRateAndEta) {
  // 100,000 rows in 2 s is 50,000 rows/s; a quarter of the bytes in 2 s leaves 6 s.
  ProgressState s{100000, 250, 1000, 2.0};
  EXPECT_EQ(FormatLine(s), "progress: 100000 rows, 25%, 50000 rows/s, ETA 6s");
  // 80 columns leave 20 cells for the bar, a quarter filled.
  EXPECT_EQ(FormatBar(s, 80), "[" + std::string(5, '#') + std::string(15, ' ') +
                                  "]  25%  100,000 rows  50,000 rows/s  ETA 0:06");
}

TEST(Progress, UnknownSizeHasNoPercentOrEta) {
  ProgressState s{1234567, 500, 0, 1.0};
  EXPECT_EQ(FormatLine(s), "progress: 1234567 rows, 1234567 rows/s");
  std::string bar = FormatBar(s, 80);
  EXPECT_EQ(bar.find('%'), std::string::npos);
  EXPECT_NE(bar.find("1,234,567 rows  1,234,567 rows/s"), std::string::npos);
}

TEST(Progress, BarKeepsItsWidthAsNumbersGrowAndFitsATerminal) {
  ProgressState small{10, 10, 100, 1.0};
  ProgressState big{123456789, 99, 100, 3000.0};
  std::string a = FormatBar(small, 80), b = FormatBar(big, 80);
  EXPECT_EQ(a.find(']'), b.find(']'));
  EXPECT_LE(b.size(), 80u);
}

}  // namespace
}  // namespace kizuna::import
