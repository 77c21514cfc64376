#include "tools/import/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tools/reader_test_util.h"

namespace kizuna::import {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Rows(const std::string& text) { return ReadAllChunkings<CsvReader>(text); }

TEST(CsvReader, PlainRowsInHeaderOrderWithOptionalColumnsAbsentWhenEmpty) {
  EXPECT_THAT(
      Rows("ts,customer,action,item,value,id\n"
           "1000,c1,view,product:A,,e1\n"
           "1001,c2,purchase,,120.5,\n"),
      ElementsAre("line 2: c1|view|product:A|-|1000|e1", "line 3: c2|purchase|-|120.5|1001|-"));
}

TEST(CsvReader, HeaderNamesIgnoreCaseAndSpacesAndUnknownColumnsAreSkipped) {
  EXPECT_THAT(Rows(" Customer ,ACTION,note,Ts\nc1,view,anything,5\n"),
              ElementsAre("line 2: c1|view|-|-|5|-"));
}

TEST(CsvReader, Rfc4180QuotingCommasQuotesAndNewlines) {
  EXPECT_THAT(Rows("customer,action,item,ts\r\n"
                   "\"c,1\",view,\"say \"\"hi\"\"\",1\r\n"
                   "c2,view,\"two\r\nlines\",2\r\n"
                   "\"\",view,x,3\r\n"
                   "c4,view,\"\",4\r\n"),
              ElementsAre("line 2: c,1|view|say \"hi\"|-|1|-", "line 3: c2|view|two\r\nlines|-|2|-",
                          // A quoted empty field is as absent as an unquoted one.
                          "line 5: -|view|x|-|3|-", "line 6: c4|view|-|-|4|-"));
}

TEST(CsvReader, LineNumbersCountBlankLinesAndQuotedNewlines) {
  EXPECT_THAT(Rows("customer,action,ts\n\nc1,view,1\n\"a\nb\nc\",view,2\n\r\nc3,view,3"),
              ElementsAre("line 3: c1|view|-|-|1|-", "line 4: a\nb\nc|view|-|-|2|-",
                          "line 8: c3|view|-|-|3|-"));
}

TEST(CsvReader, BadRowsAreReportedAndReadingGoesOn) {
  EXPECT_THAT(Rows("customer,action,ts\n"
                   "c1,view\n"
                   "c2,view,1,extra\n"
                   "c3,\"vi\"ew,2\n"
                   "c4,vi\"ew,3\n"
                   "c5,view,4\n"),
              ElementsAre("line 2: error: 2 fields, the header has 3",
                          "line 3: error: 4 fields, the header has 3",
                          "line 4: error: field 2: unexpected character after a closing quote",
                          "line 5: error: field 2: quote inside an unquoted field (quote the "
                          "whole field)",
                          "line 6: c5|view|-|-|4|-"));
}

TEST(CsvReader, UnterminatedQuoteRunsToTheEndOfInput) {
  EXPECT_THAT(
      Rows("customer,action,ts\nc1,view,1\nc2,\"view,2\nc3,view,3\n"),
      ElementsAre("line 2: c1|view|-|-|1|-", "line 3: error: field 2: unterminated quoted field"));
}

TEST(CsvReader, ByteOrderMarkBeforeTheHeaderIsDropped) {
  EXPECT_THAT(Rows("\xEF\xBB\xBF"
                   "customer,action,ts\nc1,view,1\n"),
              ElementsAre("line 2: c1|view|-|-|1|-"));
}

TEST(CsvReader, HeaderProblems) {
  EXPECT_THAT(Rows(""), ElementsAre("header: no header row (the input is empty)"));
  EXPECT_THAT(Rows("customer,action\nc1,view\n"),
              ElementsAre("header: header: missing column 'ts' (columns: customer, action, item, "
                          "value, ts, id)"));
  EXPECT_THAT(Rows("customer,action,ts,Customer\n"),
              ElementsAre("header: header: column 'customer' appears twice"));
}

TEST(CsvReader, RecordLargerThanTheBufferGrowsIt) {
  std::string big(100000, 'x');
  EXPECT_THAT(ReadAll<CsvReader>("customer,action,item,ts\nc1,view,\"" + big + "\",1\n", 1000),
              ElementsAre("line 2: c1|view|" + big + "|-|1|-"));
}

}  // namespace
}  // namespace kizuna::import
