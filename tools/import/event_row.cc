#include "tools/import/event_row.h"

#include <charconv>
#include <cmath>

namespace kizuna::import {
namespace {

// Shows a bad value in a message without flooding the terminal.
std::string Quoted(std::string_view text) {
  constexpr size_t kShown = 40;
  std::string out = "'";
  out.append(text.substr(0, kShown));
  if (text.size() > kShown) out.append("...");
  out.append("'");
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

Field FieldByName(std::string_view name) {
  for (int i = 0; i < kFieldCount; ++i) {
    if (kFieldNames[i] == name) return static_cast<Field>(i);
  }
  return Field::kCount;
}

std::string ValidateRow(const RawRow& raw, EventRow* row) {
  const auto& customer = raw[Field::kCustomer];
  if (!customer) return "missing customer";
  if (customer->size() > kMaxCustomerLen) {
    return "customer is " + std::to_string(customer->size()) + " bytes (at most 256)";
  }
  row->customer = *customer;

  const auto& action = raw[Field::kAction];
  if (!action) return "missing action";
  if (action->size() > kMaxActionLen) return "action is longer than 256 bytes";
  for (char c : *action) {
    if (IsSpace(c)) return "action " + Quoted(*action) + " contains white space";
  }
  row->action = *action;

  row->item = raw[Field::kItem];
  row->id = raw[Field::kId];

  row->value.reset();
  if (const auto& v = raw[Field::kValue]) {
    // from_chars takes no leading '+' or spaces, which is what we want: the text must be a
    // plain number. It does take "inf"/"nan", which the server refuses, so check finiteness.
    double d = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
    if (ec == std::errc::result_out_of_range) return "value " + Quoted(*v) + " is out of range";
    if (ec != std::errc() || end != v->data() + v->size()) {
      return "value " + Quoted(*v) + " is not a number";
    }
    if (!std::isfinite(d)) return "value " + Quoted(*v) + " is not a finite number";
    row->value = d;
  }

  const auto& ts = raw[Field::kTs];
  if (!ts) return "missing ts";
  int64_t t = 0;
  auto [end, ec] = std::from_chars(ts->data(), ts->data() + ts->size(), t);
  if (ec == std::errc::result_out_of_range) return "ts " + Quoted(*ts) + " is out of range";
  if (ec != std::errc() || end != ts->data() + ts->size()) {
    return "ts " + Quoted(*ts) + " is not an integer (Unix milliseconds)";
  }
  if (t < 0) return "ts " + Quoted(*ts) + " is negative";
  row->ts = t;
  return {};
}

}  // namespace kizuna::import
