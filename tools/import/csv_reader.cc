#include "tools/import/csv_reader.h"

#include <cctype>

namespace kizuna::import {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool CsvReader::TryParse(std::string* error, size_t* consumed, uint64_t* newlines) {
  text_.clear();
  fields_.clear();
  error->clear();
  *newlines = 0;
  const char* const start = in_->data();
  const char* const end = start + in_->size();
  const char* p = start;
  enum { kStart, kUnquoted, kQuoted, kAfterQuote } state = kStart;
  size_t field_begin = 0;
  auto end_field = [&] {
    fields_.emplace_back(field_begin, text_.size() - field_begin);
    field_begin = text_.size();
  };
  // The first problem is reported; parsing goes on to find where the record ends.
  auto fail = [&](const char* what) {
    if (error->empty()) *error = "field " + std::to_string(fields_.size() + 1) + ": " + what;
  };
  auto end_record = [&] {
    end_field();
    ++*newlines;
    *consumed = static_cast<size_t>(p - start);
    return true;
  };
  while (p < end) {
    char c = *p++;
    switch (state) {
      case kStart:
        if (c == '"') {
          state = kQuoted;
          break;
        }
        state = kUnquoted;
        [[fallthrough]];
      case kUnquoted:
        if (c == ',') {
          end_field();
          state = kStart;
        } else if (c == '\n') {
          // CRLF: the CR belongs to the line ending, not to the field.
          if (text_.size() > field_begin && text_.back() == '\r') text_.pop_back();
          return end_record();
        } else {
          if (c == '"') fail("quote inside an unquoted field (quote the whole field)");
          text_.push_back(c);
        }
        break;
      case kQuoted:
        if (c == '"') {
          state = kAfterQuote;
        } else {
          if (c == '\n') ++*newlines;
          text_.push_back(c);
        }
        break;
      case kAfterQuote:
        if (c == '"') {
          text_.push_back('"');
          state = kQuoted;
        } else if (c == ',') {
          end_field();
          state = kStart;
        } else if (c == '\n') {
          return end_record();
        } else if (c == '\r' && p < end && *p == '\n') {
          // CRLF after a closing quote; the LF ends the record next.
        } else if (c == '\r' && p == end && !in_->eof()) {
          return false;  // cannot tell CRLF from a stray CR yet
        } else {
          fail("unexpected character after a closing quote");
          text_.push_back(c);
          state = kUnquoted;
        }
        break;
    }
  }
  if (!in_->eof()) return false;
  // The last record of the input, without a line ending.
  if (state == kQuoted) fail("unterminated quoted field");
  end_field();
  *consumed = static_cast<size_t>(p - start);
  return true;
}

RowReader::Result CsvReader::ParseRecord(std::string* error) {
  while (true) {
    size_t consumed = 0;
    uint64_t newlines = 0;
    if (in_->size() > 0 && TryParse(error, &consumed, &newlines)) {
      in_->Consume(consumed);
      line_ = next_line_;
      next_line_ += newlines;
      return Result::kRow;
    }
    if (!in_->Fill()) {
      if (!in_->error().empty()) {
        *error = in_->error();
        return Result::kIoError;
      }
      if (in_->size() == 0) return Result::kEnd;
    }
  }
}

std::string CsvReader::ReadHeader() {
  while (in_->size() < 3 && in_->Fill()) {
  }
  if (!in_->error().empty()) return in_->error();
  if (in_->size() >= 3 && in_->data()[0] == '\xEF' && in_->data()[1] == '\xBB' &&
      in_->data()[2] == '\xBF') {
    in_->Consume(3);
  }
  std::string error;
  Result r;
  do {
    r = ParseRecord(&error);
  } while (r == Result::kRow && fields_.size() == 1 && fields_[0].second == 0);
  if (r == Result::kEnd) return "no header row (the input is empty)";
  if (r == Result::kIoError) return error;
  if (!error.empty()) return "header: " + error;
  bool seen[kFieldCount] = {};
  columns_.clear();
  for (const auto& [offset, len] : fields_) {
    std::string name = Lower(Trim(std::string_view(text_).substr(offset, len)));
    Field f = FieldByName(name);
    if (f != Field::kCount) {
      if (seen[static_cast<int>(f)]) return "header: column '" + name + "' appears twice";
      seen[static_cast<int>(f)] = true;
    }
    columns_.push_back(f);
  }
  for (Field f : {Field::kCustomer, Field::kAction, Field::kTs}) {
    if (!seen[static_cast<int>(f)]) {
      return "header: missing column '" + std::string(kFieldNames[static_cast<int>(f)]) +
             "' (columns: customer, action, item, value, ts, id)";
    }
  }
  return {};
}

RowReader::Result CsvReader::Next(RawRow* row, std::string* error) {
  while (true) {
    Result r = ParseRecord(error);
    if (r != Result::kRow) return r;
    if (!error->empty()) return Result::kBadRow;
    if (fields_.size() == 1 && fields_[0].second == 0) continue;  // a blank line
    if (fields_.size() != columns_.size()) {
      *error = std::to_string(fields_.size()) + " fields, the header has " +
               std::to_string(columns_.size());
      return Result::kBadRow;
    }
    row->Clear();
    for (size_t i = 0; i < fields_.size(); ++i) {
      auto [offset, len] = fields_[i];
      if (columns_[i] != Field::kCount && len > 0) {
        (*row)[columns_[i]] = std::string_view(text_.data() + offset, len);
      }
    }
    return Result::kRow;
  }
}

}  // namespace kizuna::import
