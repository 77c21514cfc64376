#include "tools/import/jsonl_reader.h"

#include <cstring>

namespace kizuna::import {
namespace {

constexpr int kMaxDepth = 64;  // nesting allowed inside skipped values

class ObjectParser {
 public:
  ObjectParser(char* line, size_t size) : begin_(line), p_(line), end_(line + size) {}

  std::string Parse(RawRow* row) {
    row->Clear();
    SkipSpace();
    if (!Eat('{')) return Fail("expected '{' (each line must be one JSON object)");
    SkipSpace();
    if (!Eat('}')) {
      bool seen[kFieldCount] = {};
      while (true) {
        std::string_view key;
        if (!ParseString(&key)) return Fail("expected a quoted key");
        SkipSpace();
        if (!Eat(':')) return Fail("expected ':' after a key");
        SkipSpace();
        Field f = FieldByName(key);
        if (f == Field::kCount) {
          if (!SkipValue(0)) return Fail("bad value");
        } else {
          if (seen[static_cast<int>(f)]) return "key '" + std::string(key) + "' appears twice";
          seen[static_cast<int>(f)] = true;
          std::string_view value;
          if (p_ < end_ && *p_ == '"') {
            if (!ParseString(&value)) return Fail("bad string");
          } else if (p_ < end_ && (*p_ == '-' || (*p_ >= '0' && *p_ <= '9'))) {
            if (!ParseNumber(&value)) return Fail("bad number");
          } else if (EatWord("null")) {
            value = {};
          } else {
            return "'" + std::string(kFieldNames[static_cast<int>(f)]) +
                   "' must be a string, a number or null";
          }
          if (!value.empty()) (*row)[f] = value;
        }
        SkipSpace();
        if (Eat('}')) break;
        if (!Eat(',')) return Fail("expected ',' or '}'");
        SkipSpace();
      }
    }
    SkipSpace();
    if (p_ != end_) return Fail("unexpected text after the object");
    return {};
  }

 private:
  std::string Fail(const char* what) { return FailAt(p_, what); }
  // `at`: the character that broke the line.
  std::string FailAt(const char* at, const char* what) {
    if (!error_.empty()) return error_;
    return "invalid JSON at column " + std::to_string(at - begin_ + 1) + ": " + what;
  }
  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }
  bool Eat(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool EatWord(const char* word) {
    size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    p_ += n;
    return true;
  }
  bool Digits() {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ > start;
  }
  // JSON number grammar; *out is its text.
  bool ParseNumber(std::string_view* out) {
    const char* start = p_;
    Eat('-');
    if (Eat('0')) {
      if (p_ < end_ && *p_ >= '0' && *p_ <= '9') return false;  // no leading zeros
    } else if (!Digits()) {
      return false;
    }
    if (Eat('.') && !Digits()) return false;
    if (Eat('e') || Eat('E')) {
      if (!Eat('+')) Eat('-');
      if (!Digits()) return false;
    }
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }
  int Hex4() {
    if (end_ - p_ < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = *p_++;
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }
  // A quoted string, unescaped in place (the result is never longer than its source).
  bool ParseString(std::string_view* out) {
    if (!Eat('"')) return false;
    char* const start = p_;
    char* w = p_;
    while (p_ < end_) {
      char c = *p_++;
      if (c == '"') {
        *out = std::string_view(start, static_cast<size_t>(w - start));
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        error_ = FailAt(p_ - 1, "control character inside a string");
        return false;
      }
      if (c != '\\') {
        *w++ = c;
        continue;
      }
      if (p_ == end_) break;
      const char* escape = p_ - 1;
      char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          *w++ = e;
          break;
        case 'b':
          *w++ = '\b';
          break;
        case 'f':
          *w++ = '\f';
          break;
        case 'n':
          *w++ = '\n';
          break;
        case 'r':
          *w++ = '\r';
          break;
        case 't':
          *w++ = '\t';
          break;
        case 'u': {
          int cp = Hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            int low = (Eat('\\') && Eat('u')) ? Hex4() : -1;
            if (low < 0xDC00 || low > 0xDFFF) {
              error_ = FailAt(escape, "unpaired surrogate in \\u escape");
              return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
            error_ = FailAt(escape, "bad \\u escape");
            return false;
          }
          w = AppendUtf8(w, cp);
          break;
        }
        default:
          error_ = FailAt(escape, "bad escape in a string");
          return false;
      }
    }
    error_ = Fail("unterminated string");
    return false;
  }
  static char* AppendUtf8(char* w, int cp) {
    auto put = [&w](int b) { *w++ = static_cast<char>(b); };
    if (cp < 0x80) {
      put(cp);
    } else if (cp < 0x800) {
      put(0xC0 | (cp >> 6));
      put(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      put(0xE0 | (cp >> 12));
      put(0x80 | ((cp >> 6) & 0x3F));
      put(0x80 | (cp & 0x3F));
    } else {
      put(0xF0 | (cp >> 18));
      put(0x80 | ((cp >> 12) & 0x3F));
      put(0x80 | ((cp >> 6) & 0x3F));
      put(0x80 | (cp & 0x3F));
    }
    return w;
  }
  // Any JSON value (of a key we do not use).
  bool SkipValue(int depth) {
    if (depth > kMaxDepth || p_ == end_) return false;
    std::string_view ignored;
    switch (*p_) {
      case '"':
        return ParseString(&ignored);
      case '{':
      case '[': {
        char close = *p_ == '{' ? '}' : ']';
        bool object = close == '}';
        ++p_;
        SkipSpace();
        if (Eat(close)) return true;
        while (true) {
          if (object) {
            if (!ParseString(&ignored)) return false;
            SkipSpace();
            if (!Eat(':')) return false;
            SkipSpace();
          }
          if (!SkipValue(depth + 1)) return false;
          SkipSpace();
          if (Eat(close)) return true;
          if (!Eat(',')) return false;
          SkipSpace();
        }
      }
      default:
        return EatWord("true") || EatWord("false") || EatWord("null") || ParseNumber(&ignored);
    }
  }

  char* const begin_;
  char* p_;
  char* const end_;
  std::string error_;  // set by ParseString, which knows better than its caller
};

}  // namespace

std::string ParseJsonObject(char* line, size_t size, RawRow* row) {
  return ObjectParser(line, size).Parse(row);
}

RowReader::Result JsonLinesReader::Next(RawRow* row, std::string* error) {
  while (true) {
    char* data = in_->data();
    size_t size = in_->size();
    char* nl = size ? static_cast<char*>(std::memchr(data, '\n', size)) : nullptr;
    if (!nl && !in_->eof()) {
      if (!in_->Fill()) {
        if (!in_->error().empty()) {
          *error = in_->error();
          return Result::kIoError;
        }
      }
      continue;
    }
    if (!nl && size == 0) return Result::kEnd;
    size_t len = nl ? static_cast<size_t>(nl - data) : size;
    in_->Consume(nl ? len + 1 : len);
    ++line_;
    size_t text_len = len;
    if (text_len > 0 && data[text_len - 1] == '\r') --text_len;
    bool blank = true;
    for (size_t i = 0; i < text_len && blank; ++i) blank = data[i] == ' ' || data[i] == '\t';
    if (blank) continue;
    *error = ParseJsonObject(data, text_len, row);
    return error->empty() ? Result::kRow : Result::kBadRow;
  }
}

}  // namespace kizuna::import
