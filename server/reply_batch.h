// ReplyBatch: the replies of every client served in one event-loop turn are written together
// at the end of the turn, as Redis writes them before it sleeps.
//
// Why: a write to a peer process that sleeps in epoll_wait wakes it, and on this kind of
// machine the wake-up is an inter-processor interrupt (a hypervisor exit on a VM) paid inside
// our send call. Writing each client's replies as soon as they are ready, between the
// commands of the next client, let the peer fall asleep again before every write; writes
// back to back find it awake.
#ifndef KIZUNA_SERVER_REPLY_BATCH_H_
#define KIZUNA_SERVER_REPLY_BATCH_H_

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <vector>

namespace kizuna::server {

class Session;

class ReplyBatch {
 public:
  explicit ReplyBatch(boost::asio::io_context& io) : io_(io) {}

  // Flushes s (Session::FlushBatched) once the handlers already queued have run: the rest of
  // this turn's clients. Call at most once per session until its flush runs.
  void Add(std::shared_ptr<Session> s);
  // Writes what waits now (shutdown: commands that ran get their replies before the close).
  void FlushNow() { Run(); }
  // INFO stats: batches written, and the clients in them (the event loop also measures a
  // turn by the clients it wrote to).
  uint64_t batches() const { return batches_; }
  uint64_t clients() const { return clients_; }

 private:
  void Run();

  boost::asio::io_context& io_;
  std::vector<std::shared_ptr<Session>> waiting_;
  std::vector<std::shared_ptr<Session>> running_;  // reused, so a turn does not allocate
  bool posted_ = false;
  uint64_t batches_ = 0;
  uint64_t clients_ = 0;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_REPLY_BATCH_H_
