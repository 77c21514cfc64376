// DrainingRead on real loopback sockets: a short read marks the socket drained, so what must
// hold is that no data is lost or left waiting. A read after a short one completes when the
// next bytes arrive, not before and not never; a read that fills its buffer is followed by
// one that finds the rest at once; the end of the stream still ends a read; and the one end it
// cannot see, a FIN that came with the short read's bytes, EndOfStreamWaits finds.
#include "server/draining_read.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <type_traits>

// Every recv of this test binary (asio's reads call ::recv) is counted, so that a test can
// tell whether a read was tried before the reactor reported data.
namespace {
int recv_calls = 0;
}  // namespace
extern "C" ssize_t recv(int fd, void* buf, size_t n, int flags) {
  using Recv = ssize_t (*)(int, void*, size_t, int);
  static const auto real = reinterpret_cast<Recv>(dlsym(RTLD_NEXT, "recv"));
  ++recv_calls;
  return real(fd, buf, n, flags);
}

namespace kizuna::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

class DrainingReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client_.connect(acceptor.local_endpoint());
    acceptor.accept(server_);
  }

  // Starts a read of up to `size` bytes into buf_; the result lands in done_.
  void StartRead(size_t size) {
    done_.reset();
    server_.async_read_some(ReadBuffer(std::span<char>(buf_.data(), size)),
                            [this](const boost::system::error_code& ec, size_t n) {
                              done_ = Result{ec, std::string(buf_.data(), n)};
                            });
  }
  // Runs the loop until the read completes (or 2 s pass: a lost wake-up).
  void RunUntilDone() {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done_ && std::chrono::steady_clock::now() < until) {
      io_.restart();
      io_.run_one_for(std::chrono::milliseconds(10));
    }
  }
  void Send(const std::string& bytes) { asio::write(client_, asio::buffer(bytes)); }

  struct Result {
    boost::system::error_code ec;
    std::string bytes;
  };
  asio::io_context io_;
  tcp::socket client_{io_};
  tcp::socket server_{io_};
  std::array<char, 64> buf_{};
  std::optional<Result> done_;
};

// The hook is compiled for one Boost only (its internals); this says when another Boost
// leaves sessions on asio's own reads, so that the hook gets checked against the new internals.
TEST(DrainingRead, IsInUseWithThisBoost) {
  char room[8];
  EXPECT_TRUE((std::is_same_v<decltype(ReadBuffer(std::span<char>(room))), DrainingRead>))
      << "Boost " << BOOST_LIB_VERSION << ": plain reads are asio's own (see draining_read.h)";
}

TEST_F(DrainingReadTest, AReadAfterAShortOneWaitsForTheNextBytesAndGetsThem) {
  Send("abc");
  StartRead(64);
  RunUntilDone();
  ASSERT_TRUE(done_);
  EXPECT_EQ(done_->bytes, "abc");
  for (std::string next : {"de", "fghij", "k"}) {
    StartRead(64);
    io_.restart();
    io_.poll();
    EXPECT_FALSE(done_) << "completed with no data sent";
    Send(next);
    RunUntilDone();
    ASSERT_TRUE(done_) << "the read of '" << next << "' never completed";
    EXPECT_FALSE(done_->ec);
    EXPECT_EQ(done_->bytes, next);
  }
}

// The point of the hook: after a short read, the next read makes no recv of its own (asio's
// would, and fail with EAGAIN); the one recv comes once the data is there.
TEST_F(DrainingReadTest, AReadAfterAShortOneMakesNoRecvUntilDataArrives) {
  Send("abc");
  StartRead(64);
  RunUntilDone();
  ASSERT_TRUE(done_);
  const int before = recv_calls;
  StartRead(64);
  io_.restart();
  io_.poll();
  EXPECT_EQ(recv_calls, before) << "a recv was tried with no data reported";
  Send("de");
  RunUntilDone();
  ASSERT_TRUE(done_);
  EXPECT_EQ(done_->bytes, "de");
  EXPECT_EQ(recv_calls, before + 1);
}

TEST_F(DrainingReadTest, AReadThatFillsItsBufferIsFollowedByTheRestAtOnce) {
  std::string sent(100, 'x');
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>('a' + i % 26);
  Send(sent);
  std::string got;
  StartRead(40);
  RunUntilDone();
  ASSERT_TRUE(done_);
  got += done_->bytes;
  while (got.size() < sent.size()) {
    StartRead(40);
    RunUntilDone();
    ASSERT_TRUE(done_) << "stopped after " << got.size() << " bytes";
    got += done_->bytes;
  }
  EXPECT_EQ(got, sent);
}

TEST_F(DrainingReadTest, TheEndOfTheStreamEndsAWaitingRead) {
  Send("last");
  StartRead(64);
  RunUntilDone();
  ASSERT_TRUE(done_);
  StartRead(64);
  client_.close();
  RunUntilDone();
  ASSERT_TRUE(done_);
  EXPECT_EQ(done_->ec, asio::error::eof);
}

// Why sessions call EndOfStreamWaits: the bytes and the FIN arrive before the reactor looks,
// so epoll reports them as one edge, and the short read that takes the bytes leaves the FIN
// with no edge of its own. The next read waits for good; the peek finds the end.
TEST_F(DrainingReadTest, AFinThatCameWithTheBytesIsFoundByEndOfStreamWaits) {
  StartRead(64);  // nothing sent yet: it waits for the reactor
  io_.restart();
  io_.poll();
  ASSERT_FALSE(done_);
  Send("abc");
  client_.close();
  RunUntilDone();
  ASSERT_TRUE(done_);
  EXPECT_EQ(done_->bytes, "abc");
  StartRead(64);
  io_.restart();
  io_.run_one_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(done_) << "no hidden FIN here: the test no longer shows what it is about";
  EXPECT_TRUE(EndOfStreamWaits(server_.native_handle()));
}

TEST_F(DrainingReadTest, EndOfStreamWaitsIsFalseWhileTheClientIsThereOrBytesCome) {
  EXPECT_FALSE(EndOfStreamWaits(server_.native_handle()));  // nothing sent
  Send("x");
  client_.close();  // bytes before the FIN: a read takes them first
  EXPECT_FALSE(EndOfStreamWaits(server_.native_handle()));
  char byte;
  ASSERT_EQ(::recv(server_.native_handle(), &byte, 1, 0), 1);
  EXPECT_TRUE(EndOfStreamWaits(server_.native_handle()));
}

TEST_F(DrainingReadTest, EndOfStreamWaitsAfterAReset) {
  ::linger abort{1, 0};  // close with a reset
  ASSERT_EQ(::setsockopt(client_.native_handle(), SOL_SOCKET, SO_LINGER, &abort, sizeof(abort)), 0);
  client_.close();
  EXPECT_TRUE(EndOfStreamWaits(server_.native_handle()));
}

}  // namespace
}  // namespace kizuna::server
