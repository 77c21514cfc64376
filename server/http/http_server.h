// The HTTP side (--http-port): / (dashboard), /api/stats (JSON) and /metrics (Prometheus), on
// the server's own event loop.
//
// Same loop as the RESP clients, not a thread of its own: every figure it reports lives in
// single-threaded structures, so reading them from the loop needs no locks and is always
// consistent. A scrape costs well under a millisecond; /api/stats computes STATS, a
// histogram per category and the total, and the revenue bands, and holds the loop that long
// (bench/RESULTS.md, "Insight"). Access: ACL users, see HttpMayRead below.
// Connections are keep-alive with a 30 s idle timeout; requests are limited to 8 KB of headers and
// no body.
#ifndef KIZUNA_SERVER_HTTP_HTTP_SERVER_H_
#define KIZUNA_SERVER_HTTP_HTTP_SERVER_H_

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

namespace kizuna::server {

class Server;

class HttpServer {
 public:
  explicit HttpServer(Server& server);
  // Binds `address`:`port`; false (logged) on failure.
  bool Listen(const std::string& address, int64_t port);
  void Stop();

 private:
  void Accept();

  Server& server_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

class AclUser;

// The credentials of an Authorization header: Basic user:pass, or Bearer <password> of the
// default user. False if the header is neither.
bool ParseHttpAuthorization(std::string_view header, std::string* user, std::string* pass);

// The rule for every page (/, /api/stats, /metrics): the user may run STATS, i.e. has @read
// (or +stats). Without credentials a request gets 401; with a user lacking it, 403.
bool HttpMayRead(Server& server, const AclUser& user);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_HTTP_HTTP_SERVER_H_
