// What the system calls of a request cost on this machine: a read that finds nothing (what
// asio's speculative read was after each batch, server/draining_read.h), the peek a session's
// periodic look makes, and a call that does nothing, for scale. On a VM each one is an exit to
// the hypervisor's paravirtual entry, so they cost far more than on bare metal.
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace {

namespace asio = boost::asio;

// A connected loopback pair whose server end holds no data.
struct IdleConnection {
  asio::io_context io;
  asio::ip::tcp::socket client{io}, server{io};
  IdleConnection() {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
};

void BM_NullSyscall(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(syscall(SYS_getppid));
}
BENCHMARK(BM_NullSyscall);

void BM_RecvThatFindsNothing(benchmark::State& state) {
  IdleConnection conn;
  char buf[16384];
  for (auto _ : state) {
    benchmark::DoNotOptimize(recv(conn.server.native_handle(), buf, sizeof(buf), MSG_DONTWAIT));
  }
}
BENCHMARK(BM_RecvThatFindsNothing);

void BM_PeekThatFindsNothing(benchmark::State& state) {
  IdleConnection conn;
  char byte;
  for (auto _ : state) {
    benchmark::DoNotOptimize(recv(conn.server.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT));
  }
}
BENCHMARK(BM_PeekThatFindsNothing);

}  // namespace
