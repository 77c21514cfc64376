// The ACL check on the request path allocates nothing, for every kind of user (its own binary:
// it replaces the global operator new to count).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/acl/acl.h"
#include "server/commands/families.h"
#include "tests/allocation_counter.h"

namespace kizuna::server {
namespace {

TEST(AclAllocation, CheckAllocatesNothing) {
  CommandTable table;
  RegisterServerCommands(table);
  RegisterScoringCommands(table);
  RegisterStreamReadCommands(table);
  Acl acl(table);
  std::string error;
  std::vector<std::string_view> web = {"on", "+@ingest", "+@read", "~*"};
  std::vector<std::string_view> keyed = {"on", "+@all", "~a:*", "%R~b:*", "~cust:*"};
  ASSERT_TRUE(acl.SetUser("web", web, &error));
  ASSERT_TRUE(acl.SetUser("keyed", keyed, &error));
  std::vector<std::string_view> event = {"EVENT", "cust:1", "view"};
  std::vector<std::string_view> xread = {"XREAD", "COUNT", "5", "STREAMS", "outbox", "0"};
  std::vector<std::string_view> flushall = {"FLUSHALL"};
  const CommandTable::Entry& ev = *table.Find("event");
  const CommandTable::Entry& xr = *table.Find("xread");
  const CommandTable::Entry& fa = *table.Find("flushall");
  size_t key = 0;
  AclDenial results[6];
  EXPECT_EQ(CountAllocations([&] {
              results[0] = Acl::Check(acl.default_user(), ev, event, &key);
              results[1] = Acl::Check(*acl.Find("web"), ev, event, &key);
              results[2] = Acl::Check(*acl.Find("web"), fa, flushall, &key);
              results[3] = Acl::Check(*acl.Find("keyed"), ev, event, &key);
              results[4] = Acl::Check(*acl.Find("keyed"), xr, xread, &key);
              results[5] = Acl::Check(*acl.Find("web"), xr, xread, &key);
            }),
            0u);
  EXPECT_EQ(results[0], AclDenial::kNone);
  EXPECT_EQ(results[1], AclDenial::kNone);
  EXPECT_EQ(results[2], AclDenial::kCommand);
  EXPECT_EQ(results[3], AclDenial::kNone);
  EXPECT_EQ(results[4], AclDenial::kKey);
  EXPECT_EQ(key, 4u);
  EXPECT_EQ(results[5], AclDenial::kNone);
}

}  // namespace
}  // namespace kizuna::server
