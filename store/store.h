// Store: the domain facade the server calls. One instance, used from the event-loop thread
// only. (Stub: grows with the scoring core.)
#ifndef KIZUNA_STORE_STORE_H_
#define KIZUNA_STORE_STORE_H_

#include <cstddef>

#include "store/clock.h"

namespace kizuna::store {

class Store {
 public:
  explicit Store(Clock* clock) : clock_(clock) {}

  Clock& clock() const { return *clock_; }

  // DBSIZE: number of customers.
  size_t customer_count() const { return 0; }
  // FLUSHALL: drops every customer and everything hanging off them; keeps definitions.
  void FlushAll() {}

 private:
  Clock* clock_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STORE_H_
