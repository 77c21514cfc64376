// EventRow: one historical event as read from CSV or JSON Lines, and the checks every row
// passes before it is sent as `EVENT ... IMPORT`.
//
// Readers fill a RawRow with views into their own buffer (text exactly as written, quoting
// removed; an absent or empty field is nullopt). ValidateRow turns it into an EventRow or
// names the first problem; the messages are what `file:line: <reason>` reports show.
#ifndef KIZUNA_TOOLS_IMPORT_EVENT_ROW_H_
#define KIZUNA_TOOLS_IMPORT_EVENT_ROW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kizuna::import {

// Column / key names, in the order EVENT takes them.
enum class Field { kCustomer, kAction, kItem, kValue, kTs, kId, kCount };
inline constexpr std::string_view kFieldNames[] = {"customer", "action", "item",
                                                   "value",    "ts",     "id"};
inline constexpr int kFieldCount = static_cast<int>(Field::kCount);

// The field named `name`, or kCount when it is not one of ours.
Field FieldByName(std::string_view name);

struct RawRow {
  std::optional<std::string_view> fields[kFieldCount];

  std::optional<std::string_view>& operator[](Field f) { return fields[static_cast<int>(f)]; }
  const std::optional<std::string_view>& operator[](Field f) const {
    return fields[static_cast<int>(f)];
  }
  void Clear() {
    for (auto& f : fields) f.reset();
  }
};

// SPEC §1: customer ids are 1..256 bytes; actions are tokens without spaces (the server's
// own limit is 256 bytes as well).
inline constexpr size_t kMaxCustomerLen = 256;
inline constexpr size_t kMaxActionLen = 256;

struct EventRow {
  std::string_view customer;
  std::string_view action;
  std::optional<std::string_view> item;
  std::optional<double> value;
  int64_t ts = 0;
  std::optional<std::string_view> id;
};

// Checks `raw` and fills `row` (views into the same buffer). Returns an empty string when the
// row is good, else the reason, e.g. "value 'abc' is not a number".
std::string ValidateRow(const RawRow& raw, EventRow* row);

}  // namespace kizuna::import

#endif  // KIZUNA_TOOLS_IMPORT_EVENT_ROW_H_
