// CommandContext: what a command handler receives. A handler reads its arguments, calls one
// store operation and writes exactly one reply (unless it blocks the client).
#ifndef KIZUNA_SERVER_COMMAND_CONTEXT_H_
#define KIZUNA_SERVER_COMMAND_CONTEXT_H_

#include <span>
#include <string_view>

#include "protocol/reply_writer.h"

namespace kizuna::server {

class Server;
class Session;

struct CommandContext {
  // args[0] is the command name as the client sent it; for a subcommand args[1] is its name.
  std::span<const std::string_view> args;
  protocol::ReplyWriter& reply;
  Session& session;
  Server& server;
  // Set by LogAs(): the handler logged a resolved form of this write itself.
  bool logged = false;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMAND_CONTEXT_H_
