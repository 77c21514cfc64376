#include "tools/import/jsonl_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tools/reader_test_util.h"

namespace kizuna::import {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Rows(const std::string& text) {
  return ReadAllChunkings<JsonLinesReader>(text);
}

std::string One(std::string line) {
  RawRow row;
  std::string error = ParseJsonObject(line.data(), line.size(), &row);
  if (!error.empty()) return "error: " + error;
  std::string out;
  for (int i = 0; i < kFieldCount; ++i) {
    if (i > 0) out += "|";
    out += row.fields[i] ? std::string(*row.fields[i]) : "-";
  }
  return out;
}

TEST(JsonLines, ObjectsPerLineNumbersAsWrittenNullAndEmptyAbsent) {
  EXPECT_THAT(
      Rows("{\"customer\":\"c1\",\"action\":\"view\",\"ts\":1000}\n"
           "\n"
           "  {\"ts\": \"1001\", \"action\": \"purchase\", \"customer\": 42, \"value\": 1.5e2,"
           " \"item\": null, \"id\": \"\"}\r\n"
           "{\"customer\":\"c3\",\"action\":\"visit\",\"ts\":2,\"id\":\"e-3\"}"),
      ElementsAre("line 1: c1|view|-|-|1000|-", "line 3: 42|purchase|-|1.5e2|1001|-",
                  "line 4: c3|visit|-|-|2|e-3"));
}

TEST(JsonLines, EscapesAreDecodedToUtf8) {
  EXPECT_EQ(One(R"({"customer":"a\"b\\c\/d\n\t","action":"x","item":"\u00e9\u65e5\ud83d\ude00"})"),
            "a\"b\\c/d\n\t|x|\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80|-|-|-");
}

TEST(JsonLines, OtherKeysAreSkippedWhateverTheirValue) {
  EXPECT_EQ(One(R"({"meta":{"a":[1,2,{"b":null}],"c":true},"customer":"c","action":"v","x":-0.5})"),
            "c|v|-|-|-|-");
}

TEST(JsonLines, BadLinesSayWhy) {
  EXPECT_EQ(One("[1]"),
            "error: invalid JSON at column 1: expected '{' (each line must be one "
            "JSON object)");
  EXPECT_EQ(One(R"({"customer":"c1" "action":"v"})"),
            "error: invalid JSON at column 18: expected ',' or '}'");
  EXPECT_EQ(One(R"({"customer":"c1"} x)"),
            "error: invalid JSON at column 19: unexpected text after the object");
  EXPECT_EQ(One(R"({"customer":"c1)"), "error: invalid JSON at column 16: unterminated string");
  EXPECT_EQ(One(R"({"customer":true})"), "error: 'customer' must be a string, a number or null");
  EXPECT_EQ(One(R"({"value":{"a":1}})"), "error: 'value' must be a string, a number or null");
  EXPECT_EQ(One(R"({"ts":01})"), "error: invalid JSON at column 8: bad number");
  EXPECT_EQ(One(R"({"customer":"a","customer":"b"})"), "error: key 'customer' appears twice");
  EXPECT_EQ(One(R"({"customer":"\x"})"),
            "error: invalid JSON at column 14: bad escape in a string");
  EXPECT_EQ(One(R"({"customer":"\ud83dx"})"),
            "error: invalid JSON at column 14: unpaired surrogate in \\u escape");
  EXPECT_EQ(One("{\"customer\":\"a\tb\"}"),
            "error: invalid JSON at column 15: control character inside a string");
  EXPECT_EQ(One(R"({"customer":"c1",})"),
            "error: invalid JSON at column 18: expected a quoted key");
  EXPECT_EQ(One(R"({"customer":"\u12G4"})"), "error: invalid JSON at column 14: bad \\u escape");
}

TEST(JsonLines, BadLineIsReportedAndReadingGoesOn) {
  EXPECT_THAT(Rows("{\"customer\":\"c1\",\"action\":\"v\",\"ts\":1}\n"
                   "not json\n"
                   "{\"customer\":\"c3\",\"action\":\"v\",\"ts\":3}\n"),
              ElementsAre("line 1: c1|v|-|-|1|-",
                          "line 2: error: invalid JSON at column 1: expected '{' (each line must "
                          "be one JSON object)",
                          "line 3: c3|v|-|-|3|-"));
}

}  // namespace
}  // namespace kizuna::import
