#include "tools/import/resp_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace kizuna::import {
namespace {

// A RespClient on one end of a socketpair; the test plays the server on the other.
class Pair {
 public:
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    client.Adopt(fds[0]);
    peer = fds[1];
  }
  ~Pair() { ::close(peer); }

  // What the client wrote, as the server would read it.
  std::string Sent() {
    EXPECT_EQ(client.Flush(), "");
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(peer, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  // The server sends `bytes`; returns every reply the client can now read whole, each as its
  // type character followed by its text.
  std::vector<std::string> Deliver(const std::string& bytes) {
    EXPECT_EQ(::send(peer, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    EXPECT_EQ(client.Receive(), "");
    std::vector<std::string> replies;
    Reply r;
    while (client.NextReply(&r)) replies.push_back(std::string(1, r.type) + std::string(r.text));
    return replies;
  }

  RespClient client;
  int peer = -1;
};

TEST(RespClient, EventCarriesOnlyTheFieldsTheRowHas) {
  Pair p;
  EventRow row;
  row.customer = "c 1";
  row.action = "purchase";
  row.item = "product:A";
  row.value = 0.1;
  row.ts = 1700000000123;
  row.id = "";
  p.client.AppendEvent(row);
  EXPECT_EQ(p.Sent(),
            "*12\r\n$5\r\nEVENT\r\n$3\r\nc 1\r\n$8\r\npurchase\r\n$4\r\nITEM\r\n$9\r\nproduct:A\r\n"
            "$5\r\nVALUE\r\n$3\r\n0.1\r\n$2\r\nTS\r\n$13\r\n1700000000123\r\n$2\r\nID\r\n$0\r\n\r\n"
            "$6\r\nIMPORT\r\n");
  EventRow bare;
  bare.customer = "c";
  bare.action = "view";
  bare.ts = 0;
  p.client.AppendEvent(bare);
  EXPECT_EQ(
      p.Sent(),
      "*6\r\n$5\r\nEVENT\r\n$1\r\nc\r\n$4\r\nview\r\n$2\r\nTS\r\n$1\r\n0\r\n$6\r\nIMPORT\r\n");
}

TEST(RespClient, RepliesSplitAnywhereAreReadWhole) {
  const std::string stream =
      "$2\r\n18\r\n-ERR value is not a valid float\r\n+OK\r\n:42\r\n$-1\r\n"
      "*2\r\n$1\r\na\r\n*1\r\n:1\r\n$12\r\nline1\r\nline2\r\n";
  const std::vector<std::string> expected = {
      "$18", "-ERR value is not a valid float", "+OK", ":42", "_", "*", "$line1\r\nline2"};
  for (size_t split = 1; split < stream.size(); ++split) {
    Pair p;
    std::vector<std::string> got = p.Deliver(stream.substr(0, split));
    std::vector<std::string> rest = p.Deliver(stream.substr(split));
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, expected) << "split at " << split;
  }
}

TEST(RespClient, ClosedConnectionIsReported) {
  Pair p;
  ::shutdown(p.peer, SHUT_WR);
  EXPECT_EQ(p.client.Receive(), "the server closed the connection");
}

}  // namespace
}  // namespace kizuna::import
