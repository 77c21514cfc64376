// RequestParser: the server side of RESP. Bytes in, commands (argument vectors) out.
//
// Usage, once per socket read:
//
//   std::span<char> room = parser.PrepareRead();      // never smaller than kMinReadSize
//   size_t n = socket.read_some(room);
//   parser.CommitRead(n);
//   RequestParser::Status st;
//   while ((st = parser.Next()) == RequestParser::Status::kCommand) {
//     Execute(parser.args());                           // views into the parser's buffer
//   }
//   if (st == RequestParser::Status::kError) { reply "-ERR " + parser.error(); close; }
//   // kNeedMore: read again. Args stay valid until the next PrepareRead().
//
// Both multibulk (`*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n`) and inline (`ECHO hi\r\n`, quoting as
// redis-cli) requests are accepted, arriving in arbitrary pieces, several per read.
//
// Memory: one growable buffer per parser and one reused argument vector; no allocation per
// command in the steady state. A declared bulk length never reserves memory: the buffer only
// grows as bytes actually arrive, so `$536870912\r\n` alone costs nothing.
//
// Errors carry Redis's wording without the "ERR " prefix, e.g. "Protocol error: invalid bulk
// length". After kError the parser is unusable; the connection must be closed. Where Redis is
// lenient we are strict, and the outcome never depends on how the input was split into reads:
//   - header lines and bulk payloads must end in CRLF (Redis skips two bytes unchecked);
//   - a header or inline line is limited to max_inline_len bytes even when its newline has
//     already arrived (Redis only checks lines still waiting for their newline);
//   - a multibulk command fails as soon as a bulk header declares more than max_query_buffer
//     bytes for the command so far (inline lines are bounded by max_inline_len instead).
//
// Not thread-safe; one parser per connection.
#ifndef KIZUNA_PROTOCOL_REQUEST_PARSER_H_
#define KIZUNA_PROTOCOL_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kizuna::protocol {

struct ParserLimits {
  // proto-max-bulk-len: the largest bulk a client may send.
  int64_t max_bulk_len = 512ll * 1024 * 1024;
  // Largest inline request line, and largest `*N`/`$N` header line (Redis PROTO_INLINE_MAX_SIZE).
  size_t max_inline_len = 64 * 1024;
  // Largest multibulk argument count (Redis accepts up to INT_MAX; we keep the same bound).
  int64_t max_multibulk_len = 2147483647;
  // client-query-buffer-limit: bytes held for one incomplete command before the client is closed.
  size_t max_query_buffer = 1024ull * 1024 * 1024;
  // Before AUTH when a password is set: at most 10 arguments and 16 KB bulks.
  bool unauthenticated = false;
};

class RequestParser {
 public:
  enum class Status { kCommand, kNeedMore, kError };

  static constexpr size_t kMinReadSize = 16 * 1024;

  explicit RequestParser(const ParserLimits& limits = {});

  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Limits may change between commands (CONFIG SET, or a successful AUTH).
  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  const ParserLimits& limits() const { return limits_; }

  // Writable space at the end of the buffer (at least kMinReadSize bytes). Moves any
  // unconsumed bytes to the front first, which invalidates args() of earlier commands.
  std::span<char> PrepareRead();
  // Marks n bytes of the span from PrepareRead() as received.
  void CommitRead(size_t n);

  // Parses the next complete command. kCommand: args() holds it (never empty).
  Status Next();

  // The last command's arguments. Views into the buffer, valid until PrepareRead().
  std::span<const std::string_view> args() const { return args_; }

  // A look at the complete multibulk commands already buffered behind the last one, without
  // consuming or checking them (Next does that): for i < n, names[i] and keys[i] are the first
  // two arguments of the i-th next command. Returns how many were found: it stops at the first
  // command that is incomplete, inline, has fewer than two or more than kPeekMaxArgs arguments,
  // or is malformed. For prefetching what those commands will read (pipelining). The server
  // peeks with PeekAt (through CommandLookahead); the tests and the fuzzer hold both to this
  // whole look.
  static constexpr size_t kPeekMaxArgs = 32;
  size_t Peek(size_t n, std::string_view* names, std::string_view* keys) const;
  // The same look, one command at a time, for a caller that keeps what it has already
  // peeked: reads the command that starts at *at (peek_start(), or where an earlier PeekAt
  // left *at), sets its name and key, and moves *at past it. False where Peek would stop.
  // Positions and views stay valid while layout_version() is unchanged.
  bool PeekAt(size_t* at, std::string_view* name, std::string_view* key) const;
  // Where the commands behind the last one start.
  size_t peek_start() const { return pos_; }
  // Changes whenever buffered bytes may have moved (PrepareRead, ShrinkIfIdle).
  uint64_t layout_version() const { return layout_version_; }

  // Redis-style message for kError (without the "ERR " prefix).
  const std::string& error() const { return error_; }

  // Bytes received but not yet consumed by a complete command (a partial command).
  size_t pending_bytes() const { return end_ - (multibulk_remaining_ ? command_start_ : pos_); }
  // Capacity of the buffer, for CLIENT LIST qbuf/qbuf-free and INFO.
  size_t buffer_capacity() const { return capacity_; }
  // Releases buffer memory when idle (no partial command held).
  void ShrinkIfIdle();

 private:
  // Outcome of reading a "*N\r\n" or "$N\r\n" header line at pos_.
  enum class Line { kOk, kInvalid, kIncomplete, kTooLong };

  // A multibulk command wholly in the buffer, with small counts and lengths: parsed in one
  // pass into args_. False (nothing changed) for anything else, which Next's general path then
  // parses or rejects: this only spares the common command the general path's state.
  bool ParseWholeCommand();
  Status ParseMultibulk();
  Status ParseInline();
  Line ReadHeaderLine(int64_t* value, size_t* next);
  Line ReadHeaderLineSlow(int64_t* value, size_t* next);
  Status Fail(std::string message);
  void Reallocate(size_t capacity);

  ParserLimits limits_;
  // The query buffer. Allocated uninitialised (no zero-fill) and grown only when a read needs
  // room: its size follows the bytes received, never a declared length.
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t pos_ = 0;  // first unconsumed byte
  size_t end_ = 0;  // one past the last received byte
  uint64_t layout_version_ = 0;
  // Where the search for the end of the line at pos_ resumes: a long line arriving in many
  // reads is scanned once.
  size_t scan_from_ = 0;

  // Multibulk progress. The parser keeps its place inside a partial command, so a big command
  // arriving in many pieces is not re-parsed from its start on every read.
  int64_t multibulk_remaining_ = 0;  // arguments still to read; 0 = at a command boundary
  int64_t bulk_len_ = -1;            // length of the bulk being read; -1 = header not read
  size_t command_start_ = 0;         // offset of the partial command's first byte

  // Arguments as (offset, length): the buffer may move while a command is incomplete. The
  // views are built from them once the command is complete. Both vectors are reused.
  std::vector<std::pair<size_t, size_t>> arg_offsets_;
  std::vector<std::string_view> args_;
  std::string error_;
  bool failed_ = false;
};

}  // namespace kizuna::protocol

#endif  // KIZUNA_PROTOCOL_REQUEST_PARSER_H_
