#include "server/command_table.h"
#include "server/commands/families.h"
#include "store/store.h"

namespace kizuna::server {

// EVENT, SCORE, CUSTOMER, CUSTOMER.DEL, TOP, RANK (placeholder until the scoring core lands).
void RegisterScoringCommands(CommandTable& table) {}

void AppendStoreInfo(const store::Store& store, std::string_view section, std::string* out) {
  if (section == "keyspace" && store.customer_count() > 0) {
    *out += "db0:keys=" + std::to_string(store.customer_count()) + ",expires=0,avg_ttl=0\r\n";
  }
}

}  // namespace kizuna::server
