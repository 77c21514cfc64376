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
  // The bar takes the width the text leaves: 80 - 44 - 3 = 33 cells, a quarter filled.
  EXPECT_EQ(FormatBar(s, 80), "[" + std::string(8, '#') + std::string(25, ' ') +
                                  "]  25%  100,000 rows  50,000 rows/s  ETA 0:06");
}

TEST(Progress, UnknownSizeHasNoPercentOrEta) {
  ProgressState s{1234567, 500, 0, 1.0};
  EXPECT_EQ(FormatLine(s), "progress: 1234567 rows, 1234567 rows/s");
  std::string bar = FormatBar(s, 80);
  EXPECT_EQ(bar.find('%'), std::string::npos);
  EXPECT_NE(bar.find("1,234,567 rows  1,234,567 rows/s"), std::string::npos);
}

TEST(Progress, BarFitsANarrowTerminal) {
  ProgressState s{10, 10, 100, 1.0};
  EXPECT_LE(FormatBar(s, 60).size(), 60u);
}

}  // namespace
}  // namespace kizuna::import
