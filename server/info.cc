#include "server/info.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "server/commands/families.h"
#include "server/server.h"
#include "server/session.h"
#include "store/huge_pages.h"
#include "store/strings.h"

namespace kizuna::server {

size_t UsedMemoryBytes() {
  // malloc's heap and mmap'd chunks, plus the store's large arrays, which it maps itself.
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd + store::LargeMappedBytes();
}

size_t ResidentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

namespace {

std::string Human(size_t bytes) {
  const char* units[] = {"B", "K", "M", "G", "T"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  return u == 0 ? StrCat(bytes, "B") : StrCat(FormatFixed(v, 2), units[u]);
}

void Line(std::string* out, std::string_view name, const auto& value) {
  StrAppend(out, name, ":", value, "\r\n");
}

void ServerSection(Server& s, std::string* out) {
  utsname un;
  uname(&un);
  Line(out, "redis_version", Server::kRedisCompatVersion);
  Line(out, "kizuna_version", Server::kVersion);
  Line(out, "redis_mode", "standalone");
  Line(out, "os", StrCat(un.sysname, " ", un.release, " ", un.machine));
  Line(out, "arch_bits", sizeof(void*) * 8);
  Line(out, "multiplexing_api", "epoll");
  Line(out, "process_id", getpid());
  Line(out, "run_id", s.run_id());
  Line(out, "tcp_port", s.config().port);
  Line(out, "tls_port", s.config().tls_port);
  Line(out, "server_time_usec", s.clock().NowMs() * 1000);
  Line(out, "uptime_in_seconds", s.uptime_seconds());
  Line(out, "uptime_in_days", s.uptime_seconds() / 86400);
  Line(out, "hz", 10);
  Line(out, "clock", s.config().clock);
  Line(out, "config_file", s.config().config_file);
}

void ClientsSection(Server& s, std::string* out) {
  size_t max_in = 0, max_out = 0;
  for (const auto& [id, session] : s.sessions()) {
    max_in = std::max(max_in, session->parser().buffer_capacity());
    max_out = std::max(max_out, session->pending_output());
  }
  Line(out, "connected_clients", s.sessions().size());
  Line(out, "maxclients", s.config().maxclients);
  Line(out, "client_recent_max_input_buffer", max_in);
  Line(out, "client_recent_max_output_buffer", max_out);
  Line(out, "blocked_clients", s.blocked_readers().size());
}

void MemorySection(Server& s, std::string* out) {
  size_t used = UsedMemoryBytes();
  size_t rss = ResidentMemoryBytes();
  Line(out, "used_memory", used);
  Line(out, "used_memory_human", Human(used));
  Line(out, "used_memory_rss", rss);
  Line(out, "used_memory_rss_human", Human(rss));
  Line(out, "maxmemory", s.config().maxmemory);
  Line(out, "maxmemory_human", Human(static_cast<size_t>(s.config().maxmemory)));
  Line(out, "maxmemory_policy", "noeviction");
  Line(out, "mem_fragmentation_ratio",
       FormatFixed(used ? static_cast<double>(rss) / used : 0.0, 2));
  Line(out, "mem_allocator", "libc");
  Line(out, "mem_huge_pages", s.config().huge_pages);
  // Only while the setting is on: the figure costs a page-table walk (store/huge_pages.h),
  // cheap when the large arrays are on huge pages, ~250 ms at 10 GB of 4 KiB pages.
  if (s.config().huge_pages != "no") {
    Line(out, "mem_anon_huge_pages", store::AnonHugePageBytes());
    Line(out, "mem_huge_page_collapses", store::CollapsedRanges());
  }
}

void PersistenceSection(Server& s, std::string* out) {
  Line(out, "loading", s.loading() ? 1 : 0);
  if (auto progress = s.persistence().load_progress()) {
    Line(out, "loading_start_time", progress->start_ms / 1000);
    Line(out, "loading_total_bytes", progress->total_bytes);
    Line(out, "loading_loaded_bytes", progress->loaded_bytes);
    Line(out, "loading_loaded_perc",
         FormatFixed(100.0 * static_cast<double>(progress->loaded_bytes) /
                         static_cast<double>(std::max<uint64_t>(1, progress->total_bytes)),
                     2));
    Line(out, "loading_eta_seconds", static_cast<int64_t>(progress->eta_seconds));
  }
  Line(out, "async_loading", 0);
  const Persistence& p = s.persistence();
  Snapshotter& snap = s.snapshotter();
  bool rewriting = snap.in_progress() && snap.child_kind() == Snapshotter::Kind::kRewrite;
  Line(out, "rdb_changes_since_last_save", p.dirty());
  Line(out, "rdb_bgsave_in_progress", snap.in_progress() && !rewriting ? 1 : 0);
  Line(out, "rdb_last_save_time", snap.last_save_ms() / 1000);
  Line(out, "rdb_last_bgsave_status", snap.last_bgsave_ok() ? "ok" : "err");
  Line(out, "rdb_last_bgsave_time_sec", snap.last_bgsave_seconds());
  Line(out, "rdb_current_bgsave_time_sec", rewriting ? -1 : snap.current_seconds());
  Line(out, "rdb_saves", snap.saves());
  Line(out, "latest_fork_usec", snap.latest_fork_usec());
  Line(out, "aof_enabled", p.enabled() ? 1 : 0);
  Line(out, "aof_rewrite_in_progress", rewriting ? 1 : 0);
  Line(out, "aof_rewrite_scheduled", snap.rewrite_scheduled() ? 1 : 0);
  Line(out, "aof_last_rewrite_time_sec", snap.last_rewrite_seconds());
  Line(out, "aof_current_rewrite_time_sec", rewriting ? snap.current_seconds() : -1);
  Line(out, "aof_last_bgrewrite_status", snap.last_rewrite_ok() ? "ok" : "err");
  Line(out, "aof_rewrites", snap.rewrites());
  Line(out, "aof_last_write_status", p.error_reply().empty() ? "ok" : "err");
  Line(out, "aof_current_size", p.log_size());
  Line(out, "aof_current_seq", p.log_seq());
  Line(out, "aof_write_errors", p.write_errors());
  Line(out, "aof_loaded_records", p.loaded_records());
  Line(out, "appendfsync", s.config().appendfsync);
}

void StatsSection(Server& s, std::string* out) {
  const ServerStats& st = s.stats();
  Line(out, "total_connections_received", st.total_connections_received);
  Line(out, "total_commands_processed", st.total_commands_processed);
  Line(out, "instantaneous_ops_per_sec", static_cast<uint64_t>(st.instantaneous_ops_per_sec));
  Line(out, "total_net_input_bytes", st.total_net_input_bytes);
  Line(out, "total_net_output_bytes", st.total_net_output_bytes);
  Line(out, "rejected_connections", st.rejected_connections);
  Line(out, "total_error_replies", st.total_error_replies);
  Line(out, "eventloop_cycles", st.eventloop_cycles);
  Line(out, "eventloop_busy_polls", st.eventloop_busy_polls);
  Line(out, "reply_batches", s.reply_batch().batches());
  Line(out, "reply_batch_clients", s.reply_batch().clients());
  Line(out, "eof_peeks", st.eof_peeks);
  Line(out, "eof_peek_closes", st.eof_peek_closes);
  const AclLog& acl = s.acl().log();
  Line(out, "acl_access_denied_auth", acl.denied_auth());
  Line(out, "acl_access_denied_cmd", acl.denied_cmd());
  Line(out, "acl_access_denied_key", acl.denied_key());
  Line(out, "acl_access_denied_channel", uint64_t{0});
}

void ReplicationSection(std::string* out) {
  Line(out, "role", "master");
  Line(out, "connected_slaves", 0);
}

void CpuSection(std::string* out) {
  rusage self;
  getrusage(RUSAGE_SELF, &self);
  auto seconds = [](const timeval& tv) { return FormatFixed(tv.tv_sec + tv.tv_usec / 1e6, 6); };
  Line(out, "used_cpu_sys", seconds(self.ru_stime));
  Line(out, "used_cpu_user", seconds(self.ru_utime));
}

void CommandStatsSection(Server& s, std::string* out) {
  for (CommandTable::Entry* e : s.commands().AllEntries()) {
    const CommandStats& st = e->stats;
    if (st.calls == 0 && st.rejected_calls == 0 && st.failed_calls == 0) continue;
    StrAppend(
        out, "cmdstat_", e->full_name, ":calls=", st.calls, ",usec=", st.usec,
        ",usec_per_call=", FormatFixed(st.calls ? static_cast<double>(st.usec) / st.calls : 0, 2),
        ",rejected_calls=", st.rejected_calls, ",failed_calls=", st.failed_calls, "\r\n");
  }
}

struct Section {
  std::string_view name;
  std::string_view title;
  bool in_default;
};
constexpr Section kSections[] = {
    {"server", "Server", true},   {"clients", "Clients", true},
    {"memory", "Memory", true},   {"persistence", "Persistence", true},
    {"stats", "Stats", true},     {"replication", "Replication", true},
    {"cpu", "CPU", true},         {"commandstats", "Commandstats", false},
    {"scoring", "Scoring", true}, {"keyspace", "Keyspace", true},
};

void AppendSection(Server& s, const Section& section, std::string* out) {
  if (!out->empty()) *out += "\r\n";
  StrAppend(out, "# ", section.title, "\r\n");
  std::string_view n = section.name;
  if (n == "server")
    ServerSection(s, out);
  else if (n == "clients")
    ClientsSection(s, out);
  else if (n == "memory")
    MemorySection(s, out);
  else if (n == "persistence")
    PersistenceSection(s, out);
  else if (n == "stats")
    StatsSection(s, out);
  else if (n == "replication")
    ReplicationSection(out);
  else if (n == "cpu")
    CpuSection(out);
  else if (n == "commandstats")
    CommandStatsSection(s, out);
  else
    AppendStoreInfo(s.store(), n, out);
  if (n == "scoring") {
    store::MessageCounts m = s.triggers().counts();
    Line(out, "messages_sent", m.sent);
    Line(out, "messages_capped", m.capped);
    Line(out, "messages_cancelled", m.cancelled);
    Line(out, "timers_pending", m.pending);
  }
}

}  // namespace

std::string BuildInfo(Server& server, std::span<const std::string_view> sections) {
  bool all = false, defaults = sections.empty();
  std::vector<std::string> wanted;
  for (std::string_view name : sections) {
    std::string lower = AsciiLower(name);
    if (lower == "all" || lower == "everything")
      all = true;
    else if (lower == "default")
      defaults = true;
    else
      wanted.push_back(lower);
  }
  std::string out;
  for (const Section& section : kSections) {
    bool pick = all || (defaults && section.in_default) ||
                std::find(wanted.begin(), wanted.end(), section.name) != wanted.end();
    if (pick) AppendSection(server, section, &out);
  }
  return out;
}

}  // namespace kizuna::server
