// --init-file: a file of commands (definitions, in practice) applied at every start, after
// persisted state is loaded, so rules can live in version control. One command per line,
// quoting as redis-cli, blank lines and '#' comments allowed. Each line runs through the
// normal dispatcher as an internal, authenticated client, all at one clock time, and its
// writes go to the append-only log like any client's, so a log-only restart replays them in
// the order they were really applied (then applies the file again).
#ifndef KIZUNA_SERVER_INIT_FILE_H_
#define KIZUNA_SERVER_INIT_FILE_H_

#include <string>

namespace kizuna::server {

class Server;

// Returns false with "file:line: error" when the file is missing or a line fails; the caller
// then refuses to start.
bool ApplyInitFile(Server& server, const std::string& path, std::string* error);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_INIT_FILE_H_
