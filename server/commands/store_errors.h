// Small helpers shared by the scoring and definition command families.
#ifndef KIZUNA_SERVER_COMMANDS_STORE_ERRORS_H_
#define KIZUNA_SERVER_COMMANDS_STORE_ERRORS_H_

#include <string_view>

#include "absl/status/status.h"

namespace kizuna::server {

// The Redis error line a store operation put in its status ("ERR unknown category 'x'").
inline std::string_view StatusText(const absl::Status& s) {
  return {s.message().data(), s.message().size()};
}

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMANDS_STORE_ERRORS_H_
