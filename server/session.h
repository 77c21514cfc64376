// Session: one client connection. Reads into the parser's reused buffer, executes every
// complete command of the read, then writes all their replies with one write, at the end of
// the event-loop turn together with the other clients served in it (ReplyBatch).
//
// Flow control: while more than kMaxPendingOutput bytes of replies wait to be written, the
// session stops reading (the client is "no longer read from"), so a client that pipelines
// without reading cannot grow the server's memory. A MONITOR client, whose output grows
// without requests, is disconnected past its output limit instead.
//
// Lifetime: owned by the Server's client registry (shared_ptr); pending async operations
// hold a reference too, so closing is safe from any handler.
//
// TLS: a session of the tls-port also owns a TlsStream (session.cc) layered over socket_;
// reads and writes branch on it. A plain session has none, so its path is unchanged: no
// virtual call, no allocation, only a predictable null test.
#ifndef KIZUNA_SERVER_SESSION_H_
#define KIZUNA_SERVER_SESSION_H_

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/reply_writer.h"
#include "protocol/request_parser.h"
#include "server/command_lookahead.h"
#include "server/command_table.h"
#include "server/tls_context.h"
#include "store/clock.h"

namespace kizuna::server {

class AclUser;
class Server;
struct TlsStream;

// What CLIENT LIST / CLIENT INFO show, and per-connection protocol state.
struct ClientInfo {
  uint64_t id = 0;
  std::string addr;   // "ip:port" of the peer
  std::string laddr;  // "ip:port" of our end
  int fd = -1;
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  store::TimeMs created_ms = 0;
  store::TimeMs last_interaction_ms = 0;
  int resp = 2;
  bool authenticated = false;
  AclUser* user = nullptr;  // the ACL user it runs as ("default" until AUTH); never null
  // Internal client with no socket (log replay, init file): runs everything (no ACL or
  // -LOADING checks) and never blocks.
  bool internal = false;
  // The log's replay client: its writes are in the log already, so they are not logged again.
  bool replaying = false;
  bool monitor = false;
  bool no_evict = false;
  enum class ReplyMode { kOn, kOff, kSkipNext, kSkipThis } reply_mode = ReplyMode::kOn;
  std::string_view last_command = "NULL";  // full name of the last command (table-owned)
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  static constexpr size_t kMaxPendingOutput = 4 * 1024 * 1024;

  // `tls`: the tls-port's context for a TLS client, nullptr for a plain one.
  Session(Server& server, boost::asio::ip::tcp::socket socket, uint64_t id,
          boost::asio::ssl::context* tls = nullptr);
  ~Session();

  // Starts reading (after the TLS handshake). Call once, after the session is in the registry.
  void Start();
  // Replies with `error` (full text, e.g. "ERR max number of clients reached") and closes.
  void RejectAndClose(std::string_view error);
  bool tls() const { return tls_ != nullptr; }
  // A TLS client whose handshake has not completed yet (the server times these out).
  bool handshaking() const;

  // Stop executing further commands of this connection; close once the replies are written.
  void CloseAfterReply() { close_after_reply_ = true; }
  // Closes the connection now, dropping unsent output (CLIENT KILL, shutdown).
  void Kill();
  bool closing() const { return closed_ || close_after_reply_; }

  // Appends to this client's output from outside its own command (MONITOR lines) and makes
  // sure it gets written.
  protocol::ReplyBuffer& output() { return out_; }
  void ScheduleFlush();
  // ReplyBatch's call at the end of the turn: writes the replies, then reads on.
  void FlushBatched();

  ClientInfo& info() { return info_; }
  const ClientInfo& info() const { return info_; }
  const protocol::RequestParser& parser() const { return parser_; }
  CommandTable::Recent& recent_command() { return recent_command_; }
  // The hash of the running command's customer id `key` when prefetching computed it (the
  // command came through the lookahead); nullopt otherwise.
  std::optional<uint64_t> CustomerKeyHash(std::string_view key) const {
    return lookahead_.CurrentKeyHash(parser_, key);
  }
  size_t pending_output() const { return out_.size() + writing_.size(); }
  // Enforces client-output-buffer-limit: closes the client (and returns true) when its unsent
  // output is over the hard limit, or over the soft limit for too long.
  bool CloseIfOverOutputLimit();
  // Continues after the append-only log reached the disk (appendfsync always).
  void ResumeAfterSync();
  // XREAD/XREADGROUP BLOCK: while blocked, input is still read (a disconnect is noticed) but
  // no command runs. Unblocking runs the commands that queued up meanwhile.
  void SetBlocked(bool blocked);
  bool blocked() const { return blocked_; }
  // Applies the current limits (password state, proto-max-bulk-len, query buffer limit).
  void RefreshParserLimits();
  // The server's periodic call: closes a client whose FIN came with the bytes of a short read,
  // which no epoll edge reports (draining_read.h). Looks once a read has waited a whole period.
  void CloseIfEndHidden();

 private:
  void ReadSome();
  void OnRead(const boost::system::error_code& ec, size_t n);
  // The client's FIN: close once the replies already made are written.
  void EndOfStream();
  void ProcessInput();
  // Pipelining: starts loading what the next three buffered customer commands will read.
  void PrefetchAhead();
  // After commands ran: wait for the log if needed, then join the turn's ReplyBatch and read
  // on.
  void AfterBatch();
  void Flush();
  void OnWrite(const boost::system::error_code& ec, size_t n);
  void CloseSocket();
  void Handshake();
  void OnHandshake(const boost::system::error_code& ec);
  // Sends the TLS close_notify, then closes (bounded by a timer).
  void ShutdownTls();

  Server& server_;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<TlsStream> tls_;  // over socket_, so declared after it
  ClientInfo info_;
  protocol::RequestParser parser_;
  CommandLookahead lookahead_;  // what PrefetchAhead has peeked
  CommandTable::Recent recent_command_;
  protocol::ReplyBuffer out_;      // replies being produced
  protocol::ReplyBuffer writing_;  // replies handed to an async write
  bool reading_ = false;
  bool writing_in_flight_ = false;
  bool flush_scheduled_ = false;
  bool flush_batched_ = false;  // in the ReplyBatch
  bool close_after_reply_ = false;
  bool closed_ = false;
  bool awaiting_sync_ = false;
  bool blocked_ = false;
  // Drained reads (draining_read.h): the size asked of the read in flight, and whether a FIN
  // may hide behind the last read: it came back short (kPossible), and CloseIfEndHidden has
  // come by once since with no read in between (kWaitedAPeriod: the next call looks).
  size_t read_size_ = 0;
  enum class HiddenEnd : uint8_t { kNo, kPossible, kWaitedAPeriod } hidden_end_ = HiddenEnd::kNo;
  store::TimeMs over_soft_limit_since_ = -1;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_SESSION_H_
