#include "server/persistence.h"

#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/dispatcher.h"
#include "server/log.h"
#include "server/server.h"
#include "server/session.h"
#include "store/persistence/check.h"
#include "store/persistence/file_names.h"
#include "store/strings.h"

namespace kizuna::server {

namespace {

bool IsDefinition(std::string_view command) {
  // Each is FAMILY.VERB: the dot turns EVENT and the other writes away before the compares.
  if (command.find('.') == std::string_view::npos) return false;
  static constexpr std::string_view kNames[] = {"category.set", "rule.set",    "rule.del",
                                                "badge.set",    "badge.del",   "segment.set",
                                                "segment.del",  "trigger.set", "trigger.del"};
  for (std::string_view n : kNames) {
    if (EqualsIgnoreCase(command, n)) return true;
  }
  return false;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Snapshots being written when the server or its child died: never renamed, so never used.
void RemoveStaleTemps(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with("temp-") && name.ends_with(".ksnap")) {
      LogNotice("Removing ", entry.path().string(), ", left by an unfinished snapshot");
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

}  // namespace

bool Persistence::BeginLoad(std::string* error) {
  const Config& config = server_.config();
  std::error_code ec;
  std::filesystem::create_directories(config.dir, ec);
  if (ec) {
    *error = StrCat("Cannot create dir ", config.dir, ": ", ec.message());
    return false;
  }
  RemoveStaleTemps(config.dir);
  load_start_ms_ = store::SystemNowMs();
  load_started_ = std::chrono::steady_clock::now();
  std::vector<store::LogFile> logs = store::ListLogs(config.dir);
  if (!logs.empty()) seq_ = logs.back().seq;
  uint64_t first = 0;
  std::string snapshot = store::SnapshotPath(config.dir);
  if (std::filesystem::exists(snapshot, ec)) {
    snapshot_loader_ = std::make_unique<SnapshotLoader>(server_, snapshot);
    if (!snapshot_loader_->Open(error)) return false;
    snapshot_bytes_ = snapshot_loader_->total_bytes();
    first = snapshot_loader_->next_log_seq();
    seq_ = std::max(seq_, first);
  }
  if (!config.appendonly) return true;
  std::erase_if(logs, [&](const store::LogFile& f) { return f.seq < first; });
  logs_to_load_ = std::move(logs);
  if (!snapshot_loader_) loader_ = std::make_unique<LogLoader>(server_, std::move(logs_to_load_));
  return true;
}

std::optional<Persistence::LoadProgress> Persistence::load_progress() const {
  if (!loading()) return std::nullopt;
  LoadProgress p;
  p.start_ms = load_start_ms_;
  uint64_t logs = 0;
  for (const store::LogFile& f : logs_to_load_) logs += FileSize(f.path);
  if (loader_) logs = loader_->total_bytes();
  p.total_bytes = snapshot_bytes_ + logs;
  p.loaded_bytes = snapshot_loader_ ? snapshot_loader_->loaded_bytes()
                                    : snapshot_bytes_ + (loader_ ? loader_->loaded_bytes() : 0);
  double done = static_cast<double>(p.loaded_bytes) /
                static_cast<double>(std::max<uint64_t>(1, p.total_bytes));
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_started_).count();
  p.eta_seconds = done > 0 ? elapsed * (1 - done) / done : 0;
  return p;
}

LogLoader::Step Persistence::LoadSome(std::chrono::microseconds budget, std::string* error) {
  if (snapshot_loader_) {
    LogLoader::Step step = snapshot_loader_->Run(budget, error);
    if (step != LogLoader::Step::kDone) return step;
    loaded_records_ += snapshot_loader_->records();
    LogNotice("DB loaded from the snapshot in ",
              FormatFixed((store::SystemNowMs() - load_start_ms_) / 1000.0, 3), " s");
    snapshot_loader_.reset();
    if (server_.config().appendonly) {
      loader_ = std::make_unique<LogLoader>(server_, std::move(logs_to_load_));
    }
    return LogLoader::Step::kMore;
  }
  if (!loader_) return LogLoader::Step::kDone;
  LogLoader::Step step = loader_->Run(budget, error);
  if (step != LogLoader::Step::kDone) return step;
  loaded_records_ += loader_->records();
  LogNotice("DB loaded from the append-only log: ", loaded_records_, " records in ",
            FormatFixed((store::SystemNowMs() - loader_->start_ms()) / 1000.0, 3), " s");
  loader_.reset();
  std::string path = store::LogPath(server_.config().dir, seq_);
  if (!writer_.Open(path)) {
    *error = StrCat("Cannot open the append-only log: ", writer_.error());
    return LogLoader::Step::kFailed;
  }
  store::SyncDirectoryOf(path);
  LogNotice("Append-only log ", path, " (appendfsync ", server_.config().appendfsync, ")");
  return LogLoader::Step::kDone;
}

void Persistence::Append(std::span<const std::string_view> args) {
  ++dirty_;
  if (IsDefinition(args[0])) AddDefinition(StrCat(server_.clock().NowMs()), args);
  if (!enabled()) return;
  AppendWithTime(args);
}

void Persistence::NoteSettings(bool replaying) {
  std::vector<std::string> now = ReplaySettingsCommand(server_.config());
  if (now == logged_settings_) return;
  logged_settings_ = std::move(now);
  if (replaying || !enabled()) return;
  std::vector<std::string_view> args(logged_settings_.begin(), logged_settings_.end());
  AppendWithTime(args);
}

void Persistence::AddDefinition(std::string_view ms, std::span<const std::string_view> args) {
  if (args.size() < 2 || !IsDefinition(args[0])) return;
  // The latest entry for the same kind and name: when it is this very command, applying it
  // again changed no definition (the init file does so at every start), so the journal
  // stays as it is and does not grow with restarts.
  std::string_view kind = args[0].substr(0, args[0].find('.'));
  for (auto it = definitions_.rbegin(); it != definitions_.rend(); ++it) {
    std::string_view other = (*it)[1];
    if (!EqualsIgnoreCase(other.substr(0, other.find('.')), kind) || (*it)[2] != args[1]) {
      continue;
    }
    bool same = it->size() == args.size() + 1 && EqualsIgnoreCase(other, args[0]) &&
                std::equal(args.begin() + 1, args.end(), it->begin() + 2);
    if (same) return;
    break;
  }
  std::vector<std::string>& d = definitions_.emplace_back();
  d.reserve(args.size() + 1);
  d.emplace_back(ms);
  d.insert(d.end(), args.begin(), args.end());
}

uint64_t Persistence::StartNextLog(std::string* error) {
  if (!enabled()) return seq_ + 1;
  // Everything appended so far belongs to the state being snapshotted: on disk first.
  if (!writer_.Sync()) {
    SetError(writer_.error());
    *error = StrCat("fsync of the append-only log failed: ", writer_.error());
    return 0;
  }
  const std::string& dir = server_.config().dir;
  std::string next = store::LogPath(dir, seq_ + 1);
  if (!writer_.Open(next)) {
    *error = StrCat("Cannot open the next append-only log: ", writer_.error());
    if (!writer_.Open(store::LogPath(dir, seq_))) SetError(writer_.error());
    return 0;
  }
  store::SyncDirectoryOf(next);
  ++seq_;
  // Replaying this log alone must start from the values in force. The record only needs to
  // precede the log's next ones, which it does in the buffer: no reply waits for it.
  logged_settings_.clear();
  NoteSettings(false);
  unsynced_ = false;
  return seq_;
}

void Persistence::RemoveLogsBefore(uint64_t seq) {
  if (!server_.config().appendonly) return;  // logs are not ours to manage then
  bool removed = false;
  for (const store::LogFile& f : store::ListLogs(server_.config().dir)) {
    if (f.seq >= seq) continue;
    std::error_code ec;
    if (std::filesystem::remove(f.path, ec)) {
      removed = true;
    } else {
      LogWarning("Cannot remove ", f.path, ": ", ec.message());
    }
  }
  if (removed) store::SyncDirectoryOf(store::LogPath(server_.config().dir, seq));
}

void Persistence::AppendWithTime(std::span<const std::string_view> args) {
  auto [end, ec] =
      std::to_chars(time_text_, time_text_ + sizeof(time_text_), server_.clock().NowMs());
  record_.clear();
  record_.emplace_back(time_text_, static_cast<size_t>(end - time_text_));
  record_.insert(record_.end(), args.begin(), args.end());
  writer_.Append(record_);
  unsynced_ = true;
  ScheduleEndOfTurn();
}

bool Persistence::ReplyNeedsSync() const {
  // In the error state no write runs (MISCONF), so nothing new needs the disk: readers answer
  // at once, while the records of the failed batch are retried by Cron().
  return enabled() && unsynced_ && error_reply_.empty() && server_.config().appendfsync == "always";
}

void Persistence::WaitForSync(std::shared_ptr<Session> session) {
  waiting_.push_back(std::move(session));
  ScheduleEndOfTurn();
}

void Persistence::ScheduleEndOfTurn() {
  if (end_of_turn_scheduled_) return;
  end_of_turn_scheduled_ = true;
  // Posted work runs after the handlers already queued in this turn: every session that
  // read in this turn has appended its records by then, so one fsync covers them all.
  boost::asio::post(server_.io(), [this] { EndOfTurn(); });
}

void Persistence::EndOfTurn() {
  end_of_turn_scheduled_ = false;
  bool always = server_.config().appendfsync == "always";
  bool ok = always ? writer_.Sync() : writer_.Write();
  std::vector<std::shared_ptr<Session>> waiting;
  waiting.swap(waiting_);
  if (!ok) {
    SetError(writer_.error());
    for (auto& s : waiting) s->Kill();  // never acknowledge what is not on disk
    return;
  }
  if (always) {
    unsynced_ = false;
    last_fsync_ms_ = store::SystemNowMs();
  }
  if (!error_reply_.empty()) {
    LogNotice("Writing to the append-only log works again.");
    error_reply_.clear();
  }
  for (auto& s : waiting) s->ResumeAfterSync();
}

void Persistence::SetError(const std::string& what) {
  ++write_errors_;
  if (error_reply_.empty()) LogWarning("Error writing to the append-only log: ", what);
  error_reply_ = StrCat("MISCONF Errors writing to the AOF file: ", what);
}

void Persistence::Cron(int64_t now_ms) {
  if (!enabled()) return;
  bool always = server_.config().appendfsync == "always";
  if (!error_reply_.empty() || writer_.buffered() > 0) {
    if (always ? writer_.Sync() : writer_.Write()) {
      if (always) unsynced_ = false;
      if (!error_reply_.empty()) LogNotice("Writing to the append-only log works again.");
      error_reply_.clear();
    } else {
      SetError(writer_.error());
      return;
    }
  }
  if (unsynced_ && server_.config().appendfsync == "everysec" && now_ms - last_fsync_ms_ >= 1000) {
    if (writer_.Sync()) {
      unsynced_ = false;
      last_fsync_ms_ = now_ms;
    } else {
      SetError(writer_.error());
    }
  }
}

bool Persistence::FlushAndSync() {
  if (!enabled()) return true;
  if (!writer_.Sync()) {
    LogWarning("Final write of the append-only log failed: ", writer_.error());
    return false;
  }
  unsynced_ = false;
  return true;
}

void LogAs(CommandContext& ctx, std::span<const std::string_view> args) {
  ctx.logged = true;
  if (!ctx.session.info().replaying) ctx.server.persistence().Append(args);
}

}  // namespace kizuna::server
