#include "tools/import/event_row.h"

#include <gtest/gtest.h>

namespace kizuna::import {
namespace {

RawRow Raw(std::optional<std::string_view> customer, std::optional<std::string_view> action,
           std::optional<std::string_view> ts, std::optional<std::string_view> value = {},
           std::optional<std::string_view> item = {}, std::optional<std::string_view> id = {}) {
  RawRow r;
  r[Field::kCustomer] = customer;
  r[Field::kAction] = action;
  r[Field::kTs] = ts;
  r[Field::kValue] = value;
  r[Field::kItem] = item;
  r[Field::kId] = id;
  return r;
}

std::string Check(const RawRow& raw) {
  EventRow row;
  return ValidateRow(raw, &row);
}

TEST(ValidateRow, GoodRowIsCopiedThrough) {
  EventRow row;
  ASSERT_EQ(ValidateRow(Raw("c1", "purchase", "1700000000000", "-12.5", "product:A", "o-1"), &row),
            "");
  EXPECT_EQ(row.customer, "c1");
  EXPECT_EQ(row.action, "purchase");
  EXPECT_EQ(row.ts, 1700000000000);
  EXPECT_EQ(*row.value, -12.5);
  EXPECT_EQ(*row.item, "product:A");
  EXPECT_EQ(*row.id, "o-1");
  ASSERT_EQ(ValidateRow(Raw("c1", "view", "0"), &row), "");
  EXPECT_FALSE(row.value || row.item || row.id);
}

TEST(ValidateRow, CustomerIsOneTo256Bytes) {
  std::string max(256, 'c'), over(257, 'c');
  EXPECT_EQ(Check(Raw(max, "view", "1")), "");
  EXPECT_EQ(Check(Raw(over, "view", "1")), "customer is 257 bytes (at most 256)");
  EXPECT_EQ(Check(Raw({}, "view", "1")), "missing customer");
}

TEST(ValidateRow, ActionIsATokenWithoutWhiteSpace) {
  EXPECT_EQ(Check(Raw("c", {}, "1")), "missing action");
  EXPECT_EQ(Check(Raw("c", "page view", "1")), "action 'page view' contains white space");
  EXPECT_EQ(Check(Raw("c", "view\t", "1")), "action 'view\t' contains white space");
  EXPECT_EQ(Check(Raw("c", std::string(257, 'a'), "1")), "action is longer than 256 bytes");
}

TEST(ValidateRow, ValueIsAFiniteNumber) {
  EXPECT_EQ(Check(Raw("c", "buy", "1", "1e3")), "");
  EXPECT_EQ(Check(Raw("c", "buy", "1", "abc")), "value 'abc' is not a number");
  EXPECT_EQ(Check(Raw("c", "buy", "1", "12abc")), "value '12abc' is not a number");
  EXPECT_EQ(Check(Raw("c", "buy", "1", " 12")), "value ' 12' is not a number");
  EXPECT_EQ(Check(Raw("c", "buy", "1", "inf")), "value 'inf' is not a finite number");
  EXPECT_EQ(Check(Raw("c", "buy", "1", "nan")), "value 'nan' is not a finite number");
  EXPECT_EQ(Check(Raw("c", "buy", "1", "1e999")), "value '1e999' is out of range");
}

TEST(ValidateRow, TsIsANonNegativeIntegerOfMilliseconds) {
  EXPECT_EQ(Check(Raw("c", "v", {})), "missing ts");
  EXPECT_EQ(Check(Raw("c", "v", "1.5")), "ts '1.5' is not an integer (Unix milliseconds)");
  EXPECT_EQ(Check(Raw("c", "v", "2024-01-01")),
            "ts '2024-01-01' is not an integer (Unix milliseconds)");
  EXPECT_EQ(Check(Raw("c", "v", "-5")), "ts '-5' is negative");
  EXPECT_EQ(Check(Raw("c", "v", "99999999999999999999")),
            "ts '99999999999999999999' is out of range");
}

TEST(ValidateRow, LongBadValuesAreShortenedInTheMessage) {
  std::string junk(100, 'z');
  EXPECT_EQ(Check(Raw("c", "v", junk)),
            "ts '" + std::string(40, 'z') + "...' is not an integer (Unix milliseconds)");
}

}  // namespace
}  // namespace kizuna::import
