#include "server/arg_parser.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "store/duration.h"

namespace kizuna::server {

std::string WrongArgsError(std::string_view command) {
  std::string out = "ERR wrong number of arguments for '";
  out.append(command);
  out.append("' command");
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  // Redis string2ll: optional '-', no '+', no leading zeros, no spaces, fits in int64.
  if (s.empty() || s.size() > 20) return std::nullopt;
  size_t digits_at = s[0] == '-' ? 1 : 0;
  if (digits_at == s.size()) return std::nullopt;
  if (s[digits_at] == '0' && s.size() > digits_at + 1) return std::nullopt;
  if (s == "-0") return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseFiniteDouble(std::string_view s) {
  // strtod accepts what Redis accepts (e.g. "1e3", ".5"); we reject spaces, hex and
  // non-finite values. from_chars would be stricter than Redis about a leading '+'.
  if (s.empty() || s.size() > 256) return std::nullopt;
  if (std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back()))) {
    return std::nullopt;
  }
  char buf[257];
  std::copy(s.begin(), s.end(), buf);
  buf[s.size()] = '\0';
  for (size_t i = 0; i < s.size(); ++i) {
    if (buf[i] == 'x' || buf[i] == 'X' || buf[i] == '\0') return std::nullopt;
  }
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf, &end);
  if (end != buf + s.size() || !std::isfinite(v)) return std::nullopt;
  if (errno == ERANGE && v != 0) return std::nullopt;
  return v;
}

std::string_view ArgParser::Next() {
  if (!ok_) return {};
  if (pos_ >= args_.size()) {
    Fail(kSyntaxError);
    return {};
  }
  return args_[pos_++];
}

bool ArgParser::Consume(std::string_view keyword) {
  if (!ok_ || pos_ >= args_.size() || !EqualsIgnoreCase(args_[pos_], keyword)) return false;
  ++pos_;
  return true;
}

int64_t ArgParser::NextInt() {
  std::string_view s = Next();
  if (!ok_) return 0;
  auto v = ParseInt(s);
  if (!v) {
    Fail(kNotInteger);
    return 0;
  }
  return *v;
}

double ArgParser::NextDouble() {
  std::string_view s = Next();
  if (!ok_) return 0;
  auto v = ParseFiniteDouble(s);
  if (!v) {
    Fail(kNotFloat);
    return 0;
  }
  return *v;
}

int64_t ArgParser::NextDuration(std::string_view error) {
  std::string_view s = Next();
  if (!ok_) return 0;
  auto v = store::ParseDuration(s);
  if (!v) {
    Fail(error);
    return 0;
  }
  return *v;
}

void ArgParser::Fail(std::string_view error) {
  if (!ok_) return;
  ok_ = false;
  error_.assign(error);
}

}  // namespace kizuna::server
