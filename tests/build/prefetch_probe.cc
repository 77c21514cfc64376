// Compiled with the project's flags, never run: its object must keep the prefetch
// instructions of a hash-set lookup begun ahead of time (prefetch_kept_test.sh). GCC 12's
// mod/ref analysis deleted them (CMakeLists.txt, -fno-ipa-modref), and nothing else fails
// when they go: the lookups only get slower.
#include "store/customer_table.h"

namespace kizuna::store {

void PrefetchProbe(const CustomerTable& table, const HashedId& id) { table.Prefetch(id); }

}  // namespace kizuna::store
