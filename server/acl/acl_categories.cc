#include "server/acl/acl_categories.h"

#include "server/arg_parser.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

constexpr std::string_view kNames[] = {
    // Redis 7, in its ACL CAT order.
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
    "connection", "transaction", "scripting",
    // kizuna.
    "scoring", "insight", "ingest", "definitions"};
static_assert(std::size(kNames) <= 64);

}  // namespace

std::span<const std::string_view> AclCategoryNames() { return kNames; }

uint64_t AclCategoryBit(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (EqualsIgnoreCase(kNames[i], name)) return uint64_t{1} << i;
  }
  return 0;
}

uint64_t AclCategoryMask(std::string_view acl, std::string_view* unknown) {
  uint64_t mask = 0;
  for (std::string_view word : SplitNonEmpty(acl, ' ')) {
    uint64_t bit = word.starts_with('@') ? AclCategoryBit(word.substr(1)) : 0;
    if (bit == 0 && unknown) *unknown = word;
    mask |= bit;
  }
  return mask;
}

}  // namespace kizuna::server
