// Argument reading for command handlers. ArgParser walks the arguments, remembers the first
// error and is checked once at the end, so handlers read straight through:
//
//   ArgParser p(ctx.args, 2);                 // skip name and customer
//   std::string_view action = p.Next();
//   double value = 0; std::optional<int64_t> ts;
//   while (p.HasNext()) {
//     if (p.Consume("VALUE")) value = p.NextDouble();
//     else if (p.Consume("TS")) ts = p.NextInt();
//     else p.Fail(kSyntaxError);
//   }
//   if (!p.ok()) return ctx.reply.Error(p.error());
//
// Number parsing is as strict as Redis: no spaces, no trailing bytes; NextDouble refuses
// nan and inf. Keywords compare case-insensitively.
#ifndef KIZUNA_SERVER_ARG_PARSER_H_
#define KIZUNA_SERVER_ARG_PARSER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kizuna::server {

inline constexpr std::string_view kSyntaxError = "ERR syntax error";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
std::string WrongArgsError(
    std::string_view command);  // "ERR wrong number of arguments for 'x' command"

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::optional<int64_t> ParseInt(std::string_view s);          // strict, Redis string2ll rules
std::optional<double> ParseFiniteDouble(std::string_view s);  // no nan/inf, no spaces

class ArgParser {
 public:
  ArgParser(std::span<const std::string_view> args, size_t start) : args_(args), pos_(start) {}

  bool HasNext() const { return ok_ && pos_ < args_.size(); }
  size_t remaining() const { return pos_ < args_.size() ? args_.size() - pos_ : 0; }
  // Next argument; on end of input records kSyntaxError and returns "".
  std::string_view Next();
  // Consumes the next argument if it equals `keyword` (case-insensitive).
  bool Consume(std::string_view keyword);
  // Next argument as a number; records kNotInteger / kNotFloat on failure and returns 0.
  int64_t NextInt();
  double NextDouble();
  // Next argument as a duration ("1d"); records `error` on failure.
  int64_t NextDuration(std::string_view error = "ERR invalid duration");

  // Records an error if none is recorded yet.
  void Fail(std::string_view error);
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  std::span<const std::string_view> args_;
  size_t pos_;
  bool ok_ = true;
  std::string error_;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_ARG_PARSER_H_
