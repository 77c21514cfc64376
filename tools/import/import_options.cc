#include "tools/import/import_options.h"

#include <charconv>
#include <string_view>

namespace kizuna::import {

const char kImportHelp[] =
    R"(Usage: kizuna-import [options] [file ...]

Loads historical events into kizuna with `EVENT ... IMPORT` (badges and segments are
updated, no trigger is armed, nothing is mailed). Files are CSV (.csv) or JSON Lines
(.jsonl, .ndjson); no file or "-" reads stdin (then --format is required).

Input columns / keys: customer, action, ts (required); item, value, id (optional).
  customer  1..256 bytes            action  a token without spaces
  ts        integer Unix ms         value   a finite number (money, for PER rules)
  item      any text                id      event id: re-running an import with ids
                                            changes nothing (the server's dedupe)
CSV: a header row names the columns (any order, other columns ignored); RFC 4180 quoting.
JSON Lines: one object per line, values strings or numbers, null = absent.

A bad row is reported on stderr as file:line: reason and skipped.

Options:
  -h, --host HOST         server host (default 127.0.0.1)
  -p, --port PORT         server port (default 7379)
      --user USER         ACL user for AUTH (default: the default user)
  -a, --password PASS     password (default: $REDISCLI_AUTH)
      --format csv|jsonl  input format (default: from each file's extension)
      --strict            stop at the first bad row (rows before it stay imported)
      --dry-run           validate the input only; connect to nothing
      --window N          EVENTs in flight on the connection (default 4096)
      --progress auto|bar|lines|none
                          auto: a bar on a terminal, else plain lines (default)
      --progress-interval SECONDS
                          seconds between plain progress lines (default 5)
      --help              this text

Summary on stdout: rows (read), imported (applied), duplicates (ids the server had
already seen), rejected (bad rows and rows the server refused). Duplicates are counted
from the server's INFO scoring counters (events, events_deduped) read before and after,
on the same connection: exact unless other clients send events meanwhile (then a note
says the split is approximate). The server remembers the last dedupe-max-ids ids of each
customer (default 16; INFO scoring: dedupe_max_ids_per_customer), so a re-run is a no-op
only for customers with at most that many rows with ids; a warning says how many have more
and which dedupe-max-ids would cover them all.
Exit status: 0 every row imported or a duplicate; 2 some rows rejected; 1 an error
(bad options, unreadable input, connection or authentication failure, --strict stop).
)";

namespace {

bool ParseNumber(std::string_view text, long long min, long long max, long long* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= min && *out <= max;
}

}  // namespace

Format FormatOfPath(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".csv")) return Format::kCsv;
  if (ends_with(".jsonl") || ends_with(".ndjson")) return Format::kJsonLines;
  return Format::kAuto;
}

ParseResult ParseImportOptions(int argc, const char* const* argv, const char* env_password,
                               ImportOptions* o, std::string* error) {
  if (env_password) o->password = env_password;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view* out) {
      if (i + 1 >= argc) {
        *error = "option " + std::string(arg) + " needs a value";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    std::string_view v;
    long long n = 0;
    if (arg == "--help") return ParseResult::kHelp;
    if (arg == "-h" || arg == "--host") {
      if (!value(&v)) return ParseResult::kError;
      o->host = v;
    } else if (arg == "-p" || arg == "--port") {
      if (!value(&v)) return ParseResult::kError;
      if (!ParseNumber(v, 1, 65535, &n)) {
        *error = "invalid port '" + std::string(v) + "'";
        return ParseResult::kError;
      }
      o->port = static_cast<int>(n);
    } else if (arg == "--user") {
      if (!value(&v)) return ParseResult::kError;
      o->user = v;
    } else if (arg == "-a" || arg == "--password") {
      if (!value(&v)) return ParseResult::kError;
      o->password = v;
    } else if (arg == "--format") {
      if (!value(&v)) return ParseResult::kError;
      if (v == "csv") {
        o->format = Format::kCsv;
      } else if (v == "jsonl" || v == "ndjson") {
        o->format = Format::kJsonLines;
      } else {
        *error = "unknown format '" + std::string(v) + "' (csv or jsonl)";
        return ParseResult::kError;
      }
    } else if (arg == "--strict") {
      o->strict = true;
    } else if (arg == "--dry-run") {
      o->dry_run = true;
    } else if (arg == "--window") {
      if (!value(&v)) return ParseResult::kError;
      if (!ParseNumber(v, 1, 1 << 20, &n)) {
        *error = "invalid window '" + std::string(v) + "' (1 to 1048576)";
        return ParseResult::kError;
      }
      o->window = static_cast<size_t>(n);
    } else if (arg == "--progress") {
      if (!value(&v)) return ParseResult::kError;
      if (v == "auto") {
        o->progress = ProgressMode::kAuto;
      } else if (v == "bar") {
        o->progress = ProgressMode::kBar;
      } else if (v == "lines") {
        o->progress = ProgressMode::kLines;
      } else if (v == "none") {
        o->progress = ProgressMode::kNone;
      } else {
        *error = "unknown progress mode '" + std::string(v) + "' (auto, bar, lines or none)";
        return ParseResult::kError;
      }
    } else if (arg == "--progress-interval") {
      if (!value(&v)) return ParseResult::kError;
      double d = -1;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
      if (ec != std::errc() || end != v.data() + v.size() || !(d >= 0 && d <= 86400)) {
        *error = "invalid progress interval '" + std::string(v) + "' (seconds, 0 to 86400)";
        return ParseResult::kError;
      }
      o->progress_interval = d;
    } else if (arg.size() > 1 && arg[0] == '-') {
      *error = "unknown option '" + std::string(arg) + "'";
      return ParseResult::kError;
    } else {
      o->inputs.emplace_back(arg);
    }
  }
  if (!o->user.empty() && o->password.empty()) {
    *error = "--user needs a password (-a or REDISCLI_AUTH)";
    return ParseResult::kError;
  }
  if (o->inputs.empty()) o->inputs.emplace_back("-");
  if (o->format == Format::kAuto) {
    for (const std::string& in : o->inputs) {
      if (FormatOfPath(in) == Format::kAuto) {
        *error = (in == "-" ? std::string("stdin") : "'" + in + "'") +
                 ": cannot tell the format from the name; use --format csv|jsonl";
        return ParseResult::kError;
      }
    }
  }
  return ParseResult::kRun;
}

}  // namespace kizuna::import
