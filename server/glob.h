// Redis-style glob matching (CONFIG GET patterns, COMMAND LIST FILTERBY PATTERN):
// `*`, `?`, `[abc]`, `[^a-z]`, and `\` to escape. Case-sensitive unless asked.
#ifndef KIZUNA_SERVER_GLOB_H_
#define KIZUNA_SERVER_GLOB_H_

#include <string_view>

namespace kizuna::server {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_GLOB_H_
