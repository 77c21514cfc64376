#include "server/command_table.h"
#include "server/commands/families.h"

namespace kizuna::server {

// CATEGORY.* and RULE.* (placeholder until the scoring core lands).
void RegisterDefinitionCommands(CommandTable& table) {}

}  // namespace kizuna::server
