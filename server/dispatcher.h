// Dispatch: runs one parsed command for a session. Looks the command up in the table, checks
// authentication, subcommand and arity, times the handler, updates statistics and the slow
// log, feeds MONITOR, and honours CLIENT REPLY OFF/SKIP.
#ifndef KIZUNA_SERVER_DISPATCHER_H_
#define KIZUNA_SERVER_DISPATCHER_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/reply_writer.h"

namespace kizuna::server {

class Server;
class Session;

// Commands run back to back (a read's pipeline) share their clock readings: each one's end is
// the next one's start, so a command costs one reading of the counter instead of two (on this
// VM a reading is ~16 ns, most of a percent of an EVENT). A command's time then also covers
// its parsing and the previous command's statistics. Begin a new run for each batch: the wait
// between batches is no command's.
struct CommandRun {
  uint64_t last_end = 0;
  bool started = false;
};

// Runs one command; `run` (optional) is the batch it belongs to.
void ExecuteCommand(Server& server, Session& session, std::span<const std::string_view> args,
                    protocol::ReplyBuffer& out, CommandRun* run = nullptr);

// For internal clients (replay, init file): the message of an error reply ("ERR ..." without
// '-' and CRLF), or empty when `reply` is not an error.
std::string_view ErrorReplyText(const protocol::ReplyBuffer& reply);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_DISPATCHER_H_
