#include "server/command_table.h"

#include <gtest/gtest.h>

namespace kizuna::server {
namespace {

void Noop(CommandContext&) {}

const CommandSpec kSubs[] = {
    {.name = "getname", .arity = 2, .handler = Noop},
    {.name = "setname", .arity = 3, .handler = Noop},
};
const CommandSpec kSpecs[] = {
    {.name = "ping", .arity = -1, .handler = Noop},
    {.name = "client", .arity = -2, .subcommands = kSubs},
};

TEST(CommandTable, CaseInsensitiveLookup) {
  CommandTable t;
  t.Add(kSpecs);
  ASSERT_NE(t.Find("PiNg"), nullptr);
  EXPECT_EQ(t.Find("ping")->spec, &kSpecs[0]);
  EXPECT_EQ(t.Find("pong"), nullptr);
  EXPECT_EQ(t.Find(std::string(100, 'x')), nullptr);
}

TEST(CommandTable, SubcommandsAreNotTopLevel) {
  CommandTable t;
  t.Add(kSpecs);
  CommandTable::Entry* client = t.Find("CLIENT");
  ASSERT_NE(client, nullptr);
  CommandTable::Entry* sub = t.FindSub(*client, "GetName");
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->full_name, "client|getname");
  EXPECT_EQ(t.Find("client|getname"), nullptr);
  EXPECT_EQ(t.FindSub(*client, "nope"), nullptr);
  EXPECT_EQ(t.commands().size(), 2u);
  EXPECT_EQ(t.AllEntries().size(), 4u);
}

TEST(CommandTable, RecentLookupIsByExactBytes) {
  CommandTable t;
  t.Add(kSpecs);
  CommandTable::Recent recent;
  CommandTable::Entry* ping = t.Find("PING", &recent);
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(t.Find("PING", &recent), ping);
  EXPECT_EQ(t.Find("PONG", &recent), nullptr);  // as long as the name it holds
  // Another name, or the same in other letters, is looked up, not taken from `recent`.
  EXPECT_EQ(t.Find("client", &recent), t.Find("CLIENT"));
  EXPECT_EQ(t.Find("PINGX", &recent), nullptr);
  EXPECT_EQ(t.Find("PIN", &recent), nullptr);  // a prefix of the name it holds
  EXPECT_EQ(t.Find("ping", &recent), ping);
  EXPECT_EQ(t.Find("client", &recent)->spec, &kSpecs[1]);
  // An unknown name is not kept: the last found one still answers.
  EXPECT_EQ(t.Find("nope", &recent), nullptr);
  EXPECT_EQ(t.Find("client", &recent)->spec, &kSpecs[1]);
  // A name longer than the bytes `recent` keeps is found each time, and not kept.
  const CommandSpec long_name[] = {
      {.name = "a-command-name-of-32-characters!", .arity = -1, .handler = Noop}};
  t.Add(long_name);
  std::string upper = "A-COMMAND-NAME-OF-32-CHARACTERS!";
  for (int i = 0; i < 2; ++i) EXPECT_EQ(t.Find(upper, &recent)->spec, &long_name[0]);
  EXPECT_EQ(t.Find("client", &recent)->spec, &kSpecs[1]);
  EXPECT_EQ(t.Find(std::string(40, 'p'), &recent), nullptr);
}

}  // namespace
}  // namespace kizuna::server
