// RespClient: the importer's side of one RESP2 connection to kizuna: commands are encoded
// into an output buffer (pipelined: many go out in one write), replies are read back by a
// tiny reader of its own. This is deliberately not protocol/'s server-side parser: a client
// reads replies, the server reads requests (STYLE: no parser shared by client and server).
#ifndef KIZUNA_TOOLS_IMPORT_RESP_CLIENT_H_
#define KIZUNA_TOOLS_IMPORT_RESP_CLIENT_H_

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "tools/import/event_row.h"

namespace kizuna::import {

struct Reply {
  char type = 0;          // '+' status, '-' error, ':' integer, '$' bulk, '*' array, '_' null
  std::string_view text;  // status/error/integer/bulk text; empty for arrays and nulls
};

class RespClient {
 public:
  RespClient() = default;
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;
  ~RespClient();

  // Connects (blocking, with a timeout); the socket is non-blocking afterwards. Empty string
  // on success, else the reason.
  std::string Connect(const std::string& host, int port, int timeout_ms);
  // Uses an already connected socket (tests pass one end of a socketpair); takes ownership.
  void Adopt(int fd);
  int fd() const { return fd_; }

  // Queues a command / an `EVENT ... IMPORT` for the row. Nothing is sent until Flush().
  void Append(std::initializer_list<std::string_view> args);
  void AppendEvent(const EventRow& row);
  size_t pending_output() const { return out_.size() - out_sent_; }

  // Non-blocking: writes what the socket takes now / reads what has arrived. Empty string on
  // success, else the reason (the connection is then unusable).
  std::string Flush();
  std::string Receive();
  // The next complete reply among the bytes received so far; false if there is none yet.
  // Views stay valid until the next Receive().
  bool NextReply(Reply* reply);

  // Blocking round trip for the few set-up commands (AUTH, INFO), with no other reply
  // outstanding: sends `args` and waits for the reply.
  std::string Call(std::initializer_list<std::string_view> args, Reply* reply, int timeout_ms);

 private:
  void AppendBulk(std::string_view s);
  void AppendHeader(char type, size_t n);
  // Parses one reply at in_[*pos]; false if incomplete. depth guards nested arrays.
  bool ParseReply(size_t* pos, Reply* reply, int depth);
  std::string WaitFor(short events, int timeout_ms);

  int fd_ = -1;
  std::string out_;
  size_t out_sent_ = 0;
  std::vector<char> in_;
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
};

}  // namespace kizuna::import

#endif  // KIZUNA_TOOLS_IMPORT_RESP_CLIENT_H_
