// INFO text: "# Section\r\nname:value\r\n..." for the sections Redis clients and tools
// expect (server, clients, memory, persistence, stats, replication, cpu, commandstats,
// keyspace) plus kizuna's own (scoring).
#ifndef KIZUNA_SERVER_INFO_H_
#define KIZUNA_SERVER_INFO_H_

#include <span>
#include <string>
#include <string_view>

namespace kizuna::server {

class Server;

// `sections`: empty or "default" for the default set; "all", "everything" or names.
std::string BuildInfo(Server& server, std::span<const std::string_view> sections);

// Bytes allocated by the process (malloc statistics) and resident set size.
size_t UsedMemoryBytes();
size_t ResidentMemoryBytes();

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_INFO_H_
