// ACL command categories: Redis's own (so ACL files written for Redis, e.g. `+@all -@dangerous`
// or `-@hash`, load unchanged) followed by kizuna's product categories:
//
//   @scoring      scoring commands (definitions and queries)
//   @insight      STATS, STATS.*, RFM, LOOKALIKE
//   @ingest       EVENT (and bulk import): what a web tier sends
//   @definitions  CATEGORY.* RULE.* BADGE.* SEGMENT.* TRIGGER.*
//
// and @read, @stream, @admin, @dangerous as in Redis (reads; the outbox stream commands;
// administration; commands that can lose data or hurt the server). A command declares its
// categories in its CommandSpec `acl` string; every entry gets a bit mask at table build.
#ifndef KIZUNA_SERVER_ACL_ACL_CATEGORIES_H_
#define KIZUNA_SERVER_ACL_ACL_CATEGORIES_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace kizuna::server {

// Every category name without '@', in ACL CAT order; bit i of a mask is category i.
std::span<const std::string_view> AclCategoryNames();

// Bit of a category name (without '@', case-insensitive); 0 if unknown.
uint64_t AclCategoryBit(std::string_view name);

// Mask of a CommandSpec `acl` string ("@write @fast @ingest"). Unknown names set *unknown
// (when given) and are otherwise ignored.
uint64_t AclCategoryMask(std::string_view acl, std::string_view* unknown = nullptr);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_ACL_ACL_CATEGORIES_H_
