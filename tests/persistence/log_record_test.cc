#include "store/persistence/log_record.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kizuna::store {
namespace {

using namespace std::string_literals;

std::string Encode(std::vector<std::string_view> args) {
  std::string out;
  AppendRecord(args, &out);
  return out;
}

TEST(LogRecord, RoundTripsBinaryArguments) {
  std::string binary = "c\0\r\n1"s, big(300, 'x');
  std::vector<std::string_view> in = {"EVENT", binary, "", big};
  std::string bytes = Encode(in);
  std::vector<std::string_view> out;
  size_t consumed = 0;
  std::string error;
  ASSERT_EQ(DecodeRecord(bytes, &out, &consumed, &error), DecodeStatus::kRecord) << error;
  EXPECT_EQ(consumed, bytes.size());
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], in[i]);
}

TEST(LogRecord, EveryTruncationNeedsMore) {
  std::string bytes = Encode({"EVENT", "c1", "view"});
  std::vector<std::string_view> out;
  size_t consumed;
  std::string error;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_EQ(DecodeRecord(std::string_view(bytes).substr(0, cut), &out, &consumed, &error),
              DecodeStatus::kNeedMore)
        << "cut at " << cut;
  }
}

TEST(LogRecord, EveryFlippedByteIsCorruptNeverAccepted) {
  std::string bytes = Encode({"EVENT", "c1", "view", "VALUE", "12.5"});
  std::vector<std::string_view> out;
  size_t consumed;
  std::string error;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t bit : {0x01, 0x80}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      DecodeStatus st = DecodeRecord(bad, &out, &consumed, &error);
      // A damaged length may look like "more to come" only if the header check still passed,
      // which the header checksum prevents: every flip must be reported as corruption.
      EXPECT_EQ(st, DecodeStatus::kCorrupt) << "byte " << i << " bit " << int(bit);
    }
  }
}

}  // namespace
}  // namespace kizuna::store
