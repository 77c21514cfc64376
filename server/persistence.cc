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
constexpr int64_t kProgressEveryMs = 1000;
}  // namespace

bool Persistence::LoadAndOpen(std::string* error) {
  const Config& config = server_.config();
  if (!config.appendonly) return true;
  std::error_code ec;
  std::filesystem::create_directories(config.dir, ec);
  std::vector<store::LogFile> logs = store::ListLogs(config.dir);
  for (size_t i = 0; i < logs.size(); ++i) {
    if (!Replay(logs[i].path, i + 1 == logs.size(), error)) return false;
  }
  if (!logs.empty()) seq_ = logs.back().seq;
  std::string path = store::LogPath(config.dir, seq_);
  if (!writer_.Open(path)) {
    *error = StrCat("Cannot open the append-only log: ", writer_.error());
    return false;
  }
  store::SyncDirectoryOf(path);
  LogNotice("Append-only log ", path, " (appendfsync ", config.appendfsync, ")");
  return true;
}

bool Persistence::Replay(const std::string& path, bool is_last, std::string* error) {
  store::RecordFileReader reader;
  if (!reader.Open(path)) {
    *error = StrCat("Cannot read ", reader.error());
    return false;
  }
  // Replayed commands run as an internal client that logs nothing and skips checks that
  // depend on the clock (an event's TS was validated when it was first applied).
  Session client(server_, boost::asio::ip::tcp::socket(server_.io()), 0);
  client.info().authenticated = true;
  client.info().replaying = true;
  client.info().name = "replay";
  protocol::ReplyBuffer reply;
  auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  uint64_t records = 0;
  LogNotice("Loading ", path, " (", reader.file_size(), " bytes)");
  store::RecordFileReader::Status st;
  store::PinnableClock& clock = server_.pinnable_clock();
  while ((st = reader.Next()) == store::RecordFileReader::Status::kRecord) {
    std::span<const std::string_view> rec = reader.args();
    auto at = rec.size() >= 2 ? ParseInt(rec[0]) : std::nullopt;
    if (!at) {
      *error = StrCat("Bad record in ", path, " at offset ", reader.offset(),
                      ": no command time. Refusing to start.");
      return false;
    }
    reply.clear();
    clock.Pin(*at);
    ExecuteCommand(server_, client, rec.subspan(1), reply);
    clock.Unpin();
    ++records;
    if ((records & 0xfff) == 0) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_report >= std::chrono::milliseconds(kProgressEveryMs)) {
        last_report = now;
        double done = static_cast<double>(reader.end_offset()) /
                      static_cast<double>(std::max<uint64_t>(1, reader.file_size()));
        double elapsed = std::chrono::duration<double>(now - start).count();
        LogNotice("Loading ", path, ": ", FormatFixed(done * 100, 1), "% (", records,
                  " records), ETA ", FormatFixed(done > 0 ? elapsed * (1 - done) / done : 0, 1),
                  " s");
      }
    }
  }
  loaded_records_ += records;
  if (st == store::RecordFileReader::Status::kTorn && is_last) {
    LogWarning("Log ", path, " ends with an incomplete record at offset ", reader.offset(), " (",
               reader.file_size() - reader.offset(),
               " bytes): truncating it; the server probably stopped while writing.");
    std::string trunc_error;
    if (!store::TruncateFile(path, reader.offset(), &trunc_error)) {
      *error = StrCat("Cannot truncate ", path, ": ", trunc_error);
      return false;
    }
  } else if (st != store::RecordFileReader::Status::kEnd) {
    *error = StrCat("Bad record in ", path, " at offset ", reader.offset(), ": ", reader.error(),
                    ". Refusing to start; inspect it with `kizuna-check ", server_.config().dir,
                    "` (`--fix` truncates the newest log there).");
    return false;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  LogNotice("Loaded ", records, " records from ", path, " in ", FormatFixed(seconds, 3), " s");
  return true;
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
