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

bool Persistence::BeginLoad(std::string* error) {
  const Config& config = server_.config();
  if (!config.appendonly) return true;
  std::error_code ec;
  std::filesystem::create_directories(config.dir, ec);
  if (ec) {
    *error = StrCat("Cannot create dir ", config.dir, ": ", ec.message());
    return false;
  }
  std::vector<store::LogFile> logs = store::ListLogs(config.dir);
  if (!logs.empty()) seq_ = logs.back().seq;
  loader_ = std::make_unique<LogLoader>(server_, std::move(logs));
  return true;
}

LogLoader::Step Persistence::LoadSome(std::chrono::microseconds budget, std::string* error) {
  if (!loader_) return LogLoader::Step::kDone;
  LogLoader::Step step = loader_->Run(budget, error);
  if (step != LogLoader::Step::kDone) return step;
  loaded_records_ = loader_->records();
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
  if (!enabled()) return;
  AppendWithTime(args);
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
