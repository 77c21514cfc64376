// CLIENT ID|SETNAME|GETNAME|LIST|KILL|INFO|SETINFO|NO-EVICT|REPLY|HELP.
#include <string>
#include <vector>

#include "server/acl/acl.h"
#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/client_names.h"
#include "server/commands/families.h"
#include "server/commands/help_text.h"
#include "server/server.h"
#include "server/session.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

// One CLIENT LIST line, Redis 7.2 field order (fields we have no notion of are constant).
std::string ClientLine(Server& server, const Session& s) {
  const ClientInfo& c = s.info();
  int64_t now = server.clock().NowMs();
  const auto& parser = s.parser();
  std::string flags = c.monitor ? "O" : "N";
  if (c.no_evict) flags += "e";
  return StrCat("id=", c.id, " addr=", c.addr, " laddr=", c.laddr, " fd=", c.fd, " name=", c.name,
                " age=", (now - c.created_ms) / 1000,
                " idle=", (now - c.last_interaction_ms) / 1000, " flags=", flags,
                " db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=", parser.pending_bytes(),
                " qbuf-free=", parser.buffer_capacity() - parser.pending_bytes(),
                " argv-mem=0 multi-mem=0 rbs=", parser.buffer_capacity(),
                " rbp=0 obl=0 oll=0 omem=", s.pending_output(),
                " tot-mem=", parser.buffer_capacity() + s.pending_output(),
                " events=r cmd=", c.last_command, " user=", c.user ? c.user->name() : "default",
                " redir=-1 resp=", c.resp, " lib-name=", c.lib_name, " lib-ver=", c.lib_ver, "\n");
}

void ReplyText(CommandContext& ctx, std::string_view text) {
  if (ctx.reply.resp() == 3) return ctx.reply.Verbatim("txt", text);
  ctx.reply.Bulk(text);
}

void HandleId(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.session.info().id));
}

void HandleSetName(CommandContext& ctx) {
  if (!ValidClientName(ctx.args[2])) return ctx.reply.Error(kBadClientName);
  ctx.session.info().name = std::string(ctx.args[2]);
  ctx.reply.Ok();
}

void HandleGetName(CommandContext& ctx) {
  const std::string& name = ctx.session.info().name;
  if (name.empty()) return ctx.reply.Null();
  ctx.reply.Bulk(name);
}

void HandleList(CommandContext& ctx) {
  ArgParser p(ctx.args, 2);
  std::vector<uint64_t> ids;
  bool filter_ids = false;
  while (p.HasNext()) {
    if (p.Consume("TYPE")) {
      std::string_view type = p.Next();
      if (EqualsIgnoreCase(type, "normal")) continue;
      if (EqualsIgnoreCase(type, "master") || EqualsIgnoreCase(type, "replica") ||
          EqualsIgnoreCase(type, "slave") || EqualsIgnoreCase(type, "pubsub")) {
        return ReplyText(ctx, "");
      }
      return ctx.reply.Error(StrCat("ERR Unknown client type '", type, "'"));
    } else if (p.Consume("ID")) {
      filter_ids = true;
      if (!p.HasNext()) p.Fail(kSyntaxError);
      while (p.HasNext()) {
        auto id = ParseInt(p.Next());
        if (!id || *id <= 0) return ctx.reply.Error("ERR Invalid client ID");
        ids.push_back(static_cast<uint64_t>(*id));
      }
    } else {
      p.Fail(kSyntaxError);
    }
  }
  if (!p.ok()) return ctx.reply.Error(p.error());
  std::string text;
  for (const auto& [id, s] : ctx.server.sessions()) {
    if (s->closing() && s.get() != &ctx.session) continue;
    if (filter_ids && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    text += ClientLine(ctx.server, *s);
  }
  ReplyText(ctx, text);
}

void HandleInfo(CommandContext& ctx) { ReplyText(ctx, ClientLine(ctx.server, ctx.session)); }

// CLIENT KILL ip:port (old form, +OK) or CLIENT KILL <filter value> ... (new form, count).
void HandleKill(CommandContext& ctx) {
  std::vector<Session*> victims;
  auto& sessions = ctx.server.sessions();
  if (ctx.args.size() == 3) {
    for (const auto& [id, s] : sessions) {
      if (s->info().addr == ctx.args[2] && !s->closing()) victims.push_back(s.get());
    }
    if (victims.empty()) return ctx.reply.Error("ERR No such client");
  } else {
    if (ctx.args.size() % 2 != 0) return ctx.reply.Error(kSyntaxError);
    std::optional<uint64_t> id;
    std::string_view addr, laddr;
    const AclUser* user = nullptr;
    bool skipme = true;
    for (size_t i = 2; i + 1 < ctx.args.size(); i += 2) {
      std::string_view key = ctx.args[i], value = ctx.args[i + 1];
      if (EqualsIgnoreCase(key, "ID")) {
        auto v = ParseInt(value);
        if (!v || *v <= 0) return ctx.reply.Error("ERR client-id should be greater than 0");
        id = static_cast<uint64_t>(*v);
      } else if (EqualsIgnoreCase(key, "ADDR")) {
        addr = value;
      } else if (EqualsIgnoreCase(key, "LADDR")) {
        laddr = value;
      } else if (EqualsIgnoreCase(key, "USER")) {
        user = ctx.server.acl().Find(value);
        if (!user) return ctx.reply.Error(StrCat("ERR No such user '", value, "'"));
      } else if (EqualsIgnoreCase(key, "TYPE")) {
        if (!EqualsIgnoreCase(value, "normal") && !EqualsIgnoreCase(value, "master") &&
            !EqualsIgnoreCase(value, "replica") && !EqualsIgnoreCase(value, "slave") &&
            !EqualsIgnoreCase(value, "pubsub")) {
          return ctx.reply.Error(StrCat("ERR Unknown client type '", value, "'"));
        }
        if (!EqualsIgnoreCase(value, "normal")) return ctx.reply.Integer(0);
      } else if (EqualsIgnoreCase(key, "SKIPME")) {
        if (EqualsIgnoreCase(value, "yes"))
          skipme = true;
        else if (EqualsIgnoreCase(value, "no"))
          skipme = false;
        else
          return ctx.reply.Error(kSyntaxError);
      } else {
        return ctx.reply.Error(kSyntaxError);
      }
    }
    for (const auto& [sid, s] : sessions) {
      if (s->closing()) continue;
      if (skipme && s.get() == &ctx.session) continue;
      if (id && sid != *id) continue;
      if (!addr.empty() && s->info().addr != addr) continue;
      if (!laddr.empty() && s->info().laddr != laddr) continue;
      if (user && s->info().user != user) continue;
      victims.push_back(s.get());
    }
  }
  int64_t killed = 0;
  for (Session* s : victims) {
    ++killed;
    if (s == &ctx.session) {
      s->CloseAfterReply();  // the reply still reaches the client, as in Redis
    } else {
      s->Kill();
    }
  }
  if (ctx.args.size() == 3) return ctx.reply.Ok();
  ctx.reply.Integer(killed);
}

void HandleSetInfo(CommandContext& ctx) {
  std::string_view attr = ctx.args[2], value = ctx.args[3];
  bool is_name = EqualsIgnoreCase(attr, "LIB-NAME");
  if (!is_name && !EqualsIgnoreCase(attr, "LIB-VER")) {
    return ctx.reply.Error(StrCat("ERR Unrecognized option '", attr, "'"));
  }
  if (!ValidClientName(value)) {
    return ctx.reply.Error(StrCat("ERR ", is_name ? "lib-name" : "lib-ver",
                                  " cannot contain spaces, newlines or special characters."));
  }
  (is_name ? ctx.session.info().lib_name : ctx.session.info().lib_ver) = std::string(value);
  ctx.reply.Ok();
}

void HandleNoEvict(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.args[2], "on"))
    ctx.session.info().no_evict = true;
  else if (EqualsIgnoreCase(ctx.args[2], "off"))
    ctx.session.info().no_evict = false;
  else
    return ctx.reply.Error(kSyntaxError);
  ctx.reply.Ok();
}

void HandleReply(CommandContext& ctx) {
  using Mode = ClientInfo::ReplyMode;
  ClientInfo& c = ctx.session.info();
  std::string_view mode = ctx.args[2];
  if (EqualsIgnoreCase(mode, "on")) {
    c.reply_mode = Mode::kOn;
    // Written to the session directly: this command's own reply slot may be muted.
    ctx.session.output().Append("+OK\r\n");
  } else if (EqualsIgnoreCase(mode, "off")) {
    c.reply_mode = Mode::kOff;
  } else if (EqualsIgnoreCase(mode, "skip")) {
    if (c.reply_mode != Mode::kOff) c.reply_mode = Mode::kSkipNext;
  } else {
    ctx.reply.Error(kSyntaxError);
  }
}

void HandleHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID <client-id>, ADDR <ip:port>, LADDR <ip:port>,",
      "    TYPE normal, USER <username>, SKIPME (yes|no).",
      "LIST [TYPE normal] [ID <id> [<id> ...]]",
      "    Return information about client connections.",
      "NO-EVICT (ON|OFF)",
      "    Accepted for compatibility (kizuna never evicts clients).",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <LIB-NAME|LIB-VER> <value>",
      "    Set client library name or version.",
      "HELP",
      "    Print this help.",
  };
  ReplyHelp(ctx.reply, kLines);
}

constexpr uint32_t kClientFlags = kNoScript | kLoading | kStale;

const CommandSpec kClientSubcommands[] = {
    {.name = "id",
     .arity = 2,
     .flags = kClientFlags,
     .handler = HandleId,
     .summary = "Returns the unique client ID of the connection.",
     .group = "connection",
     .acl = "@slow @connection",
     .complexity = "O(1)"},
    {.name = "setname",
     .arity = 3,
     .flags = kClientFlags,
     .handler = HandleSetName,
     .summary = "Sets the connection name.",
     .syntax = "connection-name",
     .group = "connection",
     .acl = "@slow @connection",
     .complexity = "O(1)"},
    {.name = "getname",
     .arity = 2,
     .flags = kClientFlags,
     .handler = HandleGetName,
     .summary = "Returns the name of the connection.",
     .group = "connection",
     .acl = "@slow @connection",
     .complexity = "O(1)"},
    {.name = "list",
     .arity = -2,
     .flags = kClientFlags | kAdmin,
     .handler = HandleList,
     .summary = "Lists open connections.",
     .syntax = "[TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID (client-id:integer ...)]",
     .group = "connection",
     .acl = "@admin @slow @dangerous @connection",
     .complexity = "O(N) where N is the number of client connections"},
    {.name = "kill",
     .arity = -3,
     .flags = kClientFlags | kAdmin,
     .handler = HandleKill,
     .summary = "Terminates open connections.",
     .syntax = "ip:port | ([ID client-id:integer] | [TYPE (NORMAL|MASTER|SLAVE|REPLICA|PUBSUB)] | "
               "[USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME yes/no]) ...",
     .group = "connection",
     .acl = "@admin @slow @dangerous @connection",
     .complexity = "O(N) where N is the number of client connections"},
    {.name = "info",
     .arity = 2,
     .flags = kClientFlags,
     .handler = HandleInfo,
     .summary = "Returns information about the connection.",
     .group = "connection",
     .acl = "@slow @connection",
     .complexity = "O(1)"},
    {.name = "setinfo",
     .arity = 4,
     .flags = kClientFlags,
     .handler = HandleSetInfo,
     .summary = "Sets information specific to the client or connection.",
     .syntax = "LIB-NAME libname|LIB-VER libver",
     .group = "connection",
     .acl = "@slow @connection",
     .complexity = "O(1)"},
    {.name = "no-evict",
     .arity = 3,
     .flags = kClientFlags | kAdmin,
     .handler = HandleNoEvict,
     .summary = "Sets the client eviction mode of the connection.",
     .syntax = "ON|OFF",
     .group = "connection",
     .acl = "@admin @slow @dangerous @connection",
     .complexity = "O(1)"},
    {.name = "reply",
     .arity = 3,
     .flags = kClientFlags,
     .handler = HandleReply,
     .summary = "Instructs the server whether to reply to commands.",
     .syntax = "ON|OFF|SKIP",
     .group = "connection",
     .acl = "@slow @connection",
     .complexity = "O(1)"},
    {.name = "help",
     .arity = 2,
     .flags = kClientFlags,
     .handler = HandleHelp,
     .summary = "Returns helpful text about the different subcommands.",
     .group = "connection",
     .acl = "@slow @connection",
     .complexity = "O(1)"},
};

const CommandSpec kClientCommand[] = {
    {.name = "client",
     .arity = -2,
     .summary = "A container for client connection commands.",
     .group = "connection",
     .acl = "@slow",
     .subcommands = kClientSubcommands},
};

}  // namespace

std::string ClientInfoLine(Server& server, const Session& session) {
  std::string line = ClientLine(server, session);
  line.pop_back();  // the '\n'
  return line;
}

void RegisterClientCommands(CommandTable& table) { table.Add(kClientCommand); }

}  // namespace kizuna::server
