#include "server/blocked_readers.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "server/server.h"
#include "server/session.h"

namespace kizuna::server {

namespace asio = boost::asio;

void BlockedReaders::Block(Session& session, StreamRead read, int64_t timeout_ms) {
  session.SetBlocked(true);
  uint64_t id = session.info().id;
  Waiter& w = waiters_.emplace_back(Waiter{id, std::move(read), INT64_MAX, nullptr});
  if (timeout_ms == 0) return;
  store::Clock& clock = server_.clock();
  if (clock.is_manual()) {
    w.deadline = clock.NowMs() + timeout_ms;
    return;
  }
  w.timer =
      std::make_unique<asio::steady_timer>(server_.io(), std::chrono::milliseconds(timeout_ms));
  w.timer->async_wait([this, id](const boost::system::error_code& ec) {
    if (!ec) TimeOut(id);
  });
}

void BlockedReaders::Remove(uint64_t client_id) {
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->client_id == client_id) {
      waiters_.erase(it);  // cancels its timer
      return;
    }
  }
}

void BlockedReaders::OnStreamChanged() {
  if (pass_posted_ || waiters_.empty()) return;
  pass_posted_ = true;
  asio::post(server_.io(), [this] { ServePass(); });
}

void BlockedReaders::ServePass() {
  pass_posted_ = false;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    auto next = std::next(it);
    Session* session = server_.FindSession(it->client_id);
    if (!session || session->closing()) {
      waiters_.erase(it);
    } else {
      protocol::ReplyWriter w(&session->output(), session->info().resp);
      if (ServeStreamRead(server_, it->read, w, /*log=*/true) == ReadResult::kReplied) {
        Release(it);
      }
    }
    it = next;
  }
}

void BlockedReaders::TimeOut(uint64_t client_id) {
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->client_id != client_id) continue;
    if (Session* session = server_.FindSession(client_id)) {
      protocol::ReplyWriter(&session->output(), session->info().resp).NullArray();
    }
    Release(it);
    return;
  }
}

void BlockedReaders::OnClockAdvanced() {
  // Entries the timers appended on the way are offered before anyone times out (an entry
  // fired after a reader's deadline still reaches it: the clock moved in one command).
  if (pass_posted_) ServePass();
  store::TimeMs now = server_.clock().NowMs();
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    auto next = std::next(it);
    if (it->deadline <= now) TimeOut(it->client_id);
    it = next;
  }
}

void BlockedReaders::Release(List::iterator it) {
  uint64_t id = it->client_id;
  waiters_.erase(it);
  // Resume in a step of its own: the client may run pipelined commands that block again or
  // append to the outbox, which must not happen inside this pass or another client's command.
  asio::post(server_.io(), [this, id] {
    if (Session* session = server_.FindSession(id)) session->SetBlocked(false);
  });
}

}  // namespace kizuna::server
