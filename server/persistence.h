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
// A failed write or fsync puts the log in an error state: write commands are refused with
// -MISCONF until a write succeeds again (retried every cron tick); reads keep working; replies
// of writes that could not be made durable under `always` are never sent (those clients are
// disconnected, so nothing unsaved is acknowledged).
#ifndef KIZUNA_SERVER_PERSISTENCE_H_
#define KIZUNA_SERVER_PERSISTENCE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/log_loader.h"
#include "store/persistence/record_file.h"

namespace kizuna::server {

class Server;
class Session;
struct CommandContext;

class Persistence {
 public:
  explicit Persistence(Server& server) : server_(server) {}

  // Finds the logs in `dir` to replay. False if `dir` is unusable.
  bool BeginLoad(std::string* error);
  // Replays for about `budget`; once everything is loaded, opens the newest log for
  // appending. kFailed sets `error` (naming file and offset for a bad record).
  LogLoader::Step LoadSome(std::chrono::microseconds budget, std::string* error);
  bool loading() const { return loader_ != nullptr; }
  const LogLoader* loader() const { return loader_.get(); }

  bool enabled() const { return writer_.is_open(); }
  // Appends one applied write command (called by the dispatcher).
  void Append(std::span<const std::string_view> args);
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
  std::unique_ptr<LogLoader> loader_;
  uint64_t seq_ = 1;
  bool end_of_turn_scheduled_ = false;
  bool unsynced_ = false;
  std::vector<std::shared_ptr<Session>> waiting_;
  std::string error_reply_;
  int64_t last_fsync_ms_ = 0;
  uint64_t write_errors_ = 0;
  uint64_t loaded_records_ = 0;
  std::vector<std::string_view> record_;  // reused: time + args
  char time_text_[24];
};

// For handlers: log `args` for this command instead of the arguments as received.
void LogAs(CommandContext& ctx, std::span<const std::string_view> args);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_PERSISTENCE_H_
