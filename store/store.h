// Store: the domain facade the server calls. One instance, used from the event-loop thread
// only. (Stub: grows with the scoring core.)
#ifndef KIZUNA_STORE_STORE_H_
#define KIZUNA_STORE_STORE_H_

#include <cstddef>

#include "store/clock.h"
#include "store/store_options.h"

namespace kizuna::store {

class Store {
 public:
  explicit Store(Clock* clock) : clock_(clock) {}

  Clock& clock() const { return *clock_; }

  const StoreOptions& options() const { return options_; }
  void set_options(const StoreOptions& options) { options_ = options; }

  // DBSIZE: number of customers.
  size_t customer_count() const { return 0; }
  // FLUSHALL: drops every customer and everything hanging off them; keeps definitions.
  void FlushAll() {}

 private:
  Clock* clock_;
  StoreOptions options_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STORE_H_
