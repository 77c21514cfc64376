#include "server/http/metrics.h"

#include <string_view>
#include <utility>
#include <vector>

#include "server/info.h"
#include "server/server.h"
#include "store/strings.h"
#include "store/triggers.h"

namespace kizuna::server {
namespace {

// Label values escape backslash, double quote and newline (exposition format rules).
std::string Escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class MetricsText {
 public:
  // Starts a metric family: its HELP and TYPE lines.
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    StrAppend(&out_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  }
  void Sample(std::string_view name, double value) {
    StrAppend(&out_, name, " ", FormatNumber(value), "\n");
  }
  void Sample(std::string_view name, std::string_view label, std::string_view label_value,
              double value) {
    StrAppend(&out_, name, "{", label, "=\"", Escape(label_value), "\"} ", FormatNumber(value),
              "\n");
  }
  // A family with one sample.
  void Single(std::string_view name, std::string_view type, std::string_view help, double value) {
    Family(name, type, help);
    Sample(name, value);
  }
  std::string Take() { return std::move(out_); }

 private:
  static std::string FormatNumber(double v) {
    return v == static_cast<double>(static_cast<int64_t>(v)) ? StrCat(static_cast<int64_t>(v))
                                                             : FormatFixed(v, 6);
  }
  std::string out_;
};

}  // namespace

std::string BuildMetrics(Server& server) {
  MetricsText m;
  const store::Store& store = server.store();
  store::StoreStats st = store.stats();
  m.Single("kizuna_customers", "gauge", "Customers known (DBSIZE).",
           static_cast<double>(st.customers));

  m.Family("kizuna_events_total", "counter", "Events applied, by action.");
  const store::ActionTable& actions = store.actions();
  for (store::ActionId a = 1; a <= actions.size(); ++a) {
    m.Sample("kizuna_events_total", "action", actions.at(a).name,
             static_cast<double>(actions.at(a).events));
  }
  m.Single("kizuna_events_deduped_total", "counter", "Events ignored as retries (same ID).",
           static_cast<double>(st.events_deduped));

  store::MessageCounts msg = server.triggers().counts();
  m.Family("kizuna_messages_total", "counter", "Trigger messages, by what became of them.");
  m.Sample("kizuna_messages_total", "state", "sent", static_cast<double>(msg.sent));
  m.Sample("kizuna_messages_total", "state", "capped", static_cast<double>(msg.capped));
  m.Sample("kizuna_messages_total", "state", "cancelled", static_cast<double>(msg.cancelled));
  m.Single("kizuna_timers_pending", "gauge", "Scenario timers waiting to fire.",
           static_cast<double>(msg.pending));

  m.Single("kizuna_connected_clients", "gauge", "RESP client connections.",
           static_cast<double>(server.sessions().size()));
  m.Single("kizuna_used_memory_bytes", "gauge",
           "Bytes allocated (malloc and the store's mapped arrays).",
           static_cast<double>(UsedMemoryBytes()));
  m.Single("kizuna_resident_memory_bytes", "gauge", "Resident set size.",
           static_cast<double>(ResidentMemoryBytes()));
  m.Single("kizuna_store_memory_bytes", "gauge", "Estimate of the scoring store's memory.",
           static_cast<double>(st.memory_bytes));

  Persistence& p = server.persistence();
  m.Single("kizuna_loading", "gauge", "1 while the data set is loading.", server.loading() ? 1 : 0);
  m.Single("kizuna_aof_enabled", "gauge", "1 when the append-only log is on.", p.enabled() ? 1 : 0);
  m.Single("kizuna_aof_size_bytes", "gauge", "Size of the current append-only log.",
           static_cast<double>(p.log_size()));
  m.Single("kizuna_aof_write_errors_total", "counter", "Failed log writes or fsyncs.",
           static_cast<double>(p.write_errors()));
  m.Single("kizuna_aof_writable", "gauge", "0 while writes are refused (-MISCONF).",
           p.error_reply().empty() ? 1 : 0);

  const ServerStats& stats = server.stats();
  m.Single("kizuna_commands_processed_total", "counter", "Commands executed.",
           static_cast<double>(stats.total_commands_processed));
  m.Single("kizuna_error_replies_total", "counter", "Error replies sent.",
           static_cast<double>(stats.total_error_replies));
  m.Single("kizuna_net_input_bytes_total", "counter", "Bytes read from clients.",
           static_cast<double>(stats.total_net_input_bytes));
  m.Single("kizuna_net_output_bytes_total", "counter", "Bytes written to clients.",
           static_cast<double>(stats.total_net_output_bytes));

  // Per command: calls and time spent, so rate(seconds) / rate(calls) is the mean latency.
  std::vector<std::pair<std::string_view, const CommandStats*>> used;
  for (const CommandTable::Entry* e : server.commands().AllEntries()) {
    if (e->stats.calls > 0) used.emplace_back(e->full_name, &e->stats);
  }
  m.Family("kizuna_command_calls_total", "counter", "Calls per command.");
  for (auto [name, s] : used) {
    m.Sample("kizuna_command_calls_total", "command", name, static_cast<double>(s->calls));
  }
  m.Family("kizuna_command_duration_seconds_total", "counter",
           "Time spent executing each command.");
  for (auto [name, s] : used) {
    m.Sample("kizuna_command_duration_seconds_total", "command", name,
             static_cast<double>(s->usec) / 1e6);
  }
  return m.Take();
}

}  // namespace kizuna::server
