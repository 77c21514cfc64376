#include "server/http/http_server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>

#include "server/acl/acl.h"
#include "server/http/dashboard_page.h"
#include "server/http/metrics.h"
#include "server/http/stats_json.h"
#include "server/log.h"
#include "server/server.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kIdleTimeout = std::chrono::seconds(30);

std::string DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return {};
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && AsciiLower(s.substr(0, prefix.size())) == prefix;
}

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(Server& server, asio::ip::tcp::socket socket)
      : server_(server), stream_(std::move(socket)) {}

  void Read() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(0);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       self->Respond(self->parser_->get());
                     });
  }

 private:
  void Respond(const http::request<http::empty_body>& req) {
    response_ = {};
    response_.version(req.version());
    response_.keep_alive(req.keep_alive());
    response_.set(http::field::server, "kizuna");
    auto auth = req[http::field::authorization];
    std::string_view target(req.target().data(), req.target().size());
    std::string_view path = target.substr(0, target.find('?'));  // the dashboard takes a query
    std::string_view header(auth.data(), auth.size());
    const AclUser* user = Authenticate(header);
    if (!user) {
      Reply(http::status::unauthorized, "text/plain", "authentication required\n");
      response_.set(http::field::www_authenticate, "Basic realm=\"kizuna\"");
    } else if (!HttpMayRead(server_, *user)) {
      Reply(http::status::forbidden, "text/plain",
            StrCat("User ", user->name(), " has no permissions to run the 'stats' command\n"));
    } else if (req.method() != http::verb::get) {
      Reply(http::status::method_not_allowed, "text/plain", "only GET\n");
      response_.set(http::field::allow, "GET");
    } else if (req.target() == "/metrics") {
      Reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", BuildMetrics(server_));
    } else if (req.target() == "/api/stats") {
      Reply(http::status::ok, "application/json", BuildStatsJson(server_));
    } else if (path == "/") {
      Reply(http::status::ok, "text/html; charset=utf-8", std::string(DashboardPage()));
    } else {
      Reply(http::status::not_found, "text/plain", "not found\n");
    }
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec || !self->response_.keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  // The ACL user of a request: Basic user:pass, Bearer <default user's password>, or the
  // default user without a header when it needs no password. nullptr if none; wrong
  // credentials are counted in ACL LOG like a failed AUTH.
  const AclUser* Authenticate(std::string_view header) {
    Acl& acl = server_.acl();
    if (header.empty()) return server_.auth_required() ? nullptr : &acl.default_user();
    std::string name, pass;
    const AclUser* user = nullptr;
    if (ParseHttpAuthorization(header, &name, &pass)) user = acl.Authenticate(name, pass);
    if (!user) {
      boost::system::error_code ec;
      auto peer = stream_.socket().remote_endpoint(ec);
      acl.log().Add("auth", "http", name,
                    StrCat("addr=", ec ? "?" : peer.address().to_string(), ":",
                           ec ? 0 : peer.port(), " http"),
                    server_.clock().NowMs(), static_cast<size_t>(server_.config().acllog_max_len));
    }
    return user;
  }

  void Reply(http::status status, std::string_view type, std::string body) {
    response_.result(status);
    response_.set(http::field::content_type, beast::string_view(type.data(), type.size()));
    response_.body() = std::move(body);
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  Server& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{8 * 1024};
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

bool ParseHttpAuthorization(std::string_view header, std::string* user, std::string* pass) {
  if (StartsWithIgnoreCase(header, "bearer ")) {
    *user = "default";
    *pass = std::string(StripWhitespace(header.substr(7)));
    return true;
  }
  if (StartsWithIgnoreCase(header, "basic ")) {
    std::string decoded = DecodeBase64(StripWhitespace(header.substr(6)));
    size_t colon = decoded.find(':');
    if (colon == std::string::npos) return false;
    *user = decoded.substr(0, colon);
    *pass = decoded.substr(colon + 1);
    return true;
  }
  return false;
}

bool HttpMayRead(Server& server, const AclUser& user) {
  const CommandTable::Entry* stats = server.commands().Find("stats");
  return stats && user.CanRun(stats->id);
}

HttpServer::HttpServer(Server& server) : server_(server), acceptor_(server.io()) {}

bool HttpServer::Listen(const std::string& address, int64_t port) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  asio::ip::tcp::endpoint endpoint(ip, static_cast<uint16_t>(port));
  if (!ec) acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(128, ec);
  if (ec) {
    LogWarning("Could not listen for HTTP on ", address, ":", port, ": ", ec.message());
    return false;
  }
  LogNotice("HTTP (metrics) on ", address, ":", port);
  Accept();
  return true;
}

void HttpServer::Stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void HttpServer::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, asio::ip::tcp::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<HttpConnection>(server_, std::move(s))->Read();
    Accept();
  });
}

}  // namespace kizuna::server
