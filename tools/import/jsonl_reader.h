// JsonLinesReader: JSON Lines events, one flat object per line:
//   {"customer":"c1","action":"purchase","item":"product:A","value":120,"ts":1700000000000,"id":"o-1"}
// Keys are the CSV column names; customer, action, ts are required. Values may be strings or
// numbers (a number's text is taken as written, so "ts": 1700000000000 and "ts": "17..." are
// the same); null is an absent field. Other keys are skipped whatever their value. Blank lines
// are skipped; a line that is not one object is a bad row.
#ifndef KIZUNA_TOOLS_IMPORT_JSONL_READER_H_
#define KIZUNA_TOOLS_IMPORT_JSONL_READER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/import/event_row.h"
#include "tools/import/input_buffer.h"
#include "tools/import/row_reader.h"

namespace kizuna::import {

// Parses one line (no line ending) into *row. Strings are unescaped in place, so `line` must
// be writable and outlive the row's views. Empty string on success, else the reason.
std::string ParseJsonObject(char* line, size_t size, RawRow* row);

class JsonLinesReader : public RowReader {
 public:
  explicit JsonLinesReader(InputBuffer* in) : in_(in) {}

  Result Next(RawRow* row, std::string* error) override;
  uint64_t line() const override { return line_; }

 private:
  InputBuffer* in_;
  uint64_t line_ = 0;
};

}  // namespace kizuna::import

#endif  // KIZUNA_TOOLS_IMPORT_JSONL_READER_H_
