// The command families. Each registers its CommandSpec table with the CommandTable; the server
// calls every Register* once at start-up (Server::Server).
#ifndef KIZUNA_SERVER_COMMANDS_FAMILIES_H_
#define KIZUNA_SERVER_COMMANDS_FAMILIES_H_

#include <string>
#include <string_view>

namespace kizuna::store {
class Store;
}

namespace kizuna::server {

class CommandTable;
class Server;
class Session;

void RegisterConnectionCommands(CommandTable& table);     // PING ECHO QUIT HELLO AUTH SELECT
void RegisterClientCommands(CommandTable& table);         // CLIENT *
void RegisterServerCommands(CommandTable& table);         // INFO DBSIZE TIME FLUSHALL SHUTDOWN ...
void RegisterConfigCommands(CommandTable& table);         // CONFIG *
void RegisterDebugCommands(CommandTable& table);          // DEBUG *
void RegisterPersistenceCommands(CommandTable& table);    // SAVE BGSAVE LASTSAVE BGREWRITEAOF
void RegisterIntrospectionCommands(CommandTable& table);  // COMMAND
void RegisterDefinitionCommands(CommandTable& table);     // CATEGORY.* RULE.*
void RegisterEngagementCommands(CommandTable& table);     // BADGE.* SEGMENT.*
void RegisterTriggerCommands(CommandTable& table);        // TRIGGER.*
void RegisterInsightCommands(CommandTable& table);        // STATS STATS.* RFM
void RegisterScoringCommands(CommandTable& table);        // EVENT SCORE CUSTOMER TOP RANK
void RegisterStreamReadCommands(CommandTable& table);     // XLEN XRANGE XREVRANGE XREAD XREADGROUP
void RegisterStreamGroupCommands(CommandTable& table);    // XGROUP XACK XPENDING XCLAIM XAUTOCLAIM
void RegisterStreamInfoCommands(CommandTable& table);     // XINFO XTRIM; XADD XDEL XSETID refused
void RegisterAclCommands(CommandTable& table);            // ACL *

// One CLIENT LIST line for `session`, without the newline (CLIENT INFO, ACL LOG client-info).
std::string ClientInfoLine(Server& server, const Session& session);

// INFO lines ("name:value\r\n") that describe the store, for section "keyspace" and
// "scoring". Appends nothing for other sections.
void AppendStoreInfo(const store::Store& store, std::string_view section, std::string* out);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMANDS_FAMILIES_H_
