// Config docs: the texts that describe every setting, generated from the config table
// (ConfigParams()) so the installed kizuna.conf, the man page and docs/operating.md cannot
// drift from what the server accepts. tools/kizuna_docgen.cc prints them; the build installs
// the first two and a test compares the third with docs/operating.md.
//
//   ConfigFileText(defaults_with_dir)   # a commented kizuna.conf
//   ManPageText()                       # kizuna-server(1), troff
//   ConfigMarkdownTable()               # the reference table of docs/operating.md
#ifndef KIZUNA_SERVER_CONFIG_DOCS_H_
#define KIZUNA_SERVER_CONFIG_DOCS_H_

#include <string>

#include "server/config.h"

namespace kizuna::server {

// A default as a user would write it in a config file: memory in the largest exact unit
// ("512mb"), durations as "1d", empty strings as "".
std::string FormatDefault(const ConfigParam& param, const Config& config);

// A commented config file: each setting with its meaning and default. Settings whose value in
// `config` differs from the built-in default are active lines; the rest are commented out.
std::string ConfigFileText(const Config& config);

// The kizuna-server(1) man page.
std::string ManPageText();

// A Markdown table: setting, default, changeable at run time, meaning.
std::string ConfigMarkdownTable();

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_CONFIG_DOCS_H_
