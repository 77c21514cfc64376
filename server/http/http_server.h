// The HTTP side (--http-port): / (dashboard), /api/stats (JSON) and /metrics (Prometheus), on
// the server's own event loop.
//
// Same loop as the RESP clients, not a thread of its own: every figure it reports lives in
// single-threaded structures, so reading them from the loop needs no locks and is always
// consistent. A scrape costs well under a millisecond; /api/stats costs what STATS does.
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

// Whether an Authorization header carries `password` (Bearer <pw>, or Basic with any user).
bool HttpAuthorized(std::string_view authorization, std::string_view password);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_HTTP_HTTP_SERVER_H_
