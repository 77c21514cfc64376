// CsvReader: RFC 4180 CSV events. The first record is the header; it names the columns
// (customer, action, ts required; item, value, id optional; case and surrounding spaces are
// ignored; other columns are skipped). Fields may be quoted ("a, b", "say ""hi"""), quoted
// fields may span lines; records end with CRLF or LF; blank lines are skipped; a UTF-8 BOM
// before the header is dropped. An empty field is an absent one.
//
// Line numbers are 1-based physical lines: a record's number is the line it starts on, so
// `file:line` points at it in an editor even after quoted newlines.
#ifndef KIZUNA_TOOLS_IMPORT_CSV_READER_H_
#define KIZUNA_TOOLS_IMPORT_CSV_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/import/event_row.h"
#include "tools/import/input_buffer.h"
#include "tools/import/row_reader.h"

namespace kizuna::import {

class CsvReader : public RowReader {
 public:
  explicit CsvReader(InputBuffer* in) : in_(in) {}

  std::string ReadHeader() override;
  Result Next(RawRow* row, std::string* error) override;
  uint64_t line() const override { return line_; }

 private:
  // Parses one record into fields_ (offsets into text_). kRow: a record (maybe with a
  // problem in *error); kEnd: no more input.
  Result ParseRecord(std::string* error);
  // One attempt on the bytes buffered now; false when the record runs past them.
  bool TryParse(std::string* error, size_t* consumed, uint64_t* newlines);

  InputBuffer* in_;
  std::string text_;                               // the record's fields, unquoted, back to back
  std::vector<std::pair<size_t, size_t>> fields_;  // (offset, length) in text_
  std::vector<Field> columns_;                     // header position -> field
  uint64_t line_ = 0;                              // where the last record started
  uint64_t next_line_ = 1;                         // where the next one starts
};

}  // namespace kizuna::import

#endif  // KIZUNA_TOOLS_IMPORT_CSV_READER_H_
