// DrainingRead: the buffer of a plain TCP client's read, for which a read that returns less
// than it asked for tells asio that the socket is drained.
//
// Why: Boost 1.74's asio tries every async read at once (a speculative recv) unless the
// socket's last read said it was exhausted, and a read says so only at end of file. A client
// that waits for its replies before it sends again (redis-benchmark, any request/response
// client) has sent nothing when the server asks, so every batch cost a second recv that
// failed with EAGAIN: ~1.2 µs of CPU on a VM where a system call costs ~1.1 µs
// (bench/syscall_bench, bench/RESULTS.md). The reactor's epoll is edge-triggered and reports every
// later arrival of data, so a short recv (the socket held no more) can mark the socket exhausted,
// as asio's own sends do after a short send: the next read then waits for readiness without a
// system call. A recv that fills the buffer may have left data behind, and the next read is tried
// at once, as before.
//
// The one thing an edge does not report: a FIN that arrived together with the bytes the short
// read took (one edge for both). The read after it would wait for good, so a session whose
// last read was short and that has read nothing for a while asks EndOfStreamWaits.
//
// The hook is an explicit specialization of asio's receive operation for this buffer type
// only, written against asio's internals as Boost 1.74 has them (Debian 12's). With another
// Boost, ReadBuffer gives a plain buffer and asio behaves as it always did.
#ifndef KIZUNA_SERVER_DRAINING_READ_H_
#define KIZUNA_SERVER_DRAINING_READ_H_

#include <boost/asio/buffer.hpp>
#include <boost/asio/socket_base.hpp>  // before the detail header below, which needs it
#include <boost/version.hpp>
#include <span>

#if BOOST_VERSION == 107400
#include <boost/asio/detail/reactive_socket_recv_op.hpp>
#define KIZUNA_DRAINING_READ 1
#else
#define KIZUNA_DRAINING_READ 0
#endif

namespace kizuna::server {

// A one-buffer sequence of its own type, so that the specialization below applies to these
// reads and no others.
struct DrainingRead {
  boost::asio::mutable_buffer buffer;
  const boost::asio::mutable_buffer* begin() const { return &buffer; }
  const boost::asio::mutable_buffer* end() const { return &buffer + 1; }
};

// The buffer to pass to a plain socket's async_read_some.
inline auto ReadBuffer(std::span<char> room) {
#if KIZUNA_DRAINING_READ
  return DrainingRead{boost::asio::buffer(room.data(), room.size())};
#else
  return boost::asio::buffer(room.data(), room.size());
#endif
}

// True when a read of socket fd would end: the peer's FIN (or an error) waits, with no bytes
// before it. One recv with MSG_PEEK, which takes nothing.
bool EndOfStreamWaits(int fd);

}  // namespace kizuna::server

#if KIZUNA_DRAINING_READ
namespace boost::asio::detail {

// As asio's own do_perform for one buffer, but a short read of a stream also returns
// done_and_exhausted (asio's: only a read of nothing, end of file).
template <>
inline reactor_op::status reactive_socket_recv_op_base<kizuna::server::DrainingRead>::do_perform(
    reactor_op* base) {
  auto* o = static_cast<reactive_socket_recv_op_base*>(base);
  const mutable_buffer& b = o->buffers_.buffer;
  const bool stream = (o->state_ & socket_ops::stream_oriented) != 0;
  if (!socket_ops::non_blocking_recv1(o->socket_, b.data(), b.size(), o->flags_, stream, o->ec_,
                                      o->bytes_transferred_)) {
    return not_done;  // would block: the reactor waits for readiness
  }
  return stream && o->bytes_transferred_ < b.size() ? done_and_exhausted : done;
}

}  // namespace boost::asio::detail
#endif

#endif  // KIZUNA_SERVER_DRAINING_READ_H_
