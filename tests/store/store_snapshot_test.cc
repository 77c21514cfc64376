// Store::SaveState / LoadRecord: a store saved and loaded into a fresh one (after the same
// definitions, as snapshot loading replays them) answers every query alike and goes on alike.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "store/persistence/state_codec.h"
#include "tests/store/store_test_util.h"

namespace kizuna::store {
namespace {

using Records = std::vector<std::pair<std::string, std::string>>;

class StoreSnapshotTest : public StoreFixture {
 protected:
  void Definitions(Store& s) {
    ASSERT_TRUE(s.SetCategory("buzz", 7 * 24 * 3600 * 1000ll, kT0).ok());
    ASSERT_TRUE(s.SetRule({"view", "view", {}, {{"product", 3}, {"buzz", 2}}, {}}).ok());
    ASSERT_TRUE(s.SetRule({"shelf", "visit", "store:A", {{"lifestance", 4}}, {}}).ok());
    ASSERT_TRUE(s.SetRule({"buy", "purchase", {}, {{"product", 8}}, {}}).ok());
  }

  Records Save(const Store& s) {
    Records records;
    StateOut out([&](std::string_view tag, std::string_view payload) {
      records.emplace_back(tag, payload);
    });
    s.SaveActions(out);
    s.SaveState(out);
    return records;
  }
};

TEST_F(StoreSnapshotTest, LoadedStoreAnswersAndContinuesAlike) {
  Event("early", "signup");  // an action no definition names: its id must come back too
  Definitions(store_);
  for (int i = 0; i < 300; ++i) {
    std::string c = "c" + std::to_string(i);
    clock_.Set(kT0 + i * 60'000);
    Event(c, "view", -1, std::nullopt, std::nullopt, "ev" + std::to_string(i));
    if (i % 3 == 0) Event(c, "visit", -1, "store:A");
    if (i % 7 == 0) Event(c, "purchase", -1, std::nullopt, 12.5 + i);
  }
  for (int i : {5, 17, 250}) ASSERT_TRUE(store_.DeleteCustomer("c" + std::to_string(i)));
  Records records = Save(store_);

  ManualClock clock(clock_.NowMs());
  Store loaded(&clock);
  ASSERT_TRUE(loaded.LoadRecord(records[0].first, records[0].second));  // actions first
  Definitions(loaded);
  for (size_t r = 1; r < records.size(); ++r) {
    ASSERT_TRUE(loaded.LoadRecord(records[r].first, records[r].second)) << records[r].first;
  }
  loaded.FinishLoad();
  EXPECT_EQ(Save(loaded), records);

  ASSERT_EQ(loaded.customer_count(), store_.customer_count());
  TimeMs now = clock_.NowMs() + 3'600'000;
  for (CustomerIndex c : store_.Customers()) {
    std::string_view id = store_.CustomerId(c);
    ASSERT_EQ(loaded.FindCustomer(id), c) << id;
    CustomerView a, b;
    store_.ReadCustomer(c, now, &a);
    loaded.ReadCustomer(c, now, &b);
    EXPECT_EQ(a.scores, b.scores);
    EXPECT_EQ(a.counts, b.counts);
    EXPECT_EQ(a.monetary, b.monetary);
    EXPECT_EQ(a.first_seen, b.first_seen);
    for (int k : {0, 1, 3, kTotal}) EXPECT_EQ(store_.Rank(c, k, now), loaded.Rank(c, k, now));
  }
  // Deduplication, counters, index reuse and the next event behave the same.
  EventInput again{.customer = "c10", .action = "view", .ts = clock_.NowMs(), .id = "ev10"};
  EXPECT_TRUE(loaded.ApplyEvent(again, now)->deduped);
  EXPECT_TRUE(store_.ApplyEvent(again, now)->deduped);
  EXPECT_EQ(loaded.PairCount(loaded.FindCustomer("c9"), "visit", "store:A"), 1u);
  EventInput fresh{.customer = "newcomer", .action = "view", .ts = clock_.NowMs()};
  ASSERT_TRUE(store_.ApplyEvent(fresh, now).ok());
  ASSERT_TRUE(loaded.ApplyEvent(fresh, now).ok());
  EXPECT_EQ(loaded.FindCustomer("newcomer"), store_.FindCustomer("newcomer"));
  Records a = Save(loaded), b = Save(store_);
  ASSERT_EQ(a.size(), b.size());
  for (size_t r = 0; r < a.size(); ++r) {
    EXPECT_EQ(a[r].first, b[r].first);
    EXPECT_TRUE(a[r].second == b[r].second) << "record " << r << " (" << a[r].first << ")";
  }
}

TEST_F(StoreSnapshotTest, CountersOfPairsNoLongerTrackedAreDropped) {
  Definitions(store_);
  ASSERT_TRUE(store_.TrackPair("visit", "store:B").ok());  // e.g. from the init file
  Event("a", "visit", -1, "store:B");
  Event("a", "visit", -1, "store:A");
  Records records = Save(store_);
  ManualClock clock(kT0);
  Store loaded(&clock);
  ASSERT_TRUE(loaded.LoadRecord(records[0].first, records[0].second));
  ASSERT_TRUE(loaded.TrackPair("view", "x").ok());  // pair ids now differ from the saved ones
  Definitions(loaded);
  for (size_t r = 1; r < records.size(); ++r) {
    ASSERT_TRUE(loaded.LoadRecord(records[r].first, records[r].second)) << records[r].first;
  }
  loaded.FinishLoad();
  CustomerIndex a = loaded.FindCustomer("a");
  EXPECT_EQ(loaded.PairCount(a, "visit", "store:A"), 1u);
  EXPECT_EQ(loaded.PairCount(a, "visit", "store:B"), 0u);
  EXPECT_EQ(loaded.PairCount(a, "view", "x"), 0u);
  EXPECT_EQ(loaded.ActionCount(a, "visit"), 2u);
}

TEST_F(StoreSnapshotTest, MalformedRecordsAreRefused) {
  Definitions(store_);
  Event("a", "view");
  Records records = Save(store_);
  ManualClock clock(kT0);
  Store loaded(&clock);
  EXPECT_FALSE(loaded.LoadRecord("store.unknown", ""));
  ASSERT_TRUE(loaded.LoadRecord(records[0].first, records[0].second));
  Definitions(loaded);
  ASSERT_EQ(records[1].first, "store.meta");
  ASSERT_TRUE(loaded.LoadRecord(records[1].first, records[1].second));
  ASSERT_EQ(records[3].first, "store.customers");
  std::string cut = records[3].second.substr(0, records[3].second.size() - 3);
  EXPECT_FALSE(loaded.LoadRecord("store.customers", cut));
}

}  // namespace
}  // namespace kizuna::store
