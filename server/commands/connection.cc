// Connection commands: PING ECHO QUIT HELLO AUTH SELECT.
#include <string>

#include "server/acl/acl.h"
#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/client_names.h"
#include "server/commands/families.h"
#include "server/server.h"
#include "server/session.h"

namespace kizuna::server {
namespace {

constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";

void HandlePing(CommandContext& ctx) {
  if (ctx.args.size() > 2) return ctx.reply.Error(WrongArgsError("ping"));
  if (ctx.args.size() == 2) return ctx.reply.Bulk(ctx.args[1]);
  ctx.reply.Raw("+PONG\r\n");
}

void HandleEcho(CommandContext& ctx) { ctx.reply.Bulk(ctx.args[1]); }

void HandleQuit(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.session.CloseAfterReply();
}

// The user `user` if `pass` opens it; otherwise logs the failure in ACL LOG (as Redis) and
// returns nullptr.
AclUser* Authenticate(CommandContext& ctx, std::string_view user, std::string_view pass) {
  AclUser* found = ctx.server.acl().Authenticate(user, pass);
  if (!found) {
    ctx.server.acl().log().Add("auth", ctx.args[0], user, ClientInfoLine(ctx.server, ctx.session),
                               ctx.server.clock().NowMs(),
                               static_cast<size_t>(ctx.server.config().acllog_max_len));
  }
  return found;
}

void MarkAuthenticated(Session& session, AclUser* user) {
  session.info().authenticated = true;
  session.info().user = user;
  session.RefreshParserLimits();
}

void HandleAuth(CommandContext& ctx) {
  if (ctx.args.size() > 3) return ctx.reply.Error(kSyntaxError);
  bool with_user = ctx.args.size() == 3;
  if (!with_user && ctx.server.acl().default_user().nopass()) {
    return ctx.reply.Error(
        "ERR AUTH <password> called without any password configured for the default user. Are "
        "you sure your configuration is correct?");
  }
  std::string_view user = with_user ? ctx.args[1] : "default";
  AclUser* found = Authenticate(ctx, user, ctx.args.back());
  if (!found) return ctx.reply.Error(kWrongPass);
  MarkAuthenticated(ctx.session, found);
  ctx.reply.Ok();
}

void HandleHello(CommandContext& ctx) {
  ClientInfo& client = ctx.session.info();
  int resp = client.resp;
  size_t i = 1;
  if (ctx.args.size() >= 2) {
    auto version = ParseInt(ctx.args[1]);
    if (!version) return ctx.reply.Error("ERR Protocol version is not an integer or out of range");
    if (*version < 2 || *version > 3)
      return ctx.reply.Error("NOPROTO unsupported protocol version");
    resp = static_cast<int>(*version);
    i = 2;
  }
  std::string_view user, pass, name;
  bool auth = false, setname = false;
  for (; i < ctx.args.size(); ++i) {
    size_t left = ctx.args.size() - i - 1;
    if (EqualsIgnoreCase(ctx.args[i], "AUTH") && left >= 2) {
      auth = true;
      user = ctx.args[i + 1];
      pass = ctx.args[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(ctx.args[i], "SETNAME") && left >= 1) {
      setname = true;
      name = ctx.args[++i];
    } else {
      return ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(ctx.args[i]) + "'");
    }
  }
  AclUser* found = nullptr;
  if (auth && !(found = Authenticate(ctx, user, pass))) return ctx.reply.Error(kWrongPass);
  if (!auth && !client.authenticated) {
    return ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
  }
  if (setname && !ValidClientName(name)) return ctx.reply.Error(kBadClientName);
  if (auth) MarkAuthenticated(ctx.session, found);
  if (setname) client.name = std::string(name);
  client.resp = resp;
  ctx.reply.set_resp(resp);
  protocol::ReplyWriter& w = ctx.reply;
  w.Map(7);
  w.Bulk("server");
  w.Bulk("kizuna");
  w.Bulk("version");
  w.Bulk(Server::kVersion);
  w.Bulk("proto");
  w.Integer(resp);
  w.Bulk("id");
  w.Integer(static_cast<int64_t>(client.id));
  w.Bulk("mode");
  w.Bulk("standalone");
  w.Bulk("role");
  w.Bulk("master");
  w.Bulk("modules");
  w.Array(0);
}

void HandleSelect(CommandContext& ctx) {
  auto db = ParseInt(ctx.args[1]);
  if (!db) return ctx.reply.Error(kNotInteger);
  if (*db != 0) return ctx.reply.Error("ERR DB index is out of range");
  ctx.reply.Ok();
}

bool AuthSecret(std::span<const std::string_view>, size_t) { return true; }

// HELLO <protover> [AUTH <username> <password>] [SETNAME <name>]: the credentials are secret.
bool HelloSecret(std::span<const std::string_view> args, size_t index) {
  for (size_t j = 2; j < args.size();) {
    if (EqualsIgnoreCase(args[j], "AUTH")) {
      if (index == j + 1 || index == j + 2) return true;
      j += 3;
    } else {
      j += EqualsIgnoreCase(args[j], "SETNAME") ? 2 : 1;
    }
  }
  return false;
}

const CommandSpec kConnectionCommands[] = {
    {.name = "ping",
     .arity = -1,
     .flags = kFast | kLoading | kStale,
     .handler = HandlePing,
     .summary = "Returns the server's liveliness response.",
     .syntax = "[message]",
     .group = "connection",
     .acl = "@fast @connection",
     .complexity = "O(1)"},
    {.name = "echo",
     .arity = 2,
     .flags = kFast | kLoading | kStale,
     .handler = HandleEcho,
     .summary = "Returns the given string.",
     .syntax = "message",
     .group = "connection",
     .acl = "@fast @connection",
     .complexity = "O(1)"},
    {.name = "quit",
     .arity = -1,
     .flags = kNoAuth | kFast | kLoading | kStale,
     .handler = HandleQuit,
     .summary = "Closes the connection.",
     .group = "connection",
     .acl = "@fast @connection",
     .complexity = "O(1)"},
    {.name = "hello",
     .arity = -1,
     .flags = kNoAuth | kFast | kLoading | kStale,
     .handler = HandleHello,
     .summary = "Handshakes with the server: protocol, auth, name.",
     .syntax = "[protover:integer [AUTH (username password)] [SETNAME clientname]]",
     .group = "connection",
     .acl = "@fast @connection",
     .complexity = "O(1)",
     .secret_arg = HelloSecret},
    {.name = "auth",
     .arity = -2,
     .flags = kNoAuth | kFast | kLoading | kStale,
     .handler = HandleAuth,
     .summary = "Authenticates the connection.",
     .syntax = "[username] password",
     .group = "connection",
     .acl = "@fast @connection",
     .complexity = "O(N) where N is the number of passwords defined for the user",
     .secret_arg = AuthSecret},
    {.name = "select",
     .arity = 2,
     .flags = kFast | kLoading | kStale,
     .handler = HandleSelect,
     .summary = "Changes the selected database (only database 0 exists).",
     .syntax = "index:integer",
     .group = "connection",
     .acl = "@fast @connection",
     .complexity = "O(1)"},
};

}  // namespace

void RegisterConnectionCommands(CommandTable& table) { table.Add(kConnectionCommands); }

}  // namespace kizuna::server
