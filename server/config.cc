#include "server/config.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "protocol/arg_splitter.h"
#include "server/arg_parser.h"
#include "server/tls_context.h"
#include "store/duration.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

using K = ConfigParam::Kind;

// "<n> <window>" (e.g. "3 7d"), or empty for no cap.
bool ValidateMessageCap(std::string_view value, std::string* error) {
  if (value.empty()) return true;
  std::vector<std::string_view> parts = SplitNonEmpty(value, ' ');
  if (parts.size() == 2) {
    auto n = ParseInt(parts[0]);
    if (n && *n > 0 && store::ParseDuration(parts[1]).has_value()) return true;
  }
  *error = "argument must be \"<count> <duration>\" such as \"3 7d\", or empty";
  return false;
}

// "<seconds> <changes> ..." pairs of positive integers, or empty.
bool ValidateSave(std::string_view value, std::string* error) {
  std::vector<std::string_view> parts = SplitNonEmpty(value, ' ');
  bool ok = parts.size() % 2 == 0;
  for (std::string_view p : parts) {
    auto n = ParseInt(p);
    ok = ok && n && *n >= 0;
  }
  if (!ok) *error = "argument must be pairs of <seconds> <changes>, or empty";
  return ok;
}

// "<class> <hard> <soft> <seconds>" groups; class normal, replica/slave or pubsub.
bool ValidateOutputLimit(std::string_view value, std::string* error) {
  std::vector<std::string_view> parts = SplitNonEmpty(value, ' ');
  bool ok = parts.size() % 4 == 0;
  for (size_t i = 0; ok && i < parts.size(); i += 4) {
    std::string_view cls = parts[i];
    int64_t bytes;
    ok = (cls == "normal" || cls == "replica" || cls == "slave" || cls == "pubsub") &&
         ParseMemory(parts[i + 1], &bytes) && ParseMemory(parts[i + 2], &bytes) &&
         ParseInt(parts[i + 3]).has_value();
  }
  if (!ok) *error = "argument must be groups of <class> <hard> <soft> <seconds>";
  return ok;
}

// clang-format off
const ConfigParam kParams[] = {
  {"bind", K::kString, &Config::bind, "address to listen on", false},
  {"port", K::kInt, &Config::port, "TCP port for RESP clients", false, 0, 65535},
  {"protected-mode", K::kBool, &Config::protected_mode,
   "refuse non-loopback clients when no password is set", true},
  {"maxclients", K::kInt, &Config::maxclients, "most simultaneous clients", true, 1, 1000000},
  {"timeout", K::kInt, &Config::timeout, "close clients idle this many seconds (0 = never)", true,
   0, INT32_MAX},
  {"tcp-keepalive", K::kInt, &Config::tcp_keepalive, "TCP keepalive seconds (0 = off)", true, 0,
   INT32_MAX},
  {"busy-poll", K::kInt, &Config::busy_poll, "microseconds to keep polling for input after a "
   "busy event-loop turn before sleeping (0 = off)", true, 0, 1000},
  {"http-port", K::kInt, &Config::http_port, "port of the dashboard, /metrics and /api/stats "
   "(0 = off)", false, 0, 65535},
  {"requirepass", K::kString, &Config::requirepass, "password of the default user", true},
  {"aclfile", K::kString, &Config::aclfile, "ACL users file for ACL SAVE/LOAD, read at start",
   false},
  {"acllog-max-len", K::kInt, &Config::acllog_max_len, "most entries kept in ACL LOG", true, 0,
   INT64_MAX},
  {"tls-port", K::kInt, &Config::tls_port, "TCP port for TLS clients (0 = off)", false, 0, 65535},
  {"tls-cert-file", K::kString, &Config::tls_cert_file, "server certificate (PEM chain)", false},
  {"tls-key-file", K::kString, &Config::tls_key_file, "private key of tls-cert-file (PEM)",
   false},
  {"tls-ca-cert-file", K::kString, &Config::tls_ca_cert_file,
   "CA certificates that client certificates must chain to (PEM)", false},
  {"tls-auth-clients", K::kEnum, &Config::tls_auth_clients,
   "client certificates: no, optional (checked if sent) or yes (required)", true, 0, 0,
   "no|yes|optional"},
  {"tls-protocols", K::kString, &Config::tls_protocols,
   "TLS versions accepted, from TLSv1 TLSv1.1 TLSv1.2 TLSv1.3 (empty = TLSv1.2 TLSv1.3)", false,
   0, 0, "",
   ValidateTlsProtocols},
  {"tls-ciphers", K::kString, &Config::tls_ciphers,
   "OpenSSL cipher list for TLSv1.2 and older (empty = OpenSSL's default)", false},
  {"tls-ciphersuites", K::kString, &Config::tls_ciphersuites,
   "OpenSSL ciphersuites for TLSv1.3 (empty = OpenSSL's default)", false},
  {"proto-max-bulk-len", K::kMemory, &Config::proto_max_bulk_len, "largest bulk a client may send",
   true, 1024 * 1024, INT64_MAX},
  {"client-query-buffer-limit", K::kMemory, &Config::client_query_buffer_limit,
   "largest incomplete request held for one client", true, 1024 * 1024, INT64_MAX},
  {"client-output-buffer-limit", K::kString, &Config::client_output_buffer_limit,
   "output limits per class: <class> <hard> <soft> <soft-seconds> ...", true, 0, 0, "",
   ValidateOutputLimit},
  {"maxmemory", K::kMemory, &Config::maxmemory, "memory limit in bytes (0 = none)", true},
  {"huge-pages", K::kEnum, &Config::huge_pages, "large per-customer arrays on transparent huge "
   "pages: yes (made while idle), eager (at the first touch) or no", true, 0, 0,
   "yes|eager|no"},
  {"loglevel", K::kEnum, &Config::loglevel, "log verbosity", true, 0, 0,
   "debug|verbose|notice|warning"},
  {"logfile", K::kString, &Config::logfile, "log file (empty = stderr)", false},
  {"slowlog-log-slower-than", K::kInt, &Config::slowlog_log_slower_than,
   "log commands slower than this many microseconds (negative = off)", true, -1, INT64_MAX},
  {"slowlog-max-len", K::kInt, &Config::slowlog_max_len, "entries kept in the slow log", true, 0,
   INT32_MAX},
  {"pidfile", K::kString, &Config::pidfile, "file to write the process id to", false},
  {"dir", K::kString, &Config::dir, "directory of snapshot and log files", false},
  {"appendonly", K::kBool, &Config::appendonly, "keep an append-only log of writes", false},
  {"appendfsync", K::kEnum, &Config::appendfsync, "when the log is fsynced", true, 0, 0,
   "everysec|always|no"},
  {"save", K::kString, &Config::save, "automatic snapshots: <seconds> <changes> pairs", true, 0,
   0, "", ValidateSave},
  {"key-load-delay", K::kInt, &Config::key_load_delay,
   "test aid: microseconds to pause after each log record loaded (0 = none)", true, 0, 1000000},
  {"rdb-key-save-delay", K::kInt, &Config::rdb_key_save_delay,
   "test aid: microseconds to pause after each snapshot record written (0 = none)", true, 0,
   1000000},
  {"clock", K::kEnum, &Config::clock, "real time, or manual (moved by DEBUG CLOCK)", false, 0, 0,
   "real|manual"},
  {"enable-debug-command", K::kBool, &Config::enable_debug_command, "allow the DEBUG command",
   false},
  {"dedupe-window", K::kDuration, &Config::dedupe_window_ms,
   "an EVENT ID repeated within this time is ignored", true},
  {"dedupe-max-ids", K::kInt, &Config::dedupe_max_ids,
   "event ids remembered per customer (raise it to re-import long histories exactly)", true, 1,
   1 << 20},
  {"message-cap", K::kString, &Config::message_cap,
   "\"<n> <window>\": most trigger messages per customer in the window (empty = none)", true, 0,
   0, "", ValidateMessageCap},
  {"outbox-maxlen", K::kInt, &Config::outbox_maxlen, "entries kept in the outbox stream", true, 1,
   INT64_MAX},
  {"purchase-action", K::kString, &Config::purchase_action,
   "action whose VALUE feeds frequency and monetary figures", true},
  {"segment-recheck", K::kDuration, &Config::segment_recheck_ms,
   "how often decaying segment memberships are re-checked", true},
  {"init-file", K::kString, &Config::init_file,
   "file of definition commands applied at every start", false},
};
// clang-format on

std::string Lower(std::string_view s) { return AsciiLower(s); }

}  // namespace

bool ParseMemory(std::string_view text, int64_t* bytes) {
  std::string lower = Lower(text);
  size_t digits = 0;
  while (digits < lower.size() && std::isdigit(static_cast<unsigned char>(lower[digits]))) {
    ++digits;
  }
  if (digits == 0) return false;
  auto n = ParseInt(std::string_view(lower).substr(0, digits));
  if (!n) return false;
  std::string_view unit = std::string_view(lower).substr(digits);
  int64_t mul;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k")
    mul = 1000;
  else if (unit == "kb")
    mul = 1024;
  else if (unit == "m")
    mul = 1000 * 1000;
  else if (unit == "mb")
    mul = 1024 * 1024;
  else if (unit == "g")
    mul = 1000ll * 1000 * 1000;
  else if (unit == "gb")
    mul = 1024ll * 1024 * 1024;
  else
    return false;
  if (*n > INT64_MAX / mul) return false;
  *bytes = *n * mul;
  return true;
}

OutputLimit FindOutputLimit(std::string_view value, std::string_view cls) {
  std::vector<std::string_view> parts = SplitNonEmpty(value, ' ');
  OutputLimit limit;
  for (size_t i = 0; i + 3 < parts.size(); i += 4) {
    std::string_view name = parts[i] == "slave" ? "replica" : parts[i];
    if (name != cls) continue;
    ParseMemory(parts[i + 1], &limit.hard);
    ParseMemory(parts[i + 2], &limit.soft);
    limit.soft_seconds = ParseInt(parts[i + 3]).value_or(0);
  }
  return limit;
}

bool ConfigParam::Set(Config& config, std::string_view value, std::string* error) const {
  switch (kind) {
    case Kind::kBool: {
      std::string v = Lower(value);
      if (v != "yes" && v != "no") {
        *error = "argument must be 'yes' or 'no'";
        return false;
      }
      config.*std::get<bool Config::*>(field) = v == "yes";
      return true;
    }
    case Kind::kInt:
    case Kind::kMemory: {
      int64_t n;
      bool ok = kind == Kind::kInt ? ParseInt(value).has_value() : ParseMemory(value, &n);
      if (kind == Kind::kInt && ok) n = *ParseInt(value);
      if (!ok) {
        *error = kind == Kind::kInt ? "argument couldn't be parsed into an integer"
                                    : "argument must be a memory value";
        return false;
      }
      if (n < min || n > max) {
        *error = StrCat("argument must be between ", min, " and ", max, " inclusive");
        return false;
      }
      config.*std::get<int64_t Config::*>(field) = n;
      return true;
    }
    case Kind::kDuration: {
      auto ms = store::ParseDuration(value);
      if (!ms) {
        *error = "argument must be a duration such as 500ms, 30s, 1h or 7d";
        return false;
      }
      config.*std::get<int64_t Config::*>(field) = *ms;
      return true;
    }
    case Kind::kEnum: {
      std::string v = Lower(value);
      for (std::string_view choice : SplitNonEmpty(choices, '|')) {
        if (v == choice) {
          config.*std::get<std::string Config::*>(field) = v;
          return true;
        }
      }
      *error = StrCat("argument(s) must be one of the following: ",
                      Join(SplitNonEmpty(choices, '|'), ", "));
      return false;
    }
    case Kind::kString:
      if (validate && !validate(value, error)) return false;
      config.*std::get<std::string Config::*>(field) = std::string(value);
      return true;
  }
  return false;
}

std::string ConfigParam::Get(const Config& config) const {
  switch (kind) {
    case Kind::kBool:
      return config.*std::get<bool Config::*>(field) ? "yes" : "no";
    case Kind::kInt:
    case Kind::kMemory:
      return std::to_string(config.*std::get<int64_t Config::*>(field));
    case Kind::kDuration:
      return store::FormatDuration(config.*std::get<int64_t Config::*>(field));
    case Kind::kEnum:
    case Kind::kString:
      return config.*std::get<std::string Config::*>(field);
  }
  return {};
}

std::span<const ConfigParam> ConfigParams() { return kParams; }

const ConfigParam* FindConfigParam(std::string_view name) {
  std::string lower = Lower(name);
  for (const ConfigParam& p : kParams) {
    if (p.name == lower) return &p;
  }
  return nullptr;
}

bool AffectsReplay(const ConfigParam& param) {
  static constexpr std::string_view kNames[] = {"dedupe-window", "dedupe-max-ids",
                                                "purchase-action", "message-cap", "outbox-maxlen"};
  return std::find(std::begin(kNames), std::end(kNames), param.name) != std::end(kNames);
}

std::vector<std::string> ReplaySettingsCommand(const Config& config) {
  std::vector<std::string> args = {"CONFIG", "SET"};
  for (const ConfigParam& p : kParams) {
    if (!AffectsReplay(p)) continue;
    args.emplace_back(p.name);
    args.push_back(p.Get(config));
  }
  return args;
}

void CopyReplaySettings(const Config& from, Config& to) {
  std::string ignored;
  for (const ConfigParam& p : kParams) {
    if (AffectsReplay(p)) p.Set(to, p.Get(from), &ignored);
  }
}

namespace {

// Parses one "name value..." line of a config file or one --name value flag.
bool ApplySetting(Config& config, std::string_view name, std::string_view value,
                  std::string* error) {
  const ConfigParam* param = FindConfigParam(name);
  if (!param) {
    *error = StrCat("unknown setting '", name, "'");
    return false;
  }
  std::string reason;
  if (!param->Set(config, value, &reason)) {
    *error = StrCat("bad value for '", param->name, "': ", reason);
    return false;
  }
  return true;
}

}  // namespace

bool LoadConfigFile(const std::string& path, Config& config, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = StrCat(path, ": cannot open config file");
    return false;
  }
  std::string line;
  int line_no = 0;
  std::vector<std::string> args;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view trimmed = StripWhitespace(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    if (!protocol::SplitArgs(trimmed, &args)) {
      *error = StrCat(path, ":", line_no, ": unbalanced quotes");
      return false;
    }
    if (args.empty()) continue;
    std::string value = Join(std::span<const std::string>(args).subspan(1), " ");
    std::string reason;
    if (!ApplySetting(config, args[0], value, &reason)) {
      *error = StrCat(path, ":", line_no, ": ", reason);
      return false;
    }
  }
  config.config_file = path;
  return true;
}

bool ParseCommandLine(int argc, char** argv, Config& config, bool* show_help, bool* show_version,
                      std::string* error) {
  int i = 1;
  *show_help = *show_version = false;
  for (int j = 1; j < argc; ++j) {
    std::string_view a = argv[j];
    if (a == "--help" || a == "-h") *show_help = true;
    if (a == "--version" || a == "-v") *show_version = true;
  }
  if (*show_help || *show_version) return true;
  if (i < argc && std::string_view(argv[i]).substr(0, 2) != "--") {
    if (!LoadConfigFile(argv[i], config, error)) return false;
    ++i;
  }
  for (; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag.substr(0, 2) != "--" || flag.size() == 2) {
      *error = StrCat("unexpected argument '", flag, "' (see --help)");
      return false;
    }
    std::string_view name = flag.substr(2);
    std::string value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      *error = StrCat("flag --", name, " needs a value");
      return false;
    }
    if (!ApplySetting(config, name, value, error)) return false;
  }
  return true;
}

std::string UsageText() {
  Config defaults;
  std::string out =
      "Usage: kizuna-server [config-file] [--name value ...]\n"
      "       kizuna-server --help | --version\n\n"
      "kizuna: a real-time customer scoring server that speaks the Redis protocol.\n"
      "Every setting can be given in the config file (redis.conf syntax: `name value`),\n"
      "as a flag (--name value), and read or changed at run time with CONFIG GET/SET\n"
      "(except those marked 'start-up only').\n\nSettings (default in brackets):\n";
  for (const ConfigParam& p : kParams) {
    std::string def = p.Get(defaults);
    StrAppend(&out, "  --", p.name, std::string(std::max<int>(1, 28 - p.name.size()), ' '), p.help,
              " [", def.empty() ? "\"\"" : def, "]", p.mutable_at_runtime ? "" : " (start-up only)",
              "\n");
  }
  StrAppend(&out,
            "\nExamples:\n"
            "  kizuna-server --port 7379 --requirepass secret\n"
            "  kizuna-server /etc/kizuna/kizuna.conf --loglevel verbose\n"
            "  kizuna-server --clock manual --enable-debug-command yes   # for tests\n");
  return out;
}

std::string QuoteConfigValue(std::string_view value) {
  bool plain = !value.empty() && value.find_first_of(" \t\"'\\") == std::string::npos;
  if (plain) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool RewriteConfigFile(const Config& config, std::string* error) {
  if (config.config_file.empty()) {
    *error = "The server is running without a config file";
    return false;
  }
  std::vector<std::string> lines;
  {
    std::ifstream in(config.config_file);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
  }
  Config defaults;
  std::vector<bool> written(std::size(kParams), false);
  std::vector<std::string> out;
  std::vector<std::string> args;
  for (const std::string& line : lines) {
    std::string_view trimmed = StripWhitespace(line);
    const ConfigParam* param = nullptr;
    if (!trimmed.empty() && trimmed[0] != '#' && protocol::SplitArgs(trimmed, &args) &&
        !args.empty()) {
      param = FindConfigParam(args[0]);
    }
    if (!param) {
      out.push_back(line);
      continue;
    }
    size_t idx = param - kParams;
    if (written[idx]) continue;  // a repeated setting: the first line carries the value
    written[idx] = true;
    out.push_back(StrCat(param->name, " ", QuoteConfigValue(param->Get(config))));
  }
  bool header = false;
  for (size_t i = 0; i < std::size(kParams); ++i) {
    const ConfigParam& p = kParams[i];
    if (written[i] || p.Get(config) == p.Get(defaults)) continue;
    if (!header) {
      out.push_back("# Generated by CONFIG REWRITE");
      header = true;
    }
    out.push_back(StrCat(p.name, " ", QuoteConfigValue(p.Get(config))));
  }
  std::string tmp = config.config_file + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    for (const std::string& l : out) f << l << '\n';
    f.flush();
    if (!f) {
      *error = StrCat("Rewriting config file: cannot write ", tmp);
      return false;
    }
  }
  if (std::rename(tmp.c_str(), config.config_file.c_str()) != 0) {
    *error = StrCat("Rewriting config file: cannot rename ", tmp);
    return false;
  }
  return true;
}

}  // namespace kizuna::server
