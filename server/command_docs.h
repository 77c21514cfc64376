// Turns a CommandSpec's `syntax` grammar ("customer action [ITEM item] [VALUE amount]") into
// the argument tree that COMMAND DOCS reports, as Redis's commands/*.json would describe it:
//   word      -> {name: word, type: string}   (type key for the customer-key argument)
//   word:integer -> {name: word, type: integer} (also double, pattern, unix-time, key, string)
//   WORD, $   -> {name: word, type: pure-token, token: WORD}   (no lower-case letters)
//   WORD word -> {name: word, type: string, token: WORD}     (a keyword and its value)
//   WORD (a b) -> {type: block, token: WORD, arguments: [a, b]}   ( ... ) always groups
//   [ ... ]   -> optional;  x ...  -> multiple;  a|b  -> oneof;  several items -> block
#ifndef KIZUNA_SERVER_COMMAND_DOCS_H_
#define KIZUNA_SERVER_COMMAND_DOCS_H_

#include <string>
#include <string_view>
#include <vector>

namespace kizuna::server {

struct DocArg {
  std::string name;
  std::string type;   // string, integer, double, key, pure-token, block, oneof
  std::string token;  // keyword preceding the value, if any
  bool optional = false;
  bool multiple = false;
  std::vector<DocArg> children;  // block / oneof
};

// `key_name`: the argument word that names the command's key ("customer"), or empty.
std::vector<DocArg> ParseSyntax(std::string_view syntax, std::string_view key_name);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMAND_DOCS_H_
