#include "server/session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "server/blocked_readers.h"
#include "server/dispatcher.h"
#include "server/draining_read.h"
#include "server/handler_memory.h"
#include "server/log.h"
#include "server/server.h"
#include "store/strings.h"

namespace kizuna::server {

namespace asio = boost::asio;

// The TLS layer of a tls-port session, over the session's own socket.
struct TlsStream {
  TlsStream(asio::ip::tcp::socket& socket, asio::ssl::context& context)
      : stream(socket, context), close_timer(socket.get_executor()) {}

  asio::ssl::stream<asio::ip::tcp::socket&> stream;
  asio::steady_timer close_timer;  // bounds the wait for the peer's close_notify
  HandlerMemory read_memory;       // the read and the write in flight at once
  HandlerMemory write_memory;
  bool handshake_done = false;
};

namespace {

// A peer that neither answers our close_notify nor closes gets this long.
constexpr auto kTlsCloseWait = std::chrono::seconds(1);

void CloseTcp(asio::ip::tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

std::string EndpointText(const asio::ip::tcp::endpoint& ep) {
  return StrCat(ep.address().to_string(), ":", ep.port());
}

// TCP keepalive as Redis configures it: probes after `seconds` idle, then every seconds/3,
// dropping the peer after 3 unanswered probes.
void SetKeepAlive(int fd, int64_t seconds) {
  if (fd < 0 || seconds <= 0) return;
  int yes = 1, idle = static_cast<int>(seconds), interval = std::max(1, idle / 3), count = 3;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

}  // namespace

Session::Session(Server& server, asio::ip::tcp::socket socket, uint64_t id, asio::ssl::context* tls)
    : server_(server), socket_(std::move(socket)) {
  if (tls) {
    tls_ = std::make_unique<TlsStream>(socket_, *tls);
    // Read per connection, so CONFIG SET tls-auth-clients applies to the next client.
    tls_->stream.set_verify_mode(TlsVerifyMode(server_.config().tls_auth_clients));
  }
  info_.id = id;
  boost::system::error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) info_.addr = EndpointText(remote);
  auto local = socket_.local_endpoint(ec);
  if (!ec) info_.laddr = EndpointText(local);
  info_.fd = socket_.native_handle();
  info_.created_ms = info_.last_interaction_ms = server_.clock().NowMs();
  info_.user = &server_.acl().default_user();
  info_.authenticated = !server_.auth_required();
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  SetKeepAlive(socket_.native_handle(), server_.config().tcp_keepalive);
  RefreshParserLimits();
}

Session::~Session() = default;

void Session::RefreshParserLimits() {
  parser_.set_limits(server_.ParserLimitsFor(info_.authenticated));
}

void Session::Start() {
  if (tls_) {
    Handshake();
  } else {
    ReadSome();
  }
}

void Session::RejectAndClose(std::string_view error) {
  protocol::ReplyWriter(&out_, 2).Error(error);
  CloseAfterReply();
  // A TLS client can only read the reason once the handshake is done.
  if (tls_) {
    Handshake();
  } else {
    Flush();
  }
}

bool Session::handshaking() const { return tls_ && !tls_->handshake_done && !closed_; }

void Session::Handshake() {
  tls_->stream.async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this()](const boost::system::error_code& ec) { self->OnHandshake(ec); });
}

void Session::OnHandshake(const boost::system::error_code& ec) {
  if (closed_) return;
  if (ec) {
    // Plain RESP sent to the TLS port, a refused client certificate, a protocol mismatch:
    // only this connection is affected.
    LogVerbose("TLS handshake with client id=", info_.id, " addr=", info_.addr,
               " failed: ", ec.message());
    CloseSocket();
    return;
  }
  tls_->handshake_done = true;
  info_.last_interaction_ms = server_.clock().NowMs();
  if (close_after_reply_) {
    Flush();
  } else {
    ReadSome();
  }
}

void Session::ReadSome() {
  if (reading_ || closing() || awaiting_sync_) return;
  reading_ = true;
  std::span<char> room = parser_.PrepareRead();
  auto on_read = [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    self->OnRead(ec, n);
  };
  if (tls_) {
    tls_->stream.async_read_some(asio::buffer(room.data(), room.size()),
                                 WithMemory(tls_->read_memory, std::move(on_read)));
  } else {
    read_size_ = room.size();
    socket_.async_read_some(ReadBuffer(room), std::move(on_read));
  }
}

void Session::OnRead(const boost::system::error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    if (ec == asio::error::eof) {
      EndOfStream();
    } else {
      CloseSocket();
    }
    return;
  }
  hidden_end_ =
      KIZUNA_DRAINING_READ && !tls_ && n < read_size_ ? HiddenEnd::kPossible : HiddenEnd::kNo;
  parser_.CommitRead(n);
  server_.stats().total_net_input_bytes += n;
  info_.last_interaction_ms = server_.clock().NowMs();
  ProcessInput();
  AfterBatch();
}

void Session::CloseIfEndHidden() {
  if (hidden_end_ == HiddenEnd::kNo || !reading_ || closed_) return;
  if (hidden_end_ == HiddenEnd::kPossible) {  // read since the last call: not waited long
    hidden_end_ = HiddenEnd::kWaitedAPeriod;
    return;
  }
  // Looked at once: a FIN that comes later raises an edge of its own.
  hidden_end_ = HiddenEnd::kNo;
  ++server_.stats().eof_peeks;
  if (!EndOfStreamWaits(socket_.native_handle())) return;
  ++server_.stats().eof_peek_closes;
  EndOfStream();
}

void Session::EndOfStream() {
  if (pending_output() == 0) return CloseSocket();
  // A client that half-closed still reads: the replies to what it sent go out before the
  // close. They wait for the turn's ReplyBatch, and a read the reactor completes (one that
  // waited after a short read) can run ahead of it.
  CloseAfterReply();
  if (!flush_batched_) Flush();
}

void Session::AfterBatch() {
  if (server_.persistence().ReplyNeedsSync()) {
    // Group commit: the replies go out once the log holding these writes is on disk.
    if (!awaiting_sync_) {
      awaiting_sync_ = true;
      server_.persistence().WaitForSync(shared_from_this());
    }
    return;
  }
  // The replies go out with those of every other client served in this turn (ReplyBatch).
  if (!flush_batched_) {
    flush_batched_ = true;
    server_.reply_batch().Add(shared_from_this());
  }
  if (!closing() && !reading_ && pending_output() <= kMaxPendingOutput) ReadSome();
}

void Session::FlushBatched() {
  flush_batched_ = false;
  Flush();
  if (CloseIfOverOutputLimit()) return;
  if (!closing() && !reading_ && pending_output() <= kMaxPendingOutput) ReadSome();
}

void Session::ResumeAfterSync() {
  awaiting_sync_ = false;
  if (closed_) return;
  AfterBatch();
}

void Session::SetBlocked(bool blocked) {
  blocked_ = blocked;
  if (blocked || closed_) return;
  ProcessInput();
  AfterBatch();
}

bool Session::CloseIfOverOutputLimit() {
  const OutputLimit& limit = server_.output_limit(info_.monitor);
  auto pending = static_cast<int64_t>(pending_output());
  bool over = limit.hard > 0 && pending > limit.hard;
  if (!over && limit.soft > 0 && pending > limit.soft) {
    store::TimeMs now = store::SystemNowMs();
    if (over_soft_limit_since_ < 0) over_soft_limit_since_ = now;
    over = now - over_soft_limit_since_ > limit.soft_seconds * 1000;
  } else if (!over) {
    over_soft_limit_since_ = -1;
  }
  if (!over) return false;
  LogWarning("Client id=", info_.id, " addr=", info_.addr, " closed for overcoming of output ",
             "buffer limits (", pending, " bytes pending)");
  Kill();
  return true;
}

void Session::ProcessInput() {
  // Stops early when the client's unsent replies pass the flow-control limit; the rest of
  // the buffered commands run once the output drains (OnWrite).
  CommandRun run;
  while (!closing() && !blocked_ && pending_output() <= kMaxPendingOutput) {
    protocol::RequestParser::Status st = parser_.Next();
    if (st == protocol::RequestParser::Status::kNeedMore) return;
    if (st == protocol::RequestParser::Status::kError) {
      LogVerbose("Protocol error from client id=", info_.id, " addr=", info_.addr, ": ",
                 parser_.error());
      protocol::ReplyWriter(&out_, info_.resp).Error(StrCat("ERR ", parser_.error()));
      CloseAfterReply();
      return;
    }
    PrefetchAhead();
    ExecuteCommand(server_, *this, parser_.args(), out_, &run);
  }
}

void Session::PrefetchAhead() {
  // The hash lookup of an EVENT is three dependent cache misses (hash slot, id offset, id
  // bytes) before the score row's: started three, two and one commands ahead, they overlap
  // with the commands before.
  std::span<const CommandLookahead::Command> ahead = lookahead_.Advance(parser_);
  for (size_t i = 0; i < ahead.size(); ++i) {
    if (ahead[i].reads_customer) {
      server_.store().PrefetchCustomer(store::HashedId{ahead[i].key, ahead[i].key_hash}, i + 1);
    }
  }
}

void Session::ScheduleFlush() {
  if (flush_scheduled_ || closed_) return;
  flush_scheduled_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->Flush();
  });
}

void Session::Flush() {
  if (closed_ || writing_in_flight_ || awaiting_sync_) return;
  if (tls_ && !tls_->handshake_done) return;  // OnHandshake flushes
  if (out_.empty()) {
    if (close_after_reply_) CloseSocket();
    return;
  }
  if (!tls_) {
    // Try the write right away: it usually completes, and avoids a trip through the reactor.
    // (Not for TLS: a synchronous SSL write on a non-blocking socket can lose records.)
    boost::system::error_code ec;
    size_t written = socket_.write_some(asio::buffer(out_.data(), out_.size()), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      CloseSocket();
      return;
    }
    server_.stats().total_net_output_bytes += written;
    if (written == out_.size()) {
      out_.clear();
      if (close_after_reply_) CloseSocket();
      return;
    }
    out_.Consume(written);
  }
  std::swap(out_, writing_);
  writing_in_flight_ = true;
  auto on_write = [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    self->OnWrite(ec, n);
  };
  if (tls_) {
    asio::async_write(tls_->stream, asio::buffer(writing_.data(), writing_.size()),
                      WithMemory(tls_->write_memory, std::move(on_write)));
  } else {
    asio::async_write(socket_, asio::buffer(writing_.data(), writing_.size()), std::move(on_write));
  }
}

void Session::OnWrite(const boost::system::error_code& ec, size_t n) {
  writing_in_flight_ = false;
  if (closed_) return;
  if (ec) {
    CloseSocket();
    return;
  }
  server_.stats().total_net_output_bytes += n;
  writing_.clear();
  writing_.ShrinkTo(64 * 1024);
  Flush();
  // Resume a client whose reading was paused for flow control: commands already buffered
  // (parsed but not executed) run before reading more.
  if (!closing() && !reading_ && !awaiting_sync_ && pending_output() <= kMaxPendingOutput) {
    ProcessInput();
    AfterBatch();
  }
}

void Session::Kill() { CloseSocket(); }

void Session::CloseSocket() {
  if (closed_) return;
  closed_ = true;
  // As Redis, a TLS client gets a close_notify (unless a write is stuck: output limit).
  if (tls_ && tls_->handshake_done && !writing_in_flight_) {
    ShutdownTls();
  } else {
    CloseTcp(socket_);
  }
  if (info_.monitor) server_.RemoveMonitor(this);
  if (blocked_) server_.blocked_readers().Remove(info_.id);
  // Deferred: the registry holds the last owning reference and we may be inside a handler.
  asio::post(server_.io(), [&server = server_, id = info_.id] { server.RemoveSession(id); });
}

void Session::ShutdownTls() {
  // The shutdown's handler or the timer's, whichever runs first, closes the socket; closing
  // cancels the other. Both hold a reference, so the session outlives the registry entry.
  tls_->close_timer.expires_after(kTlsCloseWait);
  tls_->close_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) CloseTcp(self->socket_);
  });
  tls_->stream.async_shutdown([self = shared_from_this()](const boost::system::error_code&) {
    self->tls_->close_timer.cancel();
    CloseTcp(self->socket_);
  });
}

}  // namespace kizuna::server
