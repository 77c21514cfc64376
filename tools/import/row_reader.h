// RowReader: what the importer needs from an input format (CSV or JSON Lines).
#ifndef KIZUNA_TOOLS_IMPORT_ROW_READER_H_
#define KIZUNA_TOOLS_IMPORT_ROW_READER_H_

#include <cstdint>
#include <string>

#include "tools/import/event_row.h"

namespace kizuna::import {

class RowReader {
 public:
  enum class Result {
    kRow,      // *row holds the next row's fields (views valid until the next call)
    kBadRow,   // the row at line() cannot be read; *error says why; reading may go on
    kEnd,      // no more rows
    kIoError,  // reading failed; *error says why
  };

  virtual ~RowReader() = default;
  // Reads whatever precedes the rows (the CSV header). Empty on success, else the reason.
  virtual std::string ReadHeader() { return {}; }
  virtual Result Next(RawRow* row, std::string* error) = 0;
  // 1-based line of the row (or problem) Next() returned last.
  virtual uint64_t line() const = 0;
};

}  // namespace kizuna::import

#endif  // KIZUNA_TOOLS_IMPORT_ROW_READER_H_
