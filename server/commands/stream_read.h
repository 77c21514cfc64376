// XREAD / XREADGROUP as a value: parsed once by the command, kept by the blocked-reader
// registry while the client waits, and served by the same function either way.
#ifndef KIZUNA_SERVER_COMMANDS_STREAM_READ_H_
#define KIZUNA_SERVER_COMMANDS_STREAM_READ_H_

#include <cstddef>
#include <string>

#include "absl/container/inlined_vector.h"
#include "protocol/reply_writer.h"
#include "store/stream/stream_id.h"

namespace kizuna::server {

class Server;

struct StreamRead {
  struct Target {
    bool new_only = false;  // XREADGROUP ">"
    store::StreamId after;  // entries with larger ids ("$" already resolved)
  };
  bool group_read = false;  // XREADGROUP
  std::string group;
  std::string consumer;
  size_t count = 0;  // 0 = no limit
  bool no_ack = false;
  absl::InlinedVector<Target, 1> targets;  // one per "outbox" after STREAMS
};

enum class ReadResult {
  kReplied,  // entries, or an error (the group is gone)
  kEmpty,    // nothing to deliver yet: reply null, or keep waiting
};

// Serves `read` at the server clock into `w`; writes nothing when the result is kEmpty.
// `log` appends the resolved XREADGROUP to the persistence log when it delivered entries
// (a reader served after blocking: its command was logged when it blocked).
ReadResult ServeStreamRead(Server& server, const StreamRead& read, protocol::ReplyWriter& w,
                           bool log);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMANDS_STREAM_READ_H_
