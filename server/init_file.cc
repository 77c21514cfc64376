#include "server/init_file.h"

#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <string_view>
#include <vector>

#include "protocol/arg_splitter.h"
#include "server/dispatcher.h"
#include "server/log.h"
#include "server/server.h"
#include "server/session.h"
#include "store/strings.h"

namespace kizuna::server {

bool ApplyInitFile(Server& server, const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = StrCat(path, ":0: cannot open init file");
    return false;
  }
  // An internal client with no socket: it is authenticated and never written to.
  Session client(server, boost::asio::ip::tcp::socket(server.io()), 0);
  client.info().authenticated = true;
  client.info().name = "init-file";
  client.info().replaying = true;  // applied at every start, so never logged
  client.RefreshParserLimits();

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
      return false;
    }
    if (words.empty()) continue;
    args.assign(words.begin(), words.end());
    reply.clear();
    ExecuteCommand(server, client, args, reply);
    if (!reply.empty() && reply.data()[0] == '-') {
      std::string_view message = reply.view().substr(1);
      while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
        message.remove_suffix(1);
      }
      *error = StrCat(path, ":", line_no, ": ", message);
      return false;
    }
    // Not logged, but kept with the definitions a snapshot replays: later ones may name it.
    server.persistence().AddDefinition(StrCat(server.clock().NowMs()), args);
    ++applied;
  }
  LogNotice("Init file ", path, ": applied ", applied, " commands");
  return true;
}

}  // namespace kizuna::server
