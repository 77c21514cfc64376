#include "protocol/arg_splitter.h"

namespace kizuna::protocol {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool SplitArgsInPlace(char* begin, char* end, std::vector<std::pair<size_t, size_t>>* out) {
  out->clear();
  char* p = begin;
  while (true) {
    while (p < end && IsSpace(*p)) ++p;
    if (p == end) return true;
    // The unescaped argument is written at `w`, which never overtakes `p`.
    char* start = p;
    char* w = p;
    bool in_double = false, in_single = false;
    while (true) {
      if (in_double) {
        if (p == end) return false;  // unterminated quotes
        if (*p == '\\' && p + 3 < end && p[1] == 'x' && HexValue(p[2]) >= 0 &&
            HexValue(p[3]) >= 0) {
          *w++ = static_cast<char>(HexValue(p[2]) * 16 + HexValue(p[3]));
          p += 4;
        } else if (*p == '\\' && p + 1 < end) {
          char c = p[1];
          switch (c) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              break;
          }
          *w++ = c;
          p += 2;
        } else if (*p == '"') {
          // A closing quote must be followed by a space or the end.
          if (p + 1 < end && !IsSpace(p[1])) return false;
          ++p;
          break;
        } else {
          *w++ = *p++;
        }
      } else if (in_single) {
        if (p == end) return false;
        if (*p == '\\' && p + 1 < end && p[1] == '\'') {
          *w++ = '\'';
          p += 2;
        } else if (*p == '\'') {
          if (p + 1 < end && !IsSpace(p[1])) return false;
          ++p;
          break;
        } else {
          *w++ = *p++;
        }
      } else {
        if (p == end || IsSpace(*p)) break;
        if (*p == '"') {
          in_double = true;
          ++p;
        } else if (*p == '\'') {
          in_single = true;
          ++p;
        } else {
          *w++ = *p++;
        }
      }
    }
    out->emplace_back(static_cast<size_t>(start - begin), static_cast<size_t>(w - start));
  }
}

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  std::string copy(line);
  std::vector<std::pair<size_t, size_t>> spans;
  out->clear();
  if (!SplitArgsInPlace(copy.data(), copy.data() + copy.size(), &spans)) return false;
  for (auto [off, len] : spans) out->emplace_back(copy.data() + off, len);
  return true;
}

}  // namespace kizuna::protocol
