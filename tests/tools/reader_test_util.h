// Helpers for the import reader tests: run a reader over a string delivered in chunks of a
// given size (1 byte up to everything), and collect what it returns.
#ifndef KIZUNA_TESTS_TOOLS_READER_TEST_UTIL_H_
#define KIZUNA_TESTS_TOOLS_READER_TEST_UTIL_H_

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tools/import/event_row.h"
#include "tools/import/input_buffer.h"
#include "tools/import/row_reader.h"

namespace kizuna::import {

// What a reader produced for one row: "line N: customer|action|item|value|ts|id" with "-" for
// an absent field, or "line N: error: reason".
inline std::string Describe(RowReader::Result r, const RowReader& reader, const RawRow& row,
                            const std::string& error) {
  std::string out = "line " + std::to_string(reader.line()) + ": ";
  if (r == RowReader::Result::kBadRow) return out + "error: " + error;
  for (int i = 0; i < kFieldCount; ++i) {
    if (i > 0) out += "|";
    out += row.fields[i] ? std::string(*row.fields[i]) : "-";
  }
  return out;
}

// An InputBuffer over `text` whose reads return at most `chunk` bytes.
inline InputBuffer ChunkedInput(const std::string& text, size_t chunk) {
  auto pos = std::make_shared<size_t>(0);
  return InputBuffer(
      [text, chunk, pos](char* p, size_t n) -> long {
        size_t k = std::min({n, chunk, text.size() - *pos});
        std::memcpy(p, text.data() + *pos, k);
        *pos += k;
        return static_cast<long>(k);
      },
      /*chunk=*/4);
}

// Every row (or bad row) of `text`, read with reads of `chunk` bytes; a header problem or I/O
// error comes back as "header: ..." alone.
template <typename Reader>
std::vector<std::string> ReadAll(const std::string& text, size_t chunk) {
  InputBuffer in = ChunkedInput(text, chunk);
  Reader reader(&in);
  if (std::string e = reader.ReadHeader(); !e.empty()) return {"header: " + e};
  std::vector<std::string> out;
  RawRow row;
  std::string error;
  while (true) {
    RowReader::Result r = reader.Next(&row, &error);
    if (r == RowReader::Result::kEnd) break;
    if (r == RowReader::Result::kIoError) return {"io: " + error};
    out.push_back(Describe(r, reader, row, error));
  }
  return out;
}

// The same rows whatever the read sizes: checks chunks of 1..8 bytes and the whole input.
template <typename Reader>
std::vector<std::string> ReadAllChunkings(const std::string& text) {
  std::vector<std::string> whole = ReadAll<Reader>(text, text.size() + 1);
  for (size_t chunk = 1; chunk <= 8; ++chunk) {
    std::vector<std::string> split = ReadAll<Reader>(text, chunk);
    if (split != whole) return {"differs when read " + std::to_string(chunk) + " bytes at a time"};
  }
  return whole;
}

}  // namespace kizuna::import

#endif  // KIZUNA_TESTS_TOOLS_READER_TEST_UTIL_H_
