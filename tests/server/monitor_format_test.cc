#include "server/monitor_format.h"

#include <gtest/gtest.h>

#include <vector>

namespace kizuna::server {
namespace {

TEST(FormatMonitorLine, RedisLayoutWithEscapes) {
  std::vector<std::string_view> args = {"event", "c 1", std::string_view("a\r\n\0\"\\", 6)};
  EXPECT_EQ(FormatMonitorLine(1700000000123, "127.0.0.1:5000", args),
            "+1700000000.123000 [0 127.0.0.1:5000] \"event\" \"c 1\" \"a\\r\\n\\x00\\\"\\\\\"\r\n");
}

}  // namespace
}  // namespace kizuna::server
