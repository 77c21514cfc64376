#include "server/init_file.h"

#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <string_view>
#include <vector>

#include "protocol/arg_splitter.h"
#include "server/dispatcher.h"
#include "server/log.h"
#include "server/persistence.h"
#include "server/server.h"
#include "server/session.h"
#include "store/strings.h"

namespace kizuna::server {

namespace {

// Runs the lines of `in`; returns the number of commands run, -1 with `error` on a bad line.
int RunLines(Server& server, Session& client, const std::string& path, std::istream& in,
             std::string* error) {
  std::string line;
  std::vector<std::string> words;
  std::vector<std::string_view> args;
  protocol::ReplyBuffer reply;
  int line_no = 0, applied = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view trimmed = StripWhitespace(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    if (!protocol::SplitArgs(trimmed, &words)) {
      *error = StrCat(path, ":", line_no, ": unbalanced quotes");
      return -1;
    }
    if (words.empty()) continue;
    args.assign(words.begin(), words.end());
    reply.clear();
    ExecuteCommand(server, client, args, reply);
    if (std::string_view message = ErrorReplyText(reply); !message.empty()) {
      *error = StrCat(path, ":", line_no, ": ", message);
      return -1;
    }
    ++applied;
  }
  return applied;
}

}  // namespace

bool ApplyInitFile(Server& server, const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = StrCat(path, ":0: cannot open init file");
    return false;
  }
  // An internal client with no socket: it is authenticated and never written to. Unlike the
  // replay client its writes are logged, after what was loaded, like any client's: a log-only
  // restart then replays them where they really ran, before the events their rules scored
  // and the client definitions that name them (a TRIGGER ON BADGE of an init-file badge).
  // Logging also keeps its definitions for snapshots.
  Session client(server, boost::asio::ip::tcp::socket(server.io()), 0);
  client.info().authenticated = true;
  client.info().internal = true;
  client.info().name = "init-file";
  client.RefreshParserLimits();

  // The whole file runs at one instant, the time its log records carry.
  store::PinnableClock& clock = server.pinnable_clock();
  clock.Pin(clock.NowMs());
  uint64_t log_size = server.persistence().log_size();
  int applied = RunLines(server, client, path, in, error);
  clock.Unpin();
  if (applied < 0) {
    // Start-up stops: the lines before the bad one leave no trace in the log either (they are
    // still buffered, as nothing else ran meanwhile).
    if (!server.persistence().DropAppendsSince(log_size)) {
      LogWarning("Init file: cannot take back the commands logged before the bad line");
    }
    return false;
  }
  LogNotice("Init file ", path, ": applied ", applied, " commands");
  return true;
}

}  // namespace kizuna::server
