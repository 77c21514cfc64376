// The per-request ACL check (Acl::Check) on the server's real command table: what a user
// costs on the hot path. Default user (+@all ~*), a category user with allkeys, and users with
// one or four key patterns (a glob per pattern until one matches).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "server/acl/acl.h"
#include "server/commands/families.h"

namespace kizuna::server {
namespace {

struct Fixture {
  Fixture() {
    RegisterConnectionCommands(table);
    RegisterServerCommands(table);
    RegisterScoringCommands(table);
    RegisterAclCommands(table);
    std::string error;
    std::vector<std::string_view> web = {"on", ">pw", "+@ingest", "+@read", "~*"};
    acl.SetUser("web", web, &error);
    std::vector<std::string_view> one = {"on", ">pw", "+@ingest", "~cust:*"};
    acl.SetUser("one", one, &error);
    std::vector<std::string_view> four = {"on", ">pw", "+@ingest", "~a:*", "~b:*", "~c:*",
                                          "~cust:*"};
    acl.SetUser("four", four, &error);
    event = table.Find("event");
  }
  CommandTable table;
  Acl acl{table};
  CommandTable::Entry* event = nullptr;
};

void Run(benchmark::State& state, std::string_view user_name) {
  static Fixture f;
  const AclUser& user = user_name == "default" ? f.acl.default_user() : *f.acl.Find(user_name);
  std::vector<std::string_view> args = {"EVENT", "cust:000000123456", "view"};
  size_t key = 0;
  for (auto _ : state) {
    AclDenial d = Acl::Check(user, *f.event, args, &key);
    benchmark::DoNotOptimize(d);
    if (d != AclDenial::kNone) state.SkipWithError("denied");
  }
}

void BM_CheckDefaultUser(benchmark::State& state) { Run(state, "default"); }
void BM_CheckCategoryUserAllKeys(benchmark::State& state) { Run(state, "web"); }
void BM_CheckOneKeyPattern(benchmark::State& state) { Run(state, "one"); }
void BM_CheckFourKeyPatterns(benchmark::State& state) { Run(state, "four"); }
BENCHMARK(BM_CheckDefaultUser);
BENCHMARK(BM_CheckCategoryUserAllKeys);
BENCHMARK(BM_CheckOneKeyPattern);
BENCHMARK(BM_CheckFourKeyPatterns);

}  // namespace
}  // namespace kizuna::server
