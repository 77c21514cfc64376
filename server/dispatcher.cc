#include "server/dispatcher.h"

#include <vector>

#include "server/acl/acl.h"
#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/persistence.h"
#include "server/server.h"
#include "server/session.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

// "ERR unknown command 'x', with args beginning with: 'a' 'b' " in Redis's words: the quoted
// argument list is cut once it reaches 128 bytes, the last argument shortened to fit.
std::string UnknownCommandError(std::span<const std::string_view> args) {
  std::string quoted;
  for (size_t i = 1; i < args.size() && quoted.size() < 128; ++i) {
    StrAppend(&quoted, "'", args[i].substr(0, 128 - quoted.size()), "' ");
  }
  return StrCat("ERR unknown command '", args[0].substr(0, 128),
                "', with args beginning with: ", quoted);
}

std::string UnknownSubcommandError(std::string_view sub, std::string_view parent) {
  std::string upper(parent);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return StrCat("ERR unknown subcommand '", sub.substr(0, 128), "'. Try ", upper, " HELP.");
}

// The arguments as MONITOR and SLOWLOG may show them: passwords replaced, as Redis does.
std::span<const std::string_view> Shown(const CommandSpec& spec,
                                        std::span<const std::string_view> args,
                                        std::vector<std::string_view>& storage) {
  if (!spec.secret_arg) return args;
  storage.assign(args.begin(), args.end());
  for (size_t i = 1; i < args.size(); ++i) {
    if (spec.secret_arg(args, i)) storage[i] = "(redacted)";
  }
  return storage;
}

bool ArityOk(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

// A reply that the client asked not to receive (CLIENT REPLY OFF|SKIP) is written here and
// dropped; it is reused, so muting costs no allocation after the first time.
protocol::ReplyBuffer& MutedBuffer() {
  static protocol::ReplyBuffer muted;
  muted.clear();
  return muted;
}

}  // namespace

void ExecuteCommand(Server& server, Session& session, std::span<const std::string_view> args,
                    protocol::ReplyBuffer& out, CommandRun* run) {
  ClientInfo& client = session.info();
  using ReplyMode = ClientInfo::ReplyMode;
  if (client.reply_mode == ReplyMode::kSkipNext) client.reply_mode = ReplyMode::kSkipThis;
  bool muted = client.reply_mode == ReplyMode::kOff || client.reply_mode == ReplyMode::kSkipThis;
  protocol::ReplyBuffer& target = muted ? MutedBuffer() : out;
  protocol::ReplyWriter writer(&target, client.resp);
  size_t mark = target.size();

  CommandTable& table = server.commands();
  CommandTable::Entry* entry = table.Find(args[0], &session.recent_command());
  ServerStats& stats = server.stats();
  auto reject = [&](std::string_view error, CommandTable::Entry* e) {
    writer.Error(error);
    ++stats.total_error_replies;
    if (e) ++e->stats.rejected_calls;
    if (client.reply_mode == ReplyMode::kSkipThis) client.reply_mode = ReplyMode::kOn;
  };

  // Existence and arity come before authentication, as in Redis.
  if (!entry) return reject(UnknownCommandError(args), nullptr);
  if (!entry->spec->subcommands.empty() && (args.size() >= 2 || !entry->spec->handler)) {
    // A container (CLIENT, CONFIG, ...). Alone it runs its own handler if it has one (COMMAND).
    if (args.size() < 2) return reject(WrongArgsError(entry->full_name), entry);
    CommandTable::Entry* sub = table.FindSub(*entry, args[1]);
    if (!sub) return reject(UnknownSubcommandError(args[1], entry->full_name), entry);
    entry = sub;
  }
  const CommandSpec& spec = *entry->spec;
  if (!ArityOk(spec.arity, args.size())) return reject(WrongArgsError(entry->full_name), entry);
  if (server.auth_required() && !client.authenticated && !(spec.flags & kNoAuth)) {
    return reject("NOAUTH Authentication required.", entry);
  }
  // ACL: one bit test for the command, a pattern walk per key for users without allkeys.
  // Internal clients (log replay, init file) run everything.
  size_t key_index = 0;
  AclDenial denial =
      client.internal ? AclDenial::kNone : Acl::Check(*client.user, *entry, args, &key_index);
  if (denial != AclDenial::kNone) {
    bool key = denial == AclDenial::kKey;
    client.last_command = entry->full_name;  // shown as cmd= in the log's client-info
    server.acl().log().Add(key ? "key" : "command", key ? args[key_index] : entry->full_name,
                           client.user->name(), ClientInfoLine(server, session),
                           server.clock().NowMs(),
                           static_cast<size_t>(server.config().acllog_max_len));
    return reject(StrCat("NOPERM ", Acl::DenialMessage(denial, *client.user, *entry, {})), entry);
  }

  if (server.loading() && !client.internal && !(spec.flags & kLoading)) {
    return reject("LOADING kizuna is loading the dataset in memory", entry);
  }
  bool write = spec.flags & kWrite;
  if (write && !client.replaying && !server.persistence().error_reply().empty()) {
    return reject(server.persistence().error_reply(), entry);
  }

  std::vector<std::string_view> redacted;  // used only by commands with secrets (AUTH)
  if (server.has_monitors() && !(spec.flags & (kSkipMonitor | kAdmin))) {
    server.FeedMonitors(session, Shown(spec, args, redacted));
  }

  client.last_command = entry->full_name;
  CommandTimer& timer = server.command_timer();
  const uint64_t start = run && run->started ? run->last_end : timer.Now();
  // A command sees one time, the time it started (Redis's command time snapshot): its
  // default TS, decay, the time in its log record and the timers due after it. On the real
  // clock it comes from the start reading; replay and the init file have pinned their own.
  store::PinnableClock& clock = server.pinnable_clock();
  const bool snapshot = !clock.pinned() && !clock.is_manual();
  if (snapshot) clock.Pin(timer.WallMsAt(start));
  CommandContext ctx{args, writer, session, server};
  spec.handler(ctx);

  bool failed = target.size() > mark && target.data()[mark] == '-';
  if (write && !failed && !ctx.logged && !client.replaying) server.persistence().Append(args);
  // Timers this write made due fire before it replies (and again, identically, on replay).
  if (write && !failed) server.timer_driver().FireAfterWrite();
  if (snapshot) clock.Unpin();
  // The command's time includes its log record and the timers it fired: all it made the
  // server do before the next command.
  const uint64_t end = timer.Now();
  const int64_t micros = timer.MicrosBetween(start, end);
  if (run) *run = {end, true};

  ++entry->stats.calls;
  entry->stats.usec += static_cast<uint64_t>(micros);
  ++stats.total_commands_processed;
  if (failed) {
    ++entry->stats.failed_calls;
    ++stats.total_error_replies;
  }
  if (client.reply_mode == ReplyMode::kSkipThis) client.reply_mode = ReplyMode::kOn;

  int64_t threshold = server.config().slowlog_log_slower_than;
  if (threshold >= 0 && micros >= threshold && !(spec.flags & kSkipSlowlog)) {
    server.slowlog().Add(Shown(spec, args, redacted), server.clock().NowMs() / 1000, micros,
                         client.addr, client.name,
                         static_cast<size_t>(server.config().slowlog_max_len));
  }
}

std::string_view ErrorReplyText(const protocol::ReplyBuffer& reply) {
  if (reply.empty() || reply.data()[0] != '-') return {};
  std::string_view text = reply.view().substr(1);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

}  // namespace kizuna::server
