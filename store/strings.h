// Small string helpers shared by store/ and server/.
//
// Debian's abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// so absl::StrCat and absl's string hashing do not accept std::string_view. These helpers
// work with std::string_view directly:
//
//   std::string msg = StrCat("ERR unknown category '", name, "'");   // name: string_view
//   absl::flat_hash_map<std::string, int, StringHash, StringEq> m;   // find(string_view) ok
#ifndef KIZUNA_STORE_STRINGS_H_
#define KIZUNA_STORE_STRINGS_H_

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kizuna {

namespace strings_internal {

inline void AppendPiece(std::string* out, std::string_view s) { out->append(s); }
inline void AppendPiece(std::string* out, const char* s) { out->append(s); }
inline void AppendPiece(std::string* out, const std::string& s) { out->append(s); }
inline void AppendPiece(std::string* out, char c) { out->push_back(c); }
inline void AppendPiece(std::string* out, bool b) { out->append(b ? "1" : "0"); }
template <typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool> &&
         !std::is_same_v<T, char>) void AppendPiece(std::string* out, T v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}
template <typename T>
requires std::is_floating_point_v<T>
void AppendPiece(std::string* out, T v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), static_cast<double>(v));
  out->append(buf, end);
}

}  // namespace strings_internal

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (strings_internal::AppendPiece(out, args), ...);
}

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  StrAppend(&out, args...);
  return out;
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

inline std::string_view StripWhitespace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

// Splits on `sep`, dropping empty pieces: SplitNonEmpty("a  b", ' ') == {"a", "b"}.
inline std::vector<std::string_view> SplitNonEmpty(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

template <typename Range>
std::string Join(const Range& parts, std::string_view sep) {
  std::string out;
  bool first = true;
  for (const auto& p : parts) {
    if (!first) out.append(sep);
    first = false;
    out.append(std::string_view(p));
  }
  return out;
}

// printf-style fixed-point: FormatFixed(0.5, 2) == "0.50".
inline std::string FormatFixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

namespace store {
uint64_t HashBytes(std::string_view s);  // XXH3_64bits, compiled in (customer_table.cc)
}  // namespace store

// Transparent hash/equality so maps keyed by std::string can be probed with string_view.
// XXH3 rather than std::hash: an EVENT looks its action up by name, and for names of a few
// bytes XXH3 runs a third of the instructions of libstdc++'s _Hash_bytes.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return store::HashBytes(s); }
};
struct StringEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

}  // namespace kizuna

#endif  // KIZUNA_STORE_STRINGS_H_
