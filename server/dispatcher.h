// Dispatch: runs one parsed command for a session. Looks the command up in the table, checks
// authentication, subcommand and arity, times the handler, updates statistics and the slow
// log, feeds MONITOR, and honours CLIENT REPLY OFF/SKIP.
#ifndef KIZUNA_SERVER_DISPATCHER_H_
#define KIZUNA_SERVER_DISPATCHER_H_

#include <span>
#include <string_view>

#include "protocol/reply_writer.h"

namespace kizuna::server {

class Server;
class Session;

void ExecuteCommand(Server& server, Session& session, std::span<const std::string_view> args,
                    protocol::ReplyBuffer& out);

// For internal clients (replay, init file): the message of an error reply ("ERR ..." without
// '-' and CRLF), or empty when `reply` is not an error.
std::string_view ErrorReplyText(const protocol::ReplyBuffer& reply);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_DISPATCHER_H_
