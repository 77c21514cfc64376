// ACL rules, password storage, permission checks and the ACL file, on a small command table.
#include "server/acl/acl.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "server/acl/acl_categories.h"
#include "server/acl/password_hash.h"
#include "server/commands/families.h"

namespace kizuna::server {
namespace {

void Noop(CommandContext&) {}

const CommandSpec kClientSubs[] = {
    {.name = "id", .arity = 2, .handler = Noop, .acl = "@slow @connection"},
    {.name = "kill", .arity = -3, .handler = Noop, .acl = "@admin @slow @dangerous"},
};
const CommandSpec kSpecs[] = {
    {.name = "auth", .arity = -2, .flags = kNoAuth, .handler = Noop, .acl = "@fast @connection"},
    {.name = "event",
     .arity = -3,
     .flags = kWrite,
     .handler = Noop,
     .acl = "@write @fast @scoring @ingest",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "score",
     .arity = 2,
     .flags = kReadonly,
     .handler = Noop,
     .acl = "@read @fast @scoring",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "flushall",
     .arity = -1,
     .flags = kWrite,
     .handler = Noop,
     .acl = "@keyspace @write @slow @dangerous"},
    {.name = "client", .arity = -2, .acl = "@slow", .subcommands = kClientSubs},
};

class AclTest : public ::testing::Test {
 protected:
  AclTest() { table_.Add(kSpecs); }

  // SETUSER that must succeed.
  AclUser& Set(std::string_view name, std::vector<std::string_view> rules) {
    std::string error;
    EXPECT_TRUE(acl_.SetUser(name, rules, &error)) << error;
    return *acl_.Find(name);
  }
  std::string SetError(std::string_view name, std::vector<std::string_view> rules) {
    std::string error;
    EXPECT_FALSE(acl_.SetUser(name, rules, &error));
    return error;
  }
  AclDenial Check(const AclUser& u, std::vector<std::string_view> args) {
    CommandTable::Entry* e = table_.Find(args[0]);
    if (!e->spec->subcommands.empty()) e = table_.FindSub(*e, args[1]);
    size_t key = 0;
    return Acl::Check(u, *e, args, &key);
  }

  CommandTable table_;
  Acl acl_{table_};
};

TEST(PasswordHash, Sha256Hex) {
  // sha256("pw"), as `echo -n pw | sha256sum` and Redis's ACL GETUSER show it.
  EXPECT_EQ(HashPassword("pw"), "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4");
  EXPECT_EQ(HashPassword(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(ValidPasswordHash(HashPassword("x")));
  EXPECT_FALSE(ValidPasswordHash("abc"));
  EXPECT_FALSE(ValidPasswordHash(std::string(64, 'A')));  // upper case is refused, as Redis
  EXPECT_TRUE(HashesEqual("ab", "ab"));
  EXPECT_FALSE(HashesEqual("ab", "ac"));
  EXPECT_EQ(RandomHexBytes(16).size(), 32u);
}

TEST_F(AclTest, PasswordsAreStoredOnlyAsHashes) {
  AclUser& u = Set("web", {"on", ">secret", "#" + std::string(64, 'a')});
  ASSERT_EQ(u.passwords().size(), 2u);
  EXPECT_EQ(u.passwords()[0], HashPassword("secret"));
  EXPECT_EQ(u.Describe().find("secret"), std::string::npos);
  EXPECT_TRUE(u.CheckPassword("secret"));
  EXPECT_FALSE(u.CheckPassword("Secret"));
  EXPECT_EQ(acl_.Authenticate("web", "secret"), &u);
  EXPECT_EQ(acl_.Authenticate("nobody", "secret"), nullptr);
  Set("web", {"<secret"});
  EXPECT_FALSE(u.CheckPassword("secret"));
  Set("web", {"off"});
  Set("web", {">other"});
  EXPECT_FALSE(u.CheckPassword("other")) << "a disabled user cannot log in";
  Set("web", {"on", "nopass"});
  EXPECT_TRUE(u.CheckPassword("anything"));
  EXPECT_TRUE(u.passwords().empty());
}

TEST_F(AclTest, NewAndDefaultUsersDescribeLikeRedis) {
  EXPECT_EQ(acl_.default_user().Describe(), "on nopass ~* &* +@all");
  EXPECT_EQ(Set("alice", {}).Describe(), "off resetchannels -@all");
  EXPECT_EQ(Set("web", {"on", ">pw", "+@read", "+@write", "~c*"}).Describe(),
            "on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~c* "
            "resetchannels -@all +@read +@write");
  EXPECT_EQ(Set("ops", {"+@all", "-flushall", "+client|id", "-@dangerous"}).DescribeCommands(),
            "+@all -flushall +client|id -@dangerous");
  // A later rule for the same command or category replaces the earlier one; a rule for a
  // whole command drops its subcommand rules.
  EXPECT_EQ(Set("r", {"+@read", "-client|kill", "+@read", "-client"}).DescribeCommands(),
            "-@all +@read -client");
  EXPECT_EQ(Set("k", {"%R~a*", "%W~b*", "~c*", "%W~a*", "&ch"}).DescribeKeys(), "~a* %W~b* ~c*");
  EXPECT_EQ(acl_.Find("k")->DescribeChannels(), "&ch");
  EXPECT_EQ(Set("k", {"reset"}).Describe(), "off sanitize-payload resetchannels -@all");
}

TEST_F(AclTest, CategoriesAndCommandsSetBits) {
  AclUser& web = Set("web", {"on", "nopass", "+@ingest", "+@read", "~*"});
  EXPECT_EQ(Check(web, {"event", "c1", "view"}), AclDenial::kNone);
  EXPECT_EQ(Check(web, {"score", "c1"}), AclDenial::kNone);
  EXPECT_EQ(Check(web, {"flushall"}), AclDenial::kCommand);
  EXPECT_EQ(Check(web, {"client", "id"}), AclDenial::kCommand);
  EXPECT_EQ(Check(web, {"auth", "pw"}), AclDenial::kNone) << "no-auth commands always run";
  AclUser& ops = Set("ops", {"+@all", "-@dangerous"});
  EXPECT_EQ(Check(ops, {"client", "id"}), AclDenial::kNone);
  EXPECT_EQ(Check(ops, {"client", "kill", "x"}), AclDenial::kCommand);
  EXPECT_EQ(Check(ops, {"flushall"}), AclDenial::kCommand);
  AclUser& one = Set("one", {"+client|id"});
  EXPECT_EQ(Check(one, {"client", "id"}), AclDenial::kNone);
  EXPECT_EQ(Check(one, {"client", "kill", "x"}), AclDenial::kCommand);
  Set("one", {"+client", "-client|kill"});
  EXPECT_EQ(Check(one, {"client", "id"}), AclDenial::kNone);
  EXPECT_EQ(Check(one, {"client", "kill", "x"}), AclDenial::kCommand);
}

TEST_F(AclTest, KeyPatternsByAccess) {
  AclUser& u = Set("u", {"+@all", "~vip:*", "%R~shop:*"});
  EXPECT_EQ(Check(u, {"event", "vip:1", "view"}), AclDenial::kNone);
  EXPECT_EQ(Check(u, {"score", "shop:1"}), AclDenial::kNone);
  EXPECT_EQ(Check(u, {"event", "shop:1", "view"}), AclDenial::kKey) << "read-only pattern";
  size_t key = 0;
  CommandTable::Entry* score = table_.Find("score");
  std::vector<std::string_view> args = {"score", "other"};
  EXPECT_EQ(Acl::Check(u, *score, args, &key), AclDenial::kKey);
  EXPECT_EQ(key, 1u);
  EXPECT_EQ(Acl::DenialMessage(AclDenial::kKey, u, *score, ""), "No permissions to access a key");
  EXPECT_EQ(Acl::DenialMessage(AclDenial::kKey, u, *score, "other"),
            "User u has no permissions to access the 'other' key");
  EXPECT_EQ(Acl::DenialMessage(AclDenial::kCommand, u, *score, ""),
            "User u has no permissions to run the 'score' command");
}

TEST_F(AclTest, BadRulesChangeNothing) {
  Set("web", {"on", ">pw", "+@read", "~c*"});
  std::string before = acl_.Find("web")->Describe();
  auto prefix = [](std::string_view rule) {
    return "Error in ACL SETUSER modifier '" + std::string(rule) + "': ";
  };
  EXPECT_EQ(SetError("web", {"+@ingest", "bogus"}), prefix("bogus") + "Syntax error");
  EXPECT_EQ(SetError("web", {"+nosuch"}),
            prefix("+nosuch") + "Unknown command or category name in ACL");
  EXPECT_EQ(SetError("web", {"-@nosuch"}),
            prefix("-@nosuch") + "Unknown command or category name in ACL");
  EXPECT_EQ(SetError("web", {"+client|nosuch"}),
            prefix("+client|nosuch") + "Unknown command or category name in ACL");
  EXPECT_EQ(SetError("web", {"#abc"}),
            prefix("#abc") +
                "The password hash must be exactly 64 characters and contain only lowercase "
                "hexadecimal characters");
  EXPECT_EQ(SetError("web", {"<nope"}),
            prefix("<nope") + "The password you are trying to remove from the user does not exist");
  EXPECT_EQ(SetError("web", {"allkeys", "~x"}).substr(0, prefix("~x").size() + 35),
            prefix("~x") + "Adding a pattern after the * patter");
  EXPECT_EQ(SetError("web", {"%X~a"}), prefix("%X~a") + "Syntax error");
  EXPECT_EQ(SetError("web", {"(~a +get)"}), prefix("(~a +get)") + "Syntax error");
  EXPECT_EQ(SetError("a b", {}), "Usernames can't contain spaces or null characters");
  EXPECT_EQ(acl_.Find("web")->Describe(), before);
  EXPECT_EQ(SetError("fresh", {"on", "bogus"}), prefix("bogus") + "Syntax error");
  EXPECT_EQ(acl_.Find("fresh"), nullptr) << "a failed SETUSER creates no user";
}

TEST_F(AclTest, DefaultPasswordFollowsRequirepass) {
  acl_.SetDefaultPassword("s3cret");
  EXPECT_FALSE(acl_.default_user().nopass());
  EXPECT_EQ(acl_.Authenticate("default", "s3cret"), &acl_.default_user());
  EXPECT_EQ(acl_.Authenticate("default", "wrong"), nullptr);
  acl_.SetDefaultPassword("");
  EXPECT_TRUE(acl_.default_user().nopass());
  EXPECT_FALSE(acl_.DelUser("default"));
}

TEST_F(AclTest, FileRoundTripKeepsUsersThatStay) {
  std::string path = ::testing::TempDir() + "/acl_test.acl";
  AclUser& web = Set("web", {"on", ">pw", "+@ingest", "+@read", "~*"});
  Set("gone", {"on", "nopass", "+@all"});
  acl_.SetDefaultPassword("s3cret");
  std::string error;
  ASSERT_TRUE(acl_.SaveFile(path, &error)) << error;
  std::string saved = (std::stringstream() << std::ifstream(path).rdbuf()).str();
  EXPECT_EQ(saved, "user default on #" + HashPassword("s3cret") +
                       " ~* &* +@all\n"
                       "user gone on nopass resetchannels +@all\n"
                       "user web on #" +
                       HashPassword("pw") + " ~* resetchannels -@all +@ingest +@read\n");

  Set("web", {"-@read"});
  Set("extra", {});
  std::vector<std::string> removed;
  acl_.set_remove_hook([&](const AclUser& u) { removed.push_back(u.name()); });
  ASSERT_TRUE(acl_.LoadFile(path, &error)) << error;
  EXPECT_EQ(acl_.Find("web"), &web) << "kept users keep their address (and clients)";
  EXPECT_EQ(web.DescribeCommands(), "-@all +@ingest +@read");
  EXPECT_EQ(acl_.Find("extra"), nullptr);
  EXPECT_EQ(removed, std::vector<std::string>{"extra"});

  // A file with errors changes nothing and says where.
  std::ofstream(path) << "user web on +@nosuch\nuser web off\nnot a user line\n";
  EXPECT_FALSE(acl_.LoadFile(path, &error));
  EXPECT_EQ(error, path +
                       ":1: Error in applying operation '+@nosuch': Unknown command or "
                       "category name in ACL. WARNING: Duplicate user 'web' found on line 2. " +
                       path +
                       ":3 should start with user keyword followed by the username. "
                       "WARNING: ACL errors detected, no change to the previously active "
                       "ACL rules was performed");
  EXPECT_EQ(web.DescribeCommands(), "-@all +@ingest +@read");
  // Without a default line the default user is reset to its built-in rules.
  std::ofstream(path) << "user web on nopass +@read\n";
  ASSERT_TRUE(acl_.LoadFile(path, &error)) << error;
  EXPECT_EQ(acl_.default_user().Describe(), "on nopass ~* &* +@all");
  EXPECT_FALSE(acl_.LoadFile(path + ".missing", &error));
  EXPECT_EQ(error.substr(0, 35), "Error loading ACLs, opening file '/");
  std::remove(path.c_str());
}

// Every category named by a real command's spec is one ACL CAT lists (a typo would silently
// leave the command out of its category).
TEST(AclCategories, EveryCommandCategoryIsKnown) {
  CommandTable t;
  RegisterConnectionCommands(t);
  RegisterClientCommands(t);
  RegisterServerCommands(t);
  RegisterIntrospectionCommands(t);
  RegisterDefinitionCommands(t);
  RegisterEngagementCommands(t);
  RegisterTriggerCommands(t);
  RegisterInsightCommands(t);
  RegisterScoringCommands(t);
  RegisterStreamReadCommands(t);
  RegisterStreamGroupCommands(t);
  RegisterStreamInfoCommands(t);
  RegisterAclCommands(t);
  for (CommandTable::Entry* e : t.AllEntries()) {
    std::string_view unknown;
    AclCategoryMask(e->spec->acl, &unknown);
    EXPECT_TRUE(unknown.empty()) << e->full_name << ": " << unknown;
    EXPECT_NE(e->categories, 0u) << e->full_name;
  }
  uint64_t ingest = AclCategoryBit("ingest"), dangerous = AclCategoryBit("dangerous");
  EXPECT_TRUE(t.Find("event")->categories & ingest);
  EXPECT_TRUE(t.Find("customer.del")->categories & dangerous);
  EXPECT_TRUE(t.Find("flushall")->categories & dangerous);
  EXPECT_TRUE(t.Find("rule.set")->categories & AclCategoryBit("definitions"));
  EXPECT_TRUE(t.Find("xreadgroup")->categories & AclCategoryBit("stream"));
  EXPECT_TRUE(t.Find("stats")->categories & AclCategoryBit("read"));
}

}  // namespace
}  // namespace kizuna::server
