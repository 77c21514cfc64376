#include "server/draining_read.h"

#include <sys/socket.h>

#include <cerrno>

namespace kizuna::server {

bool EndOfStreamWaits(int fd) {
  char byte;
  ssize_t n;
  do {
    n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n > 0) return false;                         // bytes first: a read takes them
  if (n == 0) return true;                         // the FIN, and nothing before it
  return errno != EAGAIN && errno != EWOULDBLOCK;  // an error (a reset) ends it too
}

}  // namespace kizuna::server
