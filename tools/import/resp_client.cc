#include "tools/import/resp_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace kizuna::import {
namespace {

constexpr size_t kReadChunk = 256 * 1024;
constexpr int kMaxNesting = 16;

}  // namespace

RespClient::~RespClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::string RespClient::Connect(const std::string& host, int port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addrs = nullptr;
  std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &addrs); rc != 0) {
    return host + ": " + ::gai_strerror(rc);
  }
  std::string error = "no address";
  for (addrinfo* a = addrs; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    fd_ = fd;
    error = WaitFor(POLLOUT, timeout_ms);
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (error.empty() && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 &&
        so_error != 0) {
      error = std::strerror(so_error);
    }
    if (error.empty()) break;
    ::close(fd);
    fd_ = -1;
  }
  ::freeaddrinfo(addrs);
  if (fd_ < 0) return "cannot connect to " + host + ":" + service + ": " + error;
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  in_.resize(kReadChunk * 2);
  return {};
}

void RespClient::Adopt(int fd) {
  fd_ = fd;
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  in_.resize(kReadChunk * 2);
}

void RespClient::AppendHeader(char type, size_t n) {
  char buf[24];
  buf[0] = type;
  char* end = std::to_chars(buf + 1, buf + sizeof buf, n).ptr;
  out_.append(buf, end);
  out_.append("\r\n", 2);
}

void RespClient::AppendBulk(std::string_view s) {
  AppendHeader('$', s.size());
  out_.append(s);
  out_.append("\r\n", 2);
}

void RespClient::Append(std::initializer_list<std::string_view> args) {
  AppendHeader('*', args.size());
  for (std::string_view a : args) AppendBulk(a);
}

void RespClient::AppendEvent(const EventRow& row) {
  size_t n = 6 + (row.item ? 2 : 0) + (row.value ? 2 : 0) + (row.id ? 2 : 0);
  AppendHeader('*', n);
  AppendBulk("EVENT");
  AppendBulk(row.customer);
  AppendBulk(row.action);
  if (row.item) {
    AppendBulk("ITEM");
    AppendBulk(*row.item);
  }
  char num[32];
  if (row.value) {
    AppendBulk("VALUE");
    // Shortest text that reads back as the same double.
    char* end = std::to_chars(num, num + sizeof num, *row.value).ptr;
    AppendBulk(std::string_view(num, static_cast<size_t>(end - num)));
  }
  AppendBulk("TS");
  char* end = std::to_chars(num, num + sizeof num, row.ts).ptr;
  AppendBulk(std::string_view(num, static_cast<size_t>(end - num)));
  if (row.id) {
    AppendBulk("ID");
    AppendBulk(*row.id);
  }
  AppendBulk("IMPORT");
}

std::string RespClient::Flush() {
  while (out_sent_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return std::string("write: ") + std::strerror(errno);
    }
    out_sent_ += static_cast<size_t>(n);
  }
  if (out_sent_ == out_.size()) {
    out_.clear();  // keeps its capacity: no allocation per batch
    out_sent_ = 0;
  }
  return {};
}

std::string RespClient::Receive() {
  if (in_begin_ > 0) {
    std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  if (in_.size() - in_end_ < kReadChunk) in_.resize(in_.size() * 2);
  while (true) {
    ssize_t n = ::recv(fd_, in_.data() + in_end_, in_.size() - in_end_, 0);
    if (n > 0) {
      in_end_ += static_cast<size_t>(n);
      return {};
    }
    if (n == 0) return "the server closed the connection";
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
    return std::string("read: ") + std::strerror(errno);
  }
}

bool RespClient::ParseReply(size_t* pos, Reply* reply, int depth) {
  const char* base = in_.data();
  size_t p = *pos;
  if (p >= in_end_) return false;
  const void* cr = std::memchr(base + p, '\r', in_end_ - p);
  if (!cr) return false;
  size_t line_end = static_cast<size_t>(static_cast<const char*>(cr) - base);
  if (line_end + 1 >= in_end_) return false;  // the '\n' has not arrived yet
  char type = base[p];
  std::string_view line(base + p + 1, line_end - p - 1);
  size_t next = line_end + 2;
  reply->type = type;
  reply->text = line;
  if (type == '$' || type == '*') {
    long long n = -1;
    std::from_chars(line.data(), line.data() + line.size(), n);
    reply->text = {};
    if (n < 0) {
      reply->type = '_';
    } else if (type == '$') {
      if (in_end_ - next < static_cast<size_t>(n) + 2) return false;
      reply->text = std::string_view(base + next, static_cast<size_t>(n));
      next += static_cast<size_t>(n) + 2;
    } else {
      if (depth >= kMaxNesting) return false;
      Reply element;
      for (long long i = 0; i < n; ++i) {
        if (!ParseReply(&next, &element, depth + 1)) return false;
      }
    }
  }
  *pos = next;
  return true;
}

bool RespClient::NextReply(Reply* reply) { return ParseReply(&in_begin_, reply, 0); }

std::string RespClient::WaitFor(short events, int timeout_ms) {
  pollfd pfd{fd_, events, 0};
  while (true) {
    int rc = ::poll(&pfd, 1, timeout_ms);
    if (rc > 0) return {};
    if (rc == 0) return "timed out";
    if (errno != EINTR) return std::string("poll: ") + std::strerror(errno);
  }
}

std::string RespClient::Call(std::initializer_list<std::string_view> args, Reply* reply,
                             int timeout_ms) {
  Append(args);
  while (pending_output() > 0) {
    if (std::string e = Flush(); !e.empty()) return e;
    if (pending_output() > 0) {
      if (std::string e = WaitFor(POLLOUT, timeout_ms); !e.empty()) return e;
    }
  }
  while (!NextReply(reply)) {
    if (std::string e = WaitFor(POLLIN, timeout_ms); !e.empty()) return e;
    if (std::string e = Receive(); !e.empty()) return e;
  }
  return {};
}

}  // namespace kizuna::import
