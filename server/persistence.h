// Persistence: the append-only log behind every write command.
//
// Each write command that succeeds is appended to the current log by the dispatcher as one
// record: the server clock at execution, then the command's arguments. Replay runs every
// record through the same command table with the clock pinned to the recorded time, so
// whatever a command derived from "now" (EVENT's default TS, CATEGORY.SET's decay to now)
// comes out identical. A handler may still log a different form with LogAs().
//
// Durability (appendfsync):
//   always    replies wait for the fsync. Group commit: every session that executed writes in
//             this event-loop turn registers with WaitForSync(); one write(2) + fdatasync(2)
//             at the end of the turn releases all of them.
//   everysec  the log is written at the end of each turn and fsynced once a second.
//   no        written at the end of each turn; the kernel decides when it reaches the disk.
//
// Snapshots (snapshot.h, snapshotter.h): start-up loads `dir`/snapshot.ksnap first, then the
// logs from the one the snapshot names on (older ones are leftovers of a crash between making
// a snapshot durable and deleting them). StartNextLog() switches appends to a new log at the
// moment a snapshot is taken; RemoveLogsBefore() deletes the logs it replaces once it is
// durable. The definition commands applied so far are kept here too: snapshots hold them.
//
// A failed write or fsync puts the log in an error state: write commands are refused with
// -MISCONF until a write succeeds again (retried every cron tick); reads keep working; replies
// of writes that could not be made durable under `always` are never sent (those clients are
// disconnected, so nothing unsaved is acknowledged).
#ifndef KIZUNA_SERVER_PERSISTENCE_H_
#define KIZUNA_SERVER_PERSISTENCE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/log_loader.h"
#include "server/snapshot.h"
#include "store/persistence/record_file.h"

namespace kizuna::server {

class Server;
class Session;
struct CommandContext;

class Persistence {
 public:
  explicit Persistence(Server& server) : server_(server) {}

  // Finds the snapshot and the logs in `dir` to load. False if `dir` is unusable or the
  // snapshot has no valid header.
  bool BeginLoad(std::string* error);
  // Loads for about `budget`; once everything is loaded, opens the newest log for
  // appending. kFailed sets `error` (naming file and offset for a bad record).
  LogLoader::Step LoadSome(std::chrono::microseconds budget, std::string* error);
  bool loading() const { return snapshot_loader_ != nullptr || loader_ != nullptr; }
  // INFO loading_* figures over the snapshot and the logs together.
  struct LoadProgress {
    int64_t start_ms = 0;
    uint64_t total_bytes = 0;
    uint64_t loaded_bytes = 0;
    double eta_seconds = 0;
  };
  std::optional<LoadProgress> load_progress() const;

  // Records `args` (run at clock `ms`) if it is a definition command; see snapshot.h. The
  // init file's definitions are recorded too: later definitions may name them.
  void AddDefinition(std::string_view ms, std::span<const std::string_view> args);
  const std::vector<std::vector<std::string>>& definitions() const { return definitions_; }
  // Write commands (and timer records) applied since start or the last snapshot.
  uint64_t dirty() const { return dirty_; }
  void ForgetChanges(uint64_t n) { dirty_ -= std::min(n, dirty_); }
  // Starts log seq+1 after fsyncing the current one, so a snapshot of the state now is
  // continued by it; returns the new sequence, 0 with `error` on failure. Without
  // appendonly, no file: just the sequence a snapshot records.
  uint64_t StartNextLog(std::string* error);
  // Once a snapshot continued by log `seq` is durable: deletes the logs before it.
  void RemoveLogsBefore(uint64_t seq);

  bool enabled() const { return writer_.is_open(); }
  // Appends one applied write command (called by the dispatcher).
  void Append(std::span<const std::string_view> args);
  // A failed init file: the records appended since log_size() was `size` are not kept (start-up
  // stops, so a bad file leaves no trace). False if some were written already.
  bool DropAppendsSince(uint64_t size) { return !enabled() || writer_.DropAppendsSince(size); }
  // The settings that replay depends on (config.h AffectsReplay): appends them as one
  // CONFIG SET record when they differ from what the log last said (a replayed record, or
  // the last one written). Called after CONFIG SET (`replaying`: the record is being
  // replayed, only remember it), after loading (the configured values take over), and at
  // the start of every new log.
  void NoteSettings(bool replaying);
  // True when this session's replies must wait for the log to reach the disk.
  bool ReplyNeedsSync() const;
  void WaitForSync(std::shared_ptr<Session> session);

  // Non-empty while writes are refused: the -MISCONF error text.
  const std::string& error_reply() const { return error_reply_; }
  // Called every cron tick: everysec fsync, retry after an error.
  void Cron(int64_t now_ms);
  // Shutdown: write and fsync everything.
  bool FlushAndSync();

  // INFO persistence figures.
  uint64_t log_size() const { return writer_.size(); }
  uint64_t log_seq() const { return seq_; }
  int64_t last_fsync_ms() const { return last_fsync_ms_; }
  uint64_t write_errors() const { return write_errors_; }
  uint64_t loaded_records() const { return loaded_records_; }

 private:
  void ScheduleEndOfTurn();
  void EndOfTurn();
  void SetError(const std::string& what);
  // Appends [clock ms, args...] as one record.
  void AppendWithTime(std::span<const std::string_view> args);

  Server& server_;
  store::RecordFileWriter writer_;
  std::unique_ptr<SnapshotLoader> snapshot_loader_;
  std::unique_ptr<LogLoader> loader_;
  std::vector<store::LogFile> logs_to_load_;
  int64_t load_start_ms_ = 0;
  uint64_t snapshot_bytes_ = 0;
  std::chrono::steady_clock::time_point load_started_;
  std::vector<std::vector<std::string>> definitions_;
  uint64_t dirty_ = 0;
  uint64_t seq_ = 1;
  bool end_of_turn_scheduled_ = false;
  bool unsynced_ = false;
  std::vector<std::shared_ptr<Session>> waiting_;
  std::string error_reply_;
  int64_t last_fsync_ms_ = 0;
  uint64_t write_errors_ = 0;
  uint64_t loaded_records_ = 0;
  std::vector<std::string_view> record_;      // reused: time + args
  std::vector<std::string> logged_settings_;  // as the log last said; empty: never
  char time_text_[24];
};

// For handlers: log `args` for this command instead of the arguments as received.
void LogAs(CommandContext& ctx, std::span<const std::string_view> args);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_PERSISTENCE_H_
