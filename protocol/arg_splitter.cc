#include "protocol/arg_splitter.h"

namespace kizuna::protocol {
namespace {

// The two notions of "space" follow Redis's sdssplitargs: isspace() (which includes \v and \f)
// between arguments and after a closing quote, but only these four bytes end an unquoted word.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool EndsWord(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;  // \\ \" and any other escaped byte stand for themselves
  }
}

// A closing quote at p must be followed by whitespace or the end of the line.
bool ClosesCleanly(const char* p, const char* end) { return p + 1 == end || IsSpace(p[1]); }

// Unescapes a double-quoted part starting after its opening quote. Returns the position after
// the closing quote, or nullptr if the quotes are unbalanced.
char* DoubleQuoted(char* p, char* end, char** w) {
  while (p < end) {
    if (*p == '\\' && end - p >= 4 && p[1] == 'x' && HexValue(p[2]) >= 0 && HexValue(p[3]) >= 0) {
      *(*w)++ = static_cast<char>(HexValue(p[2]) * 16 + HexValue(p[3]));
      p += 4;
    } else if (*p == '\\' && end - p >= 2) {
      *(*w)++ = Unescape(p[1]);
      p += 2;
    } else if (*p == '"') {
      return ClosesCleanly(p, end) ? p + 1 : nullptr;
    } else {
      *(*w)++ = *p++;
    }
  }
  return nullptr;
}

// Single quotes: only \' is an escape.
char* SingleQuoted(char* p, char* end, char** w) {
  while (p < end) {
    if (*p == '\\' && end - p >= 2 && p[1] == '\'') {
      *(*w)++ = '\'';
      p += 2;
    } else if (*p == '\'') {
      return ClosesCleanly(p, end) ? p + 1 : nullptr;
    } else {
      *(*w)++ = *p++;
    }
  }
  return nullptr;
}

}  // namespace

bool SplitArgsInPlace(char* begin, char* end, std::vector<std::pair<size_t, size_t>>* out) {
  out->clear();
  char* p = begin;
  while (true) {
    while (p < end && IsSpace(*p)) ++p;
    if (p == end) return true;
    // Every output byte consumes at least one input byte, so the write cursor `w` never
    // overtakes `p` and the argument can be unescaped where it lies.
    char* start = p;
    char* w = p;
    while (p < end && !EndsWord(*p)) {
      if (*p == '"') {
        p = DoubleQuoted(p + 1, end, &w);
      } else if (*p == '\'') {
        p = SingleQuoted(p + 1, end, &w);
      } else {
        *w++ = *p++;
        continue;
      }
      if (p == nullptr) return false;
      break;  // a closing quote ends the argument
    }
    out->emplace_back(static_cast<size_t>(start - begin), static_cast<size_t>(w - start));
  }
}

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  std::string copy(line);
  std::vector<std::pair<size_t, size_t>> spans;
  out->clear();
  if (!SplitArgsInPlace(copy.data(), copy.data() + copy.size(), &spans)) return false;
  out->reserve(spans.size());
  for (auto [off, len] : spans) out->emplace_back(copy.data() + off, len);
  return true;
}

}  // namespace kizuna::protocol
