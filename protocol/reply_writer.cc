#include "protocol/reply_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace kizuna::protocol {

void ReplyBuffer::Grow(size_t need) {
  size_t want = std::max(data_.size() * 2, size_ + need);
  data_.resize(std::max<size_t>(want, 256));
}

void ReplyBuffer::Consume(size_t n) {
  if (n >= size_) {
    size_ = 0;
    return;
  }
  std::memmove(data_.data(), data_.data() + n, size_ - n);
  size_ -= n;
}

void ReplyBuffer::ShrinkTo(size_t keep) {
  if (size_ == 0 && data_.size() > keep) {
    data_.resize(keep);
    data_.shrink_to_fit();
  }
}

namespace {

// Values with at most four decimals (scores such as 12.5 or 0.1), formatted exactly like
// std::to_chars would, at a fraction of its cost. n / 10^k is a correctly rounded division of
// two exact doubles, so when it equals |v| the text n·10^-k parses back to v; the smallest such
// k gives the shortest digits. In [0.001, 1e11) to_chars picks fixed notation for these, and the
// products stay far below 2^53, so rounding v·10^k finds n whenever it exists.
size_t FormatFewDecimals(double v, char* buf) {
  static constexpr double kPow10[] = {1, 10, 100, 1000, 10000};
  static constexpr uint64_t kIntPow10[] = {1, 10, 100, 1000, 10000};
  double a = std::fabs(v);
  if (!(a >= 0.001 && a < 1e11)) return 0;
  for (int k = 1; k <= 4; ++k) {
    double n = std::round(a * kPow10[k]);
    if (n / kPow10[k] != a) continue;
    auto digits = static_cast<uint64_t>(n);
    char* p = buf;
    if (v < 0) *p++ = '-';
    p = std::to_chars(p, p + 20, digits / kIntPow10[k]).ptr;
    *p++ = '.';
    uint64_t frac = digits % kIntPow10[k];
    for (int i = k - 1; i >= 0; --i, frac /= 10) p[i] = static_cast<char>('0' + frac % 10);
    return static_cast<size_t>(p + k - buf);
  }
  return 0;
}

}  // namespace

size_t FormatDouble(double v, char* buf) {
  if (std::isnan(v)) {
    std::memcpy(buf, "nan", 3);
    return 3;
  }
  if (std::isinf(v)) {
    if (v > 0) {
      std::memcpy(buf, "inf", 3);
      return 3;
    }
    std::memcpy(buf, "-inf", 4);
    return 4;
  }
  // Integral values print as integers, as every Redis version does (1000000, where the
  // shortest form would be 1e+06), within Redis's own bound of 2^62. Also the fast path.
  constexpr double kIntegralLimit = 4611686018427387904.0;  // 2^62
  if (v >= -kIntegralLimit && v <= kIntegralLimit) {
    auto i = static_cast<int64_t>(v);
    if (static_cast<double>(i) == v) {
      if (i == 0 && std::signbit(v)) {
        std::memcpy(buf, "-0", 2);
        return 2;
      }
      return static_cast<size_t>(std::to_chars(buf, buf + 32, i).ptr - buf);
    }
  }
  if (size_t n = FormatFewDecimals(v, buf)) return n;
  return static_cast<size_t>(std::to_chars(buf, buf + 32, v).ptr - buf);
}

void ReplyWriter::Header(char type, int64_t n) {
  char* p = out_->Reserve(24);
  *p = type;
  auto [end, ec] = std::to_chars(p + 1, p + 22, n);
  end[0] = '\r';
  end[1] = '\n';
  out_->Commit(static_cast<size_t>(end + 2 - p));
}

void ReplyWriter::Line(char type, std::string_view s) {
  char* p = out_->Reserve(s.size() + 3);
  *p = type;
  // Simple strings and errors cannot carry CR/LF: replace them so framing holds.
  for (size_t i = 0; i < s.size(); ++i) p[i + 1] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
  p[s.size() + 1] = '\r';
  p[s.size() + 2] = '\n';
  out_->Commit(s.size() + 3);
}

void ReplyWriter::Simple(std::string_view s) { Line('+', s); }

void ReplyWriter::Error(std::string_view msg) { Line('-', msg); }

void ReplyWriter::Integer(int64_t v) { Header(':', v); }

void ReplyWriter::Bulk(std::string_view s) {
  char* p = out_->Reserve(s.size() + 26);
  *p = '$';
  auto [end, ec] = std::to_chars(p + 1, p + 22, static_cast<uint64_t>(s.size()));
  end[0] = '\r';
  end[1] = '\n';
  char* body = end + 2;
  if (!s.empty()) std::memcpy(body, s.data(), s.size());
  body[s.size()] = '\r';
  body[s.size() + 1] = '\n';
  out_->Commit(static_cast<size_t>(body + s.size() + 2 - p));
}

void ReplyWriter::Double(double v) {
  char num[32];
  size_t n = FormatDouble(v, num);
  if (resp_ == 2) return Bulk(std::string_view(num, n));
  char* p = out_->Reserve(n + 3);
  *p = ',';
  std::memcpy(p + 1, num, n);
  p[n + 1] = '\r';
  p[n + 2] = '\n';
  out_->Commit(n + 3);
}

void ReplyWriter::Bool(bool v) {
  if (resp_ == 2) return Raw(v ? ":1\r\n" : ":0\r\n");
  Raw(v ? "#t\r\n" : "#f\r\n");
}

void ReplyWriter::Null() { Raw(resp_ == 2 ? "$-1\r\n" : "_\r\n"); }

void ReplyWriter::NullArray() { Raw(resp_ == 2 ? "*-1\r\n" : "_\r\n"); }

void ReplyWriter::Array(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyWriter::Map(size_t pairs) {
  if (resp_ == 2) return Header('*', static_cast<int64_t>(pairs * 2));
  Header('%', static_cast<int64_t>(pairs));
}

void ReplyWriter::Set(size_t n) { Header(resp_ == 2 ? '*' : '~', static_cast<int64_t>(n)); }

void ReplyWriter::Push(size_t n) { Header(resp_ == 2 ? '*' : '>', static_cast<int64_t>(n)); }

void ReplyWriter::Verbatim(std::string_view format, std::string_view text) {
  if (resp_ == 2) return Bulk(text);
  // The format is three bytes by contract ("txt", "mkd"); the length counts what is written.
  std::string_view fmt = format.substr(0, 3);
  Header('=', static_cast<int64_t>(fmt.size() + 1 + text.size()));
  char* p = out_->Reserve(fmt.size() + text.size() + 3);
  if (!fmt.empty()) std::memcpy(p, fmt.data(), fmt.size());
  p[fmt.size()] = ':';
  if (!text.empty()) std::memcpy(p + fmt.size() + 1, text.data(), text.size());
  p[fmt.size() + 1 + text.size()] = '\r';
  p[fmt.size() + 2 + text.size()] = '\n';
  out_->Commit(fmt.size() + text.size() + 3);
}

void ReplyWriter::BigNumber(std::string_view digits) {
  if (resp_ == 2) return Bulk(digits);
  out_->Append('(');
  out_->Append(digits);
  out_->Append("\r\n");
}

}  // namespace kizuna::protocol
