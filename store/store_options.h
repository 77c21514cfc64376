// Runtime settings of the store, set from config (CONFIG SET applies them at once).
#ifndef KIZUNA_STORE_STORE_OPTIONS_H_
#define KIZUNA_STORE_STORE_OPTIONS_H_

#include <cstdint>
#include <string>

#include "store/duration.h"

namespace kizuna::store {

struct StoreOptions {
  // dedupe-window: an EVENT ID repeated within this many ms (|Δts|) of an earlier one is a no-op.
  int64_t dedupe_window_ms = 24 * kMsPerHour;
  // dedupe-max-ids: event ids remembered per customer (DedupeTable).
  int64_t dedupe_max_ids = 16;
  // purchase-action: the action whose VALUE feeds frequency / monetary / last purchase.
  std::string purchase_action = "purchase";
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STORE_OPTIONS_H_
