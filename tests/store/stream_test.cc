#include "store/stream/stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kizuna::store {
namespace {

StreamId Id(uint64_t ms, uint64_t seq) { return {ms, seq}; }

StreamId Add(Stream& s, TimeMs now, std::string_view value = "v") {
  return s.Append({{"message", value}}, now);
}

std::vector<std::string> Fields(const StreamEntry& e) {
  std::vector<std::string> out;
  e.ForEachField([&](std::string_view f, std::string_view v) {
    out.emplace_back(f);
    out.emplace_back(v);
  });
  return out;
}

TEST(StreamId, ParsesAndFormats) {
  EXPECT_EQ(ParseStreamId("5-3"), Id(5, 3));
  EXPECT_EQ(ParseStreamId("5"), Id(5, 0));
  EXPECT_EQ(ParseStreamId("5", UINT64_MAX), Id(5, UINT64_MAX));
  EXPECT_EQ(ParseStreamId("18446744073709551615-18446744073709551615"), StreamId::Max());
  for (const char* bad : {"", "-", "5-", "-5", "5-x", "18446744073709551616", "1-2-3", "+"}) {
    EXPECT_FALSE(ParseStreamId(bad)) << bad;
  }
  EXPECT_EQ(StreamIdText(Id(1700000000000, 12)), "1700000000000-12");
  EXPECT_EQ(StreamIdText(StreamId::Max()), "18446744073709551615-18446744073709551615");
}

TEST(StreamId, RangeBoundsAreInclusiveUnlessParenthesised) {
  EXPECT_EQ(ParseRangeBound("-", true)->id, StreamId::Min());
  EXPECT_EQ(ParseRangeBound("+", false)->id, StreamId::Max());
  EXPECT_EQ(ParseRangeBound("7", false)->id, Id(7, UINT64_MAX));
  EXPECT_EQ(InclusiveStart(*ParseRangeBound("(7-1", true)), Id(7, 2));
  EXPECT_EQ(InclusiveEnd(*ParseRangeBound("(7-0", false)), Id(6, UINT64_MAX));
  EXPECT_FALSE(InclusiveEnd(*ParseRangeBound("(0-0", false)));
  EXPECT_FALSE(
      InclusiveStart(*ParseRangeBound("(18446744073709551615-18446744073709551615", true)));
  EXPECT_FALSE(ParseRangeBound("(-", true));
}

TEST(Stream, IdsStrictlyIncreaseEvenWhenTheClockStandsStillOrGoesBack) {
  Stream s;
  EXPECT_EQ(Add(s, 1000), Id(1000, 0));
  EXPECT_EQ(Add(s, 1000), Id(1000, 1));
  EXPECT_EQ(Add(s, 999), Id(1000, 2));
  EXPECT_EQ(Add(s, 1001), Id(1001, 0));
  EXPECT_EQ(s.size(), 4u);
  EXPECT_EQ(s.entries_added(), 4u);
  EXPECT_EQ(s.first_id(), Id(1000, 0));
  EXPECT_EQ(s.last_id(), Id(1001, 0));
}

TEST(Stream, EntriesKeepTheirFieldsInOrder) {
  Stream s;
  std::string big(300, 'x');
  StreamId id = s.Append({{"type", "trigger"}, {"name", ""}, {"message", big}}, 5);
  ASSERT_NE(s.Find(id), nullptr);
  EXPECT_EQ(Fields(*s.Find(id)),
            (std::vector<std::string>{"type", "trigger", "name", "", "message", big}));
  EXPECT_EQ(s.Find(Id(5, 1)), nullptr);
}

TEST(Stream, MaxLenTrimsTheOldestExactly) {
  Stream s;
  s.set_max_len(3);
  for (int i = 1; i <= 5; ++i) Add(s, i);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.at(0).id(), Id(3, 0));
  EXPECT_EQ(s.first_id(), Id(3, 0));
  EXPECT_EQ(s.entries_added(), 5u);
  s.set_max_len(1);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.at(0).id(), Id(5, 0));
}

TEST(Stream, TrimByMaxLenAndMinIdWithLimit) {
  Stream s;
  for (int i = 1; i <= 10; ++i) Add(s, i);
  EXPECT_EQ(s.TrimMaxLen(8, 1), 1u);
  EXPECT_EQ(s.TrimMaxLen(8), 1u);
  EXPECT_EQ(s.TrimMaxLen(8), 0u);
  EXPECT_EQ(s.TrimMinId(Id(6, 0)), 3u);
  EXPECT_EQ(s.at(0).id(), Id(6, 0));
  EXPECT_EQ(s.TrimMaxLen(0), 5u);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(Add(s, 3), Id(10, 1));  // ids never go back, even on an emptied stream
}

TEST(Stream, LowerAndUpperBound) {
  Stream s;
  for (int i : {10, 20, 30}) Add(s, i);
  EXPECT_EQ(s.LowerBound(Id(20, 0)), 1u);
  EXPECT_EQ(s.UpperBound(Id(20, 0)), 2u);
  EXPECT_EQ(s.LowerBound(Id(31, 0)), 3u);
  EXPECT_EQ(s.UpperBound(StreamId::Min()), 0u);
}

struct GroupFixture : ::testing::Test {
  Stream s;
  ConsumerGroup* g = nullptr;
  void SetUp() override {
    for (int i = 1; i <= 5; ++i) Add(s, i * 100);
    ASSERT_TRUE(s.CreateGroup("g", StreamId::Min(), kEntriesReadUnknown));
    g = s.FindGroup("g");
  }
  Consumer& C(std::string_view name) { return *g->GetConsumer(name, 0); }
};

TEST_F(GroupFixture, ReadNewDeliversOnceAndFillsThePel) {
  EXPECT_FALSE(s.CreateGroup("g", StreamId::Min(), 0));
  auto [a, b] = s.ReadNew(*g, C("alice"), 2, false, 1000);
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 2u);
  EXPECT_EQ(g->last_id(), Id(200, 0));
  auto [c, d] = s.ReadNew(*g, C("bob"), 0, false, 1001);
  EXPECT_EQ(c, 2u);
  EXPECT_EQ(d, 5u);
  auto [e, f] = s.ReadNew(*g, C("bob"), 0, false, 1002);
  EXPECT_EQ(e, f);
  EXPECT_EQ(g->pel().size(), 5u);
  EXPECT_EQ(C("alice").pending.size(), 2u);
  EXPECT_EQ(C("bob").pending.size(), 3u);
  EXPECT_EQ(g->pel().at(Id(300, 0)).delivery_time, 1001);
  EXPECT_EQ(g->pel().at(Id(300, 0)).delivery_count, 1u);
  EXPECT_EQ(C("bob").active_time, 1001);
  EXPECT_TRUE(g->Ack(Id(300, 0)));
  EXPECT_FALSE(g->Ack(Id(300, 0)));
  EXPECT_EQ(C("bob").pending.size(), 2u);
}

TEST_F(GroupFixture, NoAckLeavesNothingPending) {
  auto [a, b] = s.ReadNew(*g, C("alice"), 0, true, 1000);
  EXPECT_EQ(b - a, 5u);
  EXPECT_TRUE(g->pel().empty());
  EXPECT_EQ(g->last_id(), Id(500, 0));
}

TEST_F(GroupFixture, RedeliveryAfterSetIdMovesOwnership) {
  s.ReadNew(*g, C("alice"), 0, false, 1000);
  g->SetPosition(StreamId::Min(), kEntriesReadUnknown);
  s.ReadNew(*g, C("bob"), 1, false, 2000);
  EXPECT_EQ(g->pel().at(Id(100, 0)).owner->name, "bob");
  EXPECT_EQ(g->pel().at(Id(100, 0)).delivery_time, 2000);
  EXPECT_EQ(C("alice").pending.size(), 4u);
  EXPECT_EQ(C("bob").pending.size(), 1u);
}

TEST_F(GroupFixture, ReadPendingCountsDeliveriesAndReportsTrimmedEntries) {
  s.ReadNew(*g, C("alice"), 3, false, 1000);
  s.TrimMaxLen(3);  // 100 and 200 go while pending
  std::vector<std::pair<StreamId, bool>> seen;
  s.ReadPending(*g, C("alice"), StreamId::Min(), 0, 1500,
                [&](StreamId id, const StreamEntry* e) { seen.emplace_back(id, e != nullptr); });
  EXPECT_EQ(seen, (std::vector<std::pair<StreamId, bool>>{
                      {Id(100, 0), false}, {Id(200, 0), false}, {Id(300, 0), true}}));
  EXPECT_EQ(g->pel().at(Id(300, 0)).delivery_count, 2u);
  EXPECT_EQ(g->pel().at(Id(300, 0)).delivery_time, 1500);
  seen.clear();
  s.ReadPending(*g, C("alice"), Id(100, 0), 1, 1600,
                [&](StreamId id, const StreamEntry* e) { seen.emplace_back(id, e != nullptr); });
  EXPECT_EQ(seen, (std::vector<std::pair<StreamId, bool>>{{Id(200, 0), false}}));
}

TEST_F(GroupFixture, ClaimHonoursMinIdleAndOptions) {
  s.ReadNew(*g, C("crashed"), 2, false, 1000);
  std::vector<StreamId> claimed;
  StreamId ids[] = {Id(100, 0), Id(200, 0), Id(300, 0), Id(999, 0)};
  ClaimOptions opt;
  opt.min_idle = 500;
  s.Claim(*g, "rescuer", ids, opt, 1400, &claimed);
  EXPECT_TRUE(claimed.empty());
  EXPECT_EQ(g->FindConsumer("rescuer"), nullptr);  // created only by a claim that happens
  s.Claim(*g, "rescuer", ids, opt, 1500, &claimed);
  EXPECT_EQ(claimed, (std::vector<StreamId>{Id(100, 0), Id(200, 0)}));
  EXPECT_EQ(g->pel().at(Id(100, 0)).owner->name, "rescuer");
  EXPECT_EQ(g->pel().at(Id(100, 0)).delivery_count, 2u);
  EXPECT_TRUE(C("crashed").pending.empty());

  ClaimOptions force;
  force.force = true;
  force.just_id = true;
  force.delivery_time = 1200;
  s.Claim(*g, "other", ids, force, 1600, &claimed);
  EXPECT_EQ(claimed, (std::vector<StreamId>{Id(100, 0), Id(200, 0), Id(300, 0)}));
  EXPECT_EQ(g->pel().at(Id(300, 0)).delivery_count, 1u);  // forced; JUSTID does not count
  EXPECT_EQ(g->pel().at(Id(100, 0)).delivery_count, 2u);
  EXPECT_EQ(g->pel().at(Id(100, 0)).delivery_time, 1200);

  ClaimOptions retry;
  retry.retry_count = 7;
  retry.last_id = Id(400, 0);
  StreamId one[] = {Id(300, 0)};
  s.Claim(*g, "other", one, retry, 1700, &claimed);
  EXPECT_EQ(g->pel().at(Id(300, 0)).delivery_count, 7u);
  EXPECT_EQ(g->last_id(), Id(400, 0));
}

TEST_F(GroupFixture, ClaimDropsPendingEntriesWhoseEntryWasTrimmed) {
  s.ReadNew(*g, C("a"), 2, false, 1000);
  s.TrimMinId(Id(200, 0));
  std::vector<StreamId> claimed;
  StreamId ids[] = {Id(100, 0), Id(200, 0)};
  s.Claim(*g, "b", ids, {}, 2000, &claimed);
  EXPECT_EQ(claimed, (std::vector<StreamId>{Id(200, 0)}));
  EXPECT_EQ(g->pel().size(), 1u);
  EXPECT_TRUE(C("a").pending.empty());
}

TEST_F(GroupFixture, AutoClaimScansWithACursor) {
  s.ReadNew(*g, C("a"), 0, false, 1000);
  AutoClaimResult r;
  s.AutoClaim(*g, "b", 100, StreamId::Min(), 2, false, 1050, &r);
  EXPECT_TRUE(r.claimed.empty());  // not idle long enough
  EXPECT_EQ(r.next, StreamId::Min());
  s.AutoClaim(*g, "b", 100, StreamId::Min(), 2, false, 1100, &r);
  EXPECT_EQ(r.claimed, (std::vector<StreamId>{Id(100, 0), Id(200, 0)}));
  EXPECT_EQ(r.next, Id(300, 0));
  s.TrimMinId(Id(400, 0));
  s.AutoClaim(*g, "b", 0, r.next, 10, true, 1200, &r);
  EXPECT_EQ(r.deleted, (std::vector<StreamId>{Id(300, 0)}));
  EXPECT_EQ(r.claimed, (std::vector<StreamId>{Id(400, 0), Id(500, 0)}));
  EXPECT_EQ(r.next, StreamId::Min());
  EXPECT_EQ(g->pel().at(Id(400, 0)).delivery_count, 1u);  // JUSTID
  EXPECT_EQ(g->pel().at(Id(100, 0)).delivery_count, 2u);
}

TEST_F(GroupFixture, DeleteConsumerDropsItsPendingEntries) {
  s.ReadNew(*g, C("a"), 2, false, 1000);
  s.ReadNew(*g, C("b"), 1, false, 1000);
  EXPECT_EQ(g->DeleteConsumer("a"), 2);
  EXPECT_EQ(g->DeleteConsumer("a"), -1);
  EXPECT_EQ(g->pel().size(), 1u);
}

TEST_F(GroupFixture, LagFollowsRedis) {
  EXPECT_EQ(s.Lag(*g), 5);  // 0-0 is before the first entry: nothing read
  s.ReadNew(*g, C("a"), 2, false, 1000);
  EXPECT_EQ(g->entries_read(), 2);  // known from the first entry on
  EXPECT_EQ(s.Lag(*g), 3);
  g->SetPosition(Id(300, 0), kEntriesReadUnknown);  // as XGROUP SETID to a middle entry
  EXPECT_EQ(s.Lag(*g), std::nullopt);
  s.ReadNew(*g, C("a"), 0, false, 1000);
  EXPECT_EQ(g->entries_read(), 5);
  EXPECT_EQ(s.Lag(*g), 0);
  Add(s, 600);
  EXPECT_EQ(s.Lag(*g), 1);
  s.ReadNew(*g, C("a"), 0, false, 1000);
  EXPECT_EQ(g->entries_read(), 6);
  ASSERT_TRUE(s.CreateGroup("tail", s.last_id(), kEntriesReadUnknown));
  EXPECT_EQ(s.Lag(*s.FindGroup("tail")), 0);
}

TEST_F(GroupFixture, DumpRestoreRoundTrips) {
  s.ReadNew(*g, C("a"), 2, false, 1000);
  s.ReadNew(*g, C("b"), 1, false, 1100);
  ASSERT_TRUE(s.CreateGroup("h", Id(300, 0), 3));
  StreamState state = s.Dump();
  Stream copy;
  copy.Restore(state);
  StreamState again = copy.Dump();
  ASSERT_EQ(again.entries.size(), 5u);
  EXPECT_EQ(again.entries[4].fields, state.entries[4].fields);
  EXPECT_EQ(again.last_id, state.last_id);
  EXPECT_EQ(again.entries_added, 5u);
  ASSERT_EQ(again.groups.size(), 2u);
  EXPECT_EQ(again.groups[0].pending.size(), 3u);
  EXPECT_EQ(again.groups[0].pending[2].consumer, "b");
  EXPECT_EQ(again.groups[0].pending[2].delivery_time, 1100);
  EXPECT_EQ(again.groups[0].consumers.size(), 2u);
  EXPECT_EQ(again.groups[1].entries_read, 3);
  EXPECT_EQ(copy.FindGroup("g")->FindConsumer("a")->pending.size(), 2u);
  EXPECT_EQ(Add(copy, 1), Id(500, 1));
}

TEST_F(GroupFixture, DeleteIfRemovesEntriesAndEveryPendingReferenceAsXdelPlusXack) {
  s.ReadNew(*g, C("a"), 2, false, 1000);  // 100, 200
  s.ReadNew(*g, C("b"), 2, false, 1000);  // 300, 400
  size_t bytes = s.MemoryBytes();
  auto odd = [](const StreamEntry& e) { return e.id().ms / 100 % 2 == 1; };
  EXPECT_EQ(s.DeleteIf(odd), 3u);  // 100, 300, 500
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.at(0).id(), Id(200, 0));
  EXPECT_EQ(s.at(1).id(), Id(400, 0));
  EXPECT_EQ(s.Find(Id(300, 0)), nullptr);
  EXPECT_EQ(s.first_id(), Id(200, 0));  // the first entry went
  EXPECT_EQ(s.max_deleted_id(), Id(500, 0));
  EXPECT_EQ(s.last_id(), Id(500, 0));  // ids never go back
  EXPECT_EQ(s.entries_added(), 5u);
  EXPECT_LT(s.MemoryBytes(), bytes);
  EXPECT_EQ(g->pel().size(), 2u);
  EXPECT_EQ(C("a").pending, (absl::btree_set<StreamId>{Id(200, 0)}));
  EXPECT_EQ(C("b").pending, (absl::btree_set<StreamId>{Id(400, 0)}));
  // A deletion after the group's position makes its counter untrustworthy, as in Redis.
  EXPECT_EQ(g->entries_read(), 4);
  EXPECT_EQ(s.Lag(*g), std::nullopt);
  EXPECT_EQ(s.DeleteIf(odd), 0u);
  EXPECT_EQ(s.max_deleted_id(), Id(500, 0));
  // Survives Dump/Restore; appends go on after the last id.
  Stream copy;
  copy.Restore(s.Dump());
  EXPECT_EQ(copy.max_deleted_id(), Id(500, 0));
  EXPECT_EQ(Add(copy, 1), Id(500, 1));
  EXPECT_EQ(s.DeleteIf([](const StreamEntry&) { return true; }), 2u);
  EXPECT_EQ(s.first_id(), StreamId::Min());
  EXPECT_TRUE(g->pel().empty());
  EXPECT_EQ(s.Lag(*g), 1);  // as Redis: an empty stream trusts the counter (4 of 5 read)
}

TEST(Stream, ClearStartsOver) {
  Stream s;
  Add(s, 100);
  s.CreateGroup("g", StreamId::Min(), 0);
  s.Clear();
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.groups().empty());
  EXPECT_EQ(s.entries_added(), 0u);
  EXPECT_EQ(Add(s, 50), Id(50, 0));
}

struct CountingListener : StreamListener {
  int calls = 0;
  void OnStreamChanged() override { ++calls; }
};

TEST(Stream, ListenerHearsAppendsDestroysAndClears) {
  Stream s;
  CountingListener l;
  s.set_listener(&l);
  Add(s, 1);
  s.CreateGroup("g", StreamId::Min(), 0);
  s.DestroyGroup("g");
  s.DestroyGroup("g");
  s.Clear();
  EXPECT_EQ(l.calls, 3);
}

}  // namespace
}  // namespace kizuna::store
