// ACL CAT|DELUSER|DRYRUN|GENPASS|GETUSER|LIST|LOAD|LOG|SAVE|SETUSER|USERS|WHOAMI|HELP, with
// Redis 7.2 replies and errors.
//
// None of them is flagged kWrite: users are persisted by the aclfile (ACL SAVE), not by the
// append-only log, so nothing here is logged or refused on MISCONF (see server/acl/acl.h).
#include <string>

#include "server/acl/acl.h"
#include "server/acl/acl_categories.h"
#include "server/acl/password_hash.h"
#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/help_text.h"
#include "server/server.h"
#include "server/session.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

constexpr std::string_view kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
    "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
    "Redis configuration file set) in order to store users in the Redis configuration.";

void HandleSetUser(CommandContext& ctx) {
  std::string error;
  if (!ctx.server.acl().SetUser(ctx.args[2], ctx.args.subspan(3), &error)) {
    return ctx.reply.Error(StrCat("ERR ", error));
  }
  ctx.reply.Ok();
}

void HandleDelUser(CommandContext& ctx) {
  for (std::string_view name : ctx.args.subspan(2)) {
    if (name == "default") return ctx.reply.Error("ERR The 'default' user cannot be removed");
  }
  int64_t deleted = 0;
  for (std::string_view name : ctx.args.subspan(2)) deleted += ctx.server.acl().DelUser(name);
  ctx.reply.Integer(deleted);
}

void HandleGetUser(CommandContext& ctx) {
  const AclUser* u = ctx.server.acl().Find(ctx.args[2]);
  if (!u) return ctx.reply.Null();
  protocol::ReplyWriter& w = ctx.reply;
  w.Map(6);
  w.Bulk("flags");
  std::vector<std::string_view> flags = u->Flags();
  w.Set(flags.size());
  for (std::string_view f : flags) w.Bulk(f);
  w.Bulk("passwords");
  w.Array(u->passwords().size());
  for (const std::string& h : u->passwords()) w.Bulk(h);
  w.Bulk("commands");
  w.Bulk(u->DescribeCommands());
  w.Bulk("keys");
  w.Bulk(u->DescribeKeys());
  w.Bulk("channels");
  w.Bulk(u->DescribeChannels());
  w.Bulk("selectors");
  w.Array(0);
}

void HandleList(CommandContext& ctx) {
  const Acl::UserMap& users = ctx.server.acl().users();
  ctx.reply.Array(users.size());
  for (const auto& [name, user] : users) {
    ctx.reply.Bulk(StrCat("user ", name, " ", user->Describe()));
  }
}

void HandleUsers(CommandContext& ctx) {
  const Acl::UserMap& users = ctx.server.acl().users();
  ctx.reply.Array(users.size());
  for (const auto& entry : users) ctx.reply.Bulk(entry.first);
}

void HandleWhoami(CommandContext& ctx) { ctx.reply.Bulk(ctx.session.info().user->name()); }

void HandleLoad(CommandContext& ctx) {
  const std::string& path = ctx.server.config().aclfile;
  if (path.empty()) return ctx.reply.Error(kNoAclFile);
  std::string error;
  if (!ctx.server.acl().LoadFile(path, &error)) return ctx.reply.Error(StrCat("ERR ", error));
  ctx.reply.Ok();
}

void HandleSave(CommandContext& ctx) {
  const std::string& path = ctx.server.config().aclfile;
  if (path.empty()) return ctx.reply.Error(kNoAclFile);
  std::string error;
  if (!ctx.server.acl().SaveFile(path, &error)) return ctx.reply.Error(StrCat("ERR ", error));
  ctx.reply.Ok();
}

void HandleCat(CommandContext& ctx) {
  if (ctx.args.size() > 3) return ReplySubcommandSyntaxError(ctx.reply, ctx.args[1], "ACL");
  if (ctx.args.size() == 2) {
    std::span<const std::string_view> names = AclCategoryNames();
    ctx.reply.Array(names.size());
    for (std::string_view n : names) ctx.reply.Bulk(n);
    return;
  }
  uint64_t bit = AclCategoryBit(ctx.args[2]);
  if (bit == 0) {
    return ctx.reply.Error(StrCat("ERR Unknown category '", ctx.args[2].substr(0, 128), "'"));
  }
  std::vector<std::string_view> names;
  for (CommandTable::Entry* e : ctx.server.commands().AllEntries()) {
    if (e->categories & bit) names.push_back(e->full_name);
  }
  ctx.reply.Array(names.size());
  for (std::string_view n : names) ctx.reply.Bulk(n);
}

void HandleGenPass(CommandContext& ctx) {
  if (ctx.args.size() > 3) return ReplySubcommandSyntaxError(ctx.reply, ctx.args[1], "ACL");
  int64_t bits = 256;
  if (ctx.args.size() == 3) {
    auto parsed = ParseInt(ctx.args[2]);
    if (!parsed) return ctx.reply.Error(kNotInteger);
    bits = *parsed;
  }
  if (bits <= 0 || bits > 4096) {
    return ctx.reply.Error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a "
        "positive number up to 4096");
  }
  auto chars = static_cast<size_t>((bits + 3) / 4);
  ctx.reply.Bulk(RandomHexBytes((chars + 1) / 2).substr(0, chars));
}

void HandleLog(CommandContext& ctx) {
  if (ctx.args.size() > 3) return ReplySubcommandSyntaxError(ctx.reply, ctx.args[1], "ACL");
  AclLog& log = ctx.server.acl().log();
  int64_t count = 10;
  if (ctx.args.size() == 3) {
    if (EqualsIgnoreCase(ctx.args[2], "RESET")) {
      log.Reset();
      return ctx.reply.Ok();
    }
    auto parsed = ParseInt(ctx.args[2]);
    if (!parsed) return ctx.reply.Error(kNotInteger);
    count = std::max<int64_t>(*parsed, 0);
  }
  size_t n = std::min(static_cast<size_t>(count), log.entries().size());
  int64_t now = ctx.server.clock().NowMs();
  protocol::ReplyWriter& w = ctx.reply;
  w.Array(n);
  for (size_t i = 0; i < n; ++i) {
    const AclLogEntry& e = log.entries()[i];
    w.Map(10);
    w.Bulk("count");
    w.Integer(static_cast<int64_t>(e.count));
    w.Bulk("reason");
    w.Bulk(e.reason);
    w.Bulk("context");
    w.Bulk("toplevel");
    w.Bulk("object");
    w.Bulk(e.object);
    w.Bulk("username");
    w.Bulk(e.username);
    w.Bulk("age-seconds");
    w.Double(static_cast<double>(now - e.updated_ms) / 1000);
    w.Bulk("client-info");
    w.Bulk(e.client_info);
    w.Bulk("entry-id");
    w.Integer(static_cast<int64_t>(e.entry_id));
    w.Bulk("timestamp-created");
    w.Integer(e.created_ms);
    w.Bulk("timestamp-last-updated");
    w.Integer(e.updated_ms);
  }
}

// ACL DRYRUN user command [arg ...]: would `user` be allowed to run it? Replies OK or the
// denial text as a bulk string (not an error), as Redis.
void HandleDryRun(CommandContext& ctx) {
  AclUser* user = ctx.server.acl().Find(ctx.args[2]);
  if (!user) return ctx.reply.Error(StrCat("ERR User '", ctx.args[2], "' not found"));
  std::span<const std::string_view> cmd = ctx.args.subspan(3);
  CommandTable& table = ctx.server.commands();
  CommandTable::Entry* e = table.Find(cmd[0]);
  if (e && !e->spec->subcommands.empty() && cmd.size() >= 2) e = table.FindSub(*e, cmd[1]);
  if (!e) return ctx.reply.Error(StrCat("ERR Command '", cmd[0], "' not found"));
  int arity = e->spec->arity;
  if (arity > 0 ? cmd.size() != static_cast<size_t>(arity)
                : cmd.size() < static_cast<size_t>(-arity)) {
    return ctx.reply.Error(
        StrCat("ERR wrong number of arguments for '", e->full_name, "' command"));
  }
  size_t key_index = 0;
  AclDenial denial = Acl::Check(*user, *e, cmd, &key_index);
  if (denial == AclDenial::kNone) return ctx.reply.Ok();
  ctx.reply.Bulk(
      Acl::DenialMessage(denial, *user, *e, denial == AclDenial::kKey ? cmd[key_index] : ""));
}

void HandleHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the "
      "command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply, kLines);
}

// User names and rules are not shown by MONITOR or SLOWLOG (they may hold passwords).
bool AfterSubcommandSecret(std::span<const std::string_view>, size_t index) { return index >= 2; }

constexpr uint32_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale;
constexpr uint32_t kPlainFlags = kNoScript | kLoading | kStale;
constexpr std::string_view kAdminAcl = "@admin @slow @dangerous";

const CommandSpec kAclSubcommands[] = {
    {.name = "cat",
     .arity = -2,
     .flags = kPlainFlags,
     .handler = HandleCat,
     .summary = "Lists the ACL categories, or the commands inside a category.",
     .syntax = "[category]",
     .group = "server",
     .acl = "@slow",
     .complexity = "O(1) since the categories and commands are a fixed set."},
    {.name = "deluser",
     .arity = -3,
     .flags = kAdminFlags,
     .handler = HandleDelUser,
     .summary = "Deletes ACL users, and terminates their connections.",
     .syntax = "username ...",
     .group = "server",
     .acl = kAdminAcl,
     .complexity = "O(1) amortized time considering the typical user.",
     .secret_arg = AfterSubcommandSecret},
    {.name = "dryrun",
     .arity = -4,
     .flags = kAdminFlags,
     .handler = HandleDryRun,
     .summary = "Simulates the execution of a command by a user, without executing the command.",
     .syntax = "username command [arg ...]",
     .group = "server",
     .acl = kAdminAcl,
     .complexity = "O(1)."},
    {.name = "genpass",
     .arity = -2,
     .flags = kPlainFlags,
     .handler = HandleGenPass,
     .summary = "Generates a pseudorandom, secure password that can be used to identify ACL "
                "users.",
     .syntax = "[bits:integer]",
     .group = "server",
     .acl = "@slow",
     .complexity = "O(1)"},
    {.name = "getuser",
     .arity = 3,
     .flags = kAdminFlags,
     .handler = HandleGetUser,
     .summary = "Lists the ACL rules of a user.",
     .syntax = "username",
     .group = "server",
     .acl = kAdminAcl,
     .complexity = "O(N). Where N is the number of password, command and pattern rules that the "
                   "user has.",
     .secret_arg = AfterSubcommandSecret},
    {.name = "list",
     .arity = 2,
     .flags = kAdminFlags,
     .handler = HandleList,
     .summary = "Dumps the effective rules in ACL file format.",
     .group = "server",
     .acl = kAdminAcl,
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "load",
     .arity = 2,
     .flags = kAdminFlags,
     .handler = HandleLoad,
     .summary = "Reloads the rules from the configured ACL file.",
     .group = "server",
     .acl = kAdminAcl,
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "log",
     .arity = -2,
     .flags = kAdminFlags,
     .handler = HandleLog,
     .summary = "Lists recent security events generated due to ACL rules.",
     .syntax = "[count:integer|RESET]",
     .group = "server",
     .acl = kAdminAcl,
     .complexity = "O(N) with N being the number of entries shown."},
    {.name = "save",
     .arity = 2,
     .flags = kAdminFlags,
     .handler = HandleSave,
     .summary = "Saves the effective ACL rules in the configured ACL file.",
     .group = "server",
     .acl = kAdminAcl,
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "setuser",
     .arity = -3,
     .flags = kAdminFlags,
     .handler = HandleSetUser,
     .summary = "Creates and modifies an ACL user and its rules.",
     .syntax = "username [rule ...]",
     .group = "server",
     .acl = kAdminAcl,
     .complexity = "O(N). Where N is the number of rules provided.",
     .secret_arg = AfterSubcommandSecret},
    {.name = "users",
     .arity = 2,
     .flags = kAdminFlags,
     .handler = HandleUsers,
     .summary = "Lists all ACL users.",
     .group = "server",
     .acl = kAdminAcl,
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "whoami",
     .arity = 2,
     .flags = kPlainFlags,
     .handler = HandleWhoami,
     .summary = "Returns the authenticated username of the current connection.",
     .group = "server",
     .acl = "@slow",
     .complexity = "O(1)"},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .handler = HandleHelp,
     .summary = "Returns helpful text about the different subcommands.",
     .group = "server",
     .acl = "@slow",
     .complexity = "O(1)"},
};

const CommandSpec kAclCommand[] = {
    {.name = "acl",
     .arity = -2,
     .summary = "A container for Access List Control commands.",
     .group = "server",
     .acl = "@slow",
     .subcommands = kAclSubcommands},
};

}  // namespace

void RegisterAclCommands(CommandTable& table) { table.Add(kAclCommand); }

}  // namespace kizuna::server
