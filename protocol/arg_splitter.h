// Splits a text line into arguments with redis-cli / redis.conf quoting rules (sdssplitargs):
//   plain words separated by whitespace (a word ends at space, tab, CR or LF; \v and \f are
//   skipped between words but do not end one, as in Redis); NUL is ordinary data (Redis stops);
//   "double quoted" with escapes \" \\ \n \r \t \b \a \xHH;
//   'single quoted' where only \' is an escape.
// A closing quote must be followed by a space or the end of the line (Redis rule).
// Used by the inline request path, the config file and --init-file.
#ifndef KIZUNA_PROTOCOL_ARG_SPLITTER_H_
#define KIZUNA_PROTOCOL_ARG_SPLITTER_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kizuna::protocol {

// Splits [begin, end) in place: unescaped arguments are written back into the same bytes (an
// argument is never longer than its quoted form) and reported as (offset, length) pairs
// relative to begin. Returns false on unbalanced quotes; `out` is then unspecified.
bool SplitArgsInPlace(char* begin, char* end, std::vector<std::pair<size_t, size_t>>* out);

// Copying convenience for files: returns false on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace kizuna::protocol

#endif  // KIZUNA_PROTOCOL_ARG_SPLITTER_H_
