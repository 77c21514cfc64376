// BlockedReaders: clients parked by XREAD / XREADGROUP BLOCK until the outbox can serve them.
//
// The registry listens to the outbox (store::StreamListener). A change (an append, a group
// destroyed, FLUSHALL) posts one serving pass to the event loop, so readers are served after
// the command that appended has finished (and was logged first). The pass offers the change
// to every waiter, longest-waiting first, the way Redis re-runs a blocked command; a waiter
// whose read is still empty keeps waiting.
//
// Timeouts: with the real clock a steady timer per waiter; with the manual clock the deadline
// is on the server clock and checked by OnClockAdvanced() (DEBUG CLOCK SET/ADVANCE), so tests
// time out blocked reads without sleeping. A timed-out read replies null. A client that
// disconnects or is killed while waiting leaves through Remove().
//
// A served or timed-out client resumes its pipelined commands in a posted step, never inside
// the command or pass that released it.
#ifndef KIZUNA_SERVER_BLOCKED_READERS_H_
#define KIZUNA_SERVER_BLOCKED_READERS_H_

#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <list>
#include <memory>

#include "server/commands/stream_read.h"
#include "store/clock.h"
#include "store/stream/stream.h"

namespace kizuna::server {

class Server;
class Session;

class BlockedReaders final : public store::StreamListener {
 public:
  explicit BlockedReaders(Server& server) : server_(server) {}

  // Parks `session` with `read`; timeout_ms 0 waits forever.
  void Block(Session& session, StreamRead read, int64_t timeout_ms);
  // The client closed: forget it (no reply).
  void Remove(uint64_t client_id);
  void OnStreamChanged() override;
  // Manual clock moved (DEBUG CLOCK): serve what the timers appended, then time out the
  // waiters whose deadline has come.
  void OnClockAdvanced();
  size_t size() const { return waiters_.size(); }

 private:
  struct Waiter {
    uint64_t client_id;
    StreamRead read;
    store::TimeMs deadline;  // server clock (manual clock only); INT64_MAX = never
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  using List = std::list<Waiter>;

  void ServePass();
  void TimeOut(uint64_t client_id);
  // Takes the waiter out and lets its session go on (the reply is already written).
  void Release(List::iterator it);

  Server& server_;
  List waiters_;  // in blocking order
  bool pass_posted_ = false;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_BLOCKED_READERS_H_
