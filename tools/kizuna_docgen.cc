// kizuna-docgen: prints the config docs generated from the server's config table.
//
//   kizuna-docgen conf [--name value ...]   # commented kizuna.conf; given settings active
//   kizuna-docgen man                       # kizuna-server(1)
//   kizuna-docgen markdown                  # the reference table of docs/operating.md
//
// The build runs it to make the installed kizuna.conf and man page; a test compares the
// markdown with docs/operating.md.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"
#include "server/config_docs.h"

namespace {

int Usage() {
  std::fputs("Usage: kizuna-docgen conf [--name value ...] | man | markdown\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string_view mode = argv[1];
  std::string text;
  if (mode == "conf") {
    // The flags after the mode, parsed exactly as kizuna-server parses its own.
    std::vector<char*> args = {argv[0]};
    args.insert(args.end(), argv + 2, argv + argc);
    kizuna::server::Config config;
    bool help, version;
    std::string error;
    if (!kizuna::server::ParseCommandLine(static_cast<int>(args.size()), args.data(), config, &help,
                                          &version, &error)) {
      std::fprintf(stderr, "kizuna-docgen: %s\n", error.c_str());
      return 2;
    }
    text = kizuna::server::ConfigFileText(config);
  } else if (mode == "man" && argc == 2) {
    text = kizuna::server::ManPageText();
  } else if (mode == "markdown" && argc == 2) {
    text = kizuna::server::ConfigMarkdownTable();
  } else {
    return Usage();
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}
