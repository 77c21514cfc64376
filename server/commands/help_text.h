// HELP subcommands reply with an array of status lines, and errors point to them, as in Redis.
#ifndef KIZUNA_SERVER_COMMANDS_HELP_TEXT_H_
#define KIZUNA_SERVER_COMMANDS_HELP_TEXT_H_

#include <span>
#include <string_view>

#include "protocol/reply_writer.h"
#include "store/strings.h"

namespace kizuna::server {

inline void ReplyHelp(protocol::ReplyWriter& reply, std::span<const std::string_view> lines) {
  reply.Array(lines.size());
  for (std::string_view line : lines) reply.Simple(line);
}

// For a subcommand given arguments its handler does not take: "ERR unknown subcommand or wrong
// number of arguments for 'GET'. Try SLOWLOG HELP." (`parent` in upper case).
inline void ReplySubcommandSyntaxError(protocol::ReplyWriter& reply, std::string_view sub,
                                       std::string_view parent) {
  reply.Error(StrCat("ERR unknown subcommand or wrong number of arguments for '",
                     sub.substr(0, 128), "'. Try ", parent, " HELP."));
}

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMANDS_HELP_TEXT_H_
