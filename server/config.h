// Config: every setting of the server, one declared table behind the command-line flags, the
// config file, CONFIG GET/SET/REWRITE and --help, so they always agree.
//
//   kizuna-server [config-file] [--name value ...]
//
// The file uses redis.conf syntax: `name value...` per line, '#' comments, quoting as
// redis-cli. Flags are applied after the file. Names are case-insensitive.
#ifndef KIZUNA_SERVER_CONFIG_H_
#define KIZUNA_SERVER_CONFIG_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kizuna::server {

struct Config {
  // Network
  std::string bind = "127.0.0.1";
  int64_t port = 7379;
  bool protected_mode = true;
  int64_t maxclients = 10000;
  int64_t timeout = 0;  // seconds of idleness before a client is closed; 0 = never
  int64_t tcp_keepalive = 300;
  int64_t http_port = 0;
  // Microseconds the event loop keeps polling for input, after a turn that served several
  // clients, before it sleeps (0 = off). See Server::RunLoop.
  int64_t busy_poll = 20;
  // Security
  std::string requirepass;
  std::string aclfile;           // ACL users file (ACL SAVE/LOAD, read at start); empty = none
  int64_t acllog_max_len = 128;  // ACL LOG entries kept
  // TLS (server/tls_context.h); tls_port 0 = off
  int64_t tls_port = 0;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_ca_cert_file;
  std::string tls_auth_clients = "yes";
  std::string tls_protocols;  // empty = TLSv1.2 TLSv1.3, as Redis
  std::string tls_ciphers;
  std::string tls_ciphersuites;
  // Limits
  int64_t proto_max_bulk_len = 512ll * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024ll * 1024 * 1024;
  std::string client_output_buffer_limit = "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60";
  int64_t maxmemory = 0;
  // Large per-customer arrays on transparent huge pages (store/huge_pages.h): yes (made from
  // full 2 MiB ranges while the server is idle), eager (at the first touch) or no.
  std::string huge_pages = "yes";
  // Logging and introspection
  std::string loglevel = "notice";
  std::string logfile;
  int64_t slowlog_log_slower_than = 10000;  // microseconds; negative disables
  int64_t slowlog_max_len = 128;
  std::string pidfile;
  // Persistence
  std::string dir = ".";
  bool appendonly = true;
  std::string appendfsync = "everysec";
  std::string save = "3600 1 300 100 60 10000";
  int64_t key_load_delay = 0;      // microseconds slept per record loaded: a test aid, as in Redis
  int64_t rdb_key_save_delay = 0;  // microseconds slept per snapshot record written: test aid
  // Time
  std::string clock = "real";
  bool enable_debug_command = false;
  // Domain
  int64_t dedupe_window_ms = 24ll * 3600 * 1000;
  int64_t dedupe_max_ids = 16;  // event ids remembered per customer
  std::string message_cap;
  int64_t outbox_maxlen = 1000000;
  std::string purchase_action = "purchase";
  int64_t segment_recheck_ms = 60 * 1000;
  std::string init_file;

  // Not settings: where the config came from (for CONFIG REWRITE and INFO).
  std::string config_file;
};

class ConfigParam {
 public:
  enum class Kind { kBool, kInt, kMemory, kDuration, kString, kEnum };
  using Field = std::variant<bool Config::*, int64_t Config::*, std::string Config::*>;

  std::string_view name;
  Kind kind;
  Field field;
  std::string_view help;
  bool mutable_at_runtime = true;
  int64_t min = 0;
  int64_t max = INT64_MAX;
  std::string_view choices;  // kEnum: "a|b|c"
  // Extra check of a string value; returns false with a reason.
  bool (*validate)(std::string_view value, std::string* error) = nullptr;

  // Parses and stores `value`; on failure returns false with a reason in `error`.
  bool Set(Config& config, std::string_view value, std::string* error) const;
  // The current value as CONFIG GET shows it.
  std::string Get(const Config& config) const;
};

// Every parameter, in the order --help lists them.
std::span<const ConfigParam> ConfigParams();
// Case-insensitive lookup; nullptr if unknown.
const ConfigParam* FindConfigParam(std::string_view name);

// Settings that change what a logged write command does (EVENT's dedupe and purchase figures,
// a firing's message cap, the outbox trim). Replay must run each record under the values in
// force when it first ran, so the log carries them: every log file starts with them, and a
// CONFIG SET of one is logged (see Persistence::AppendSettings).
bool AffectsReplay(const ConfigParam& param);
// "CONFIG SET name value ..." of every such setting, as `config` has them.
std::vector<std::string> ReplaySettingsCommand(const Config& config);
// Copies every such setting from `from` into `to`.
void CopyReplaySettings(const Config& from, Config& to);

// Loads `path` (redis.conf syntax) into config. On failure returns false with
// "path:line: reason" in error.
bool LoadConfigFile(const std::string& path, Config& config, std::string* error);

// Parses argv as `[config-file] [--name value ...]`. Sets *show_help / *show_version for
// --help / --version. On failure returns false with a message.
bool ParseCommandLine(int argc, char** argv, Config& config, bool* show_help, bool* show_version,
                      std::string* error);

// Usage text: synopsis and every parameter with its default.
std::string UsageText();

// Rewrites config.config_file with the current values, keeping comments and order; changed
// parameters that are not in the file are appended. Returns false with a reason.
bool RewriteConfigFile(const Config& config, std::string* error);

// One class of client-output-buffer-limit: close a client whose unsent output exceeds `hard`
// bytes, or stays above `soft` bytes for `soft_seconds`. 0 disables a limit.
struct OutputLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};
// The limit of class `cls` ("normal", "replica", "pubsub") in a client-output-buffer-limit
// value; a class that is not mentioned has no limit.
OutputLimit FindOutputLimit(std::string_view value, std::string_view cls);

// A value as a config file line needs it: quoted when empty or with spaces or quotes.
std::string QuoteConfigValue(std::string_view value);

// "512mb" -> bytes; accepts b, k, kb, m, mb, g, gb (case-insensitive), as redis.conf.
bool ParseMemory(std::string_view text, int64_t* bytes);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_CONFIG_H_
