// ImportOptions: kizuna-import's command line (ParseImportOptions) and its --help text.
#ifndef KIZUNA_TOOLS_IMPORT_IMPORT_OPTIONS_H_
#define KIZUNA_TOOLS_IMPORT_IMPORT_OPTIONS_H_

#include <cstddef>
#include <string>
#include <vector>

namespace kizuna::import {

enum class Format { kAuto, kCsv, kJsonLines };
enum class ProgressMode { kAuto, kBar, kLines, kNone };

struct ImportOptions {
  std::string host = "127.0.0.1";
  int port = 7379;
  std::string user;
  std::string password;
  std::vector<std::string> inputs;  // "-" is stdin; empty means stdin
  Format format = Format::kAuto;
  bool strict = false;
  bool dry_run = false;
  size_t window = 4096;
  ProgressMode progress = ProgressMode::kAuto;
  double progress_interval = 5;
};

extern const char kImportHelp[];

enum class ParseResult { kRun, kHelp, kError };
// Parses argv[1..argc); *error names the problem for kError. `env_password` is the
// REDISCLI_AUTH environment variable (nullptr if unset), used when no -a is given.
ParseResult ParseImportOptions(int argc, const char* const* argv, const char* env_password,
                               ImportOptions* options, std::string* error);

// The input format of `path` from its extension (.csv; .jsonl, .ndjson), else kAuto.
Format FormatOfPath(const std::string& path);

}  // namespace kizuna::import

#endif  // KIZUNA_TOOLS_IMPORT_IMPORT_OPTIONS_H_
