// Shared helpers for store tests.
#ifndef KIZUNA_TESTS_STORE_STORE_TEST_UTIL_H_
#define KIZUNA_TESTS_STORE_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "store/clock.h"
#include "store/order_index.h"
#include "store/store.h"

namespace kizuna::store {

// Every entry of an index, in its order.
inline std::vector<uint32_t> Contents(const OrderIndex& index) {
  std::vector<uint32_t> got;
  index.ForEach(index.size(), [&](uint32_t c) {
    got.push_back(c);
    return true;
  });
  return got;
}

inline constexpr TimeMs kT0 = 1'700'000'000'000;

class StoreFixture : public ::testing::Test {
 protected:
  StoreFixture() : clock_(kT0), store_(&clock_) {}

  // The example rules: view -> product 3, lifestyle 5; purchase -> product 8,
  // lifestyle 1, lifestance 1; visit -> product 5.
  void DefaultRules() {
    ASSERT_TRUE(store_.SetRule({"view", "view", {}, {{"product", 3}, {"lifestyle", 5}}, {}}).ok());
    ASSERT_TRUE(store_
                    .SetRule({"purchase",
                              "purchase",
                              {},
                              {{"product", 8}, {"lifestyle", 1}, {"lifestance", 1}},
                              {}})
                    .ok());
    ASSERT_TRUE(store_.SetRule({"visit", "visit", {}, {{"product", 5}}, {}}).ok());
  }

  double Event(std::string_view customer, std::string_view action, TimeMs ts = -1,
               std::optional<std::string_view> item = std::nullopt,
               std::optional<double> value = std::nullopt,
               std::optional<std::string_view> id = std::nullopt) {
    EventInput in;
    in.customer = customer;
    in.action = action;
    in.item = item;
    in.value = value;
    in.ts = ts < 0 ? clock_.NowMs() : ts;
    in.id = id;
    auto r = store_.ApplyEvent(in, clock_.NowMs());
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->total : -1;
  }

  double Score(std::string_view customer, std::string_view cat) {
    CustomerIndex c = store_.FindCustomer(customer);
    EXPECT_NE(c, kNoCustomer) << customer;
    return store_.Score(c, *store_.ResolveCategory(cat), clock_.NowMs());
  }

  std::vector<std::string> Top(std::string_view cat, size_t n) {
    std::vector<std::pair<CustomerIndex, double>> top;
    store_.Top(*store_.ResolveCategory(cat), n, clock_.NowMs(), &top);
    std::vector<std::string> ids;
    for (auto& [c, s] : top) ids.emplace_back(store_.CustomerId(c));
    return ids;
  }

  size_t Rank(std::string_view customer, std::string_view cat) {
    return store_.Rank(store_.FindCustomer(customer), *store_.ResolveCategory(cat), clock_.NowMs());
  }

  ManualClock clock_;
  Store store_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_TESTS_STORE_STORE_TEST_UTIL_H_
