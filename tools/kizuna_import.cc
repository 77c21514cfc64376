// kizuna-import: bulk-loads historical events (CSV or JSON Lines) with EVENT ... IMPORT.
// A thin main over tools/import/ (see importer.h); `kizuna-import --help` documents it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "tools/import/import_options.h"
#include "tools/import/importer.h"

int main(int argc, char** argv) {
  using namespace kizuna::import;
  ImportOptions options;
  std::string error;
  switch (ParseImportOptions(argc, argv, std::getenv("REDISCLI_AUTH"), &options, &error)) {
    case ParseResult::kHelp:
      std::fputs(kImportHelp, stdout);
      return 0;
    case ParseResult::kError:
      std::fprintf(stderr, "kizuna-import: %s (try --help)\n", error.c_str());
      return 1;
    case ParseResult::kRun:
      break;
  }
  ImportSummary summary = RunImport(options, ::isatty(STDERR_FILENO) == 1, stderr);
  return PrintSummary(summary, options, stdout, stderr);
}
