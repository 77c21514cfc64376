// Validation of client-supplied names (CLIENT SETNAME, HELLO SETNAME, CLIENT SETINFO), as
// Redis does: printable ASCII without spaces, so CLIENT LIST stays one line per client.
#ifndef KIZUNA_SERVER_COMMANDS_CLIENT_NAMES_H_
#define KIZUNA_SERVER_COMMANDS_CLIENT_NAMES_H_

#include <string_view>

namespace kizuna::server {

inline constexpr std::string_view kBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

inline bool ValidClientName(std::string_view name) {
  for (unsigned char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMANDS_CLIENT_NAMES_H_
