#include "server/log_loader.h"

#include <sys/stat.h>

#include <boost/asio/ip/tcp.hpp>
#include <thread>

#include "server/arg_parser.h"
#include "server/dispatcher.h"
#include "server/log.h"
#include "server/server.h"
#include "server/session.h"
#include "server/timer_driver.h"
#include "store/persistence/check.h"
#include "store/strings.h"

namespace kizuna::server {

namespace {
constexpr auto kProgressEvery = std::chrono::seconds(1);
constexpr uint64_t kMaxFailureWarnings = 10;
}  // namespace

std::unique_ptr<Session> MakeReplayClient(Server& server) {
  auto client = std::make_unique<Session>(server, boost::asio::ip::tcp::socket(server.io()), 0);
  client->info().authenticated = true;
  client->info().internal = true;
  client->info().replaying = true;
  client->info().name = "replay";
  return client;
}

LogLoader::LogLoader(Server& server, std::vector<store::LogFile> files)
    : server_(server), files_(std::move(files)), start_ms_(store::SystemNowMs()) {
  for (const store::LogFile& f : files_) {
    struct stat st;
    if (stat(f.path.c_str(), &st) == 0) total_bytes_ += static_cast<uint64_t>(st.st_size);
  }
  client_ = MakeReplayClient(server_);
  started_ = last_report_ = std::chrono::steady_clock::now();
}

LogLoader::~LogLoader() = default;

uint64_t LogLoader::loaded_bytes() const {
  return done_bytes_ + (reader_ ? reader_->end_offset() : 0);
}

double LogLoader::eta_seconds() const {
  double done = static_cast<double>(loaded_bytes()) /
                static_cast<double>(std::max<uint64_t>(1, total_bytes_));
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return done > 0 ? elapsed * (1 - done) / done : 0;
}

void LogLoader::ReportProgress() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_report_ < kProgressEvery) return;
  last_report_ = now;
  double pct = 100.0 * static_cast<double>(loaded_bytes()) /
               static_cast<double>(std::max<uint64_t>(1, total_bytes_));
  LogNotice("Loading: ", FormatFixed(pct, 1), "% (", records_, " records), ETA ",
            FormatFixed(eta_seconds(), 1), " s");
}

LogLoader::Step LogLoader::Run(std::chrono::microseconds budget, std::string* error) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  store::PinnableClock& clock = server_.pinnable_clock();
  while (true) {
    if (!reader_) {
      if (next_file_ == files_.size()) {
        if (failed_ > 0) {
          LogWarning("Replay: ", failed_, " of ", records_,
                     " log records failed (see above); the state differs from before the "
                     "restart where they applied.");
        }
        return Step::kDone;
      }
      reader_ = std::make_unique<store::RecordFileReader>();
      const std::string& path = files_[next_file_].path;
      if (!reader_->Open(path)) {
        *error = StrCat("Cannot read ", reader_->error());
        return Step::kFailed;
      }
      file_records_ = 0;
      LogNotice("Loading ", path, " (", reader_->file_size(), " bytes)");
    }
    // key-load-delay makes loading slow enough for tests to watch it; then one record per turn.
    int64_t delay = server_.config().key_load_delay;
    for (int i = 0; i < (delay > 0 ? 1 : 1024); ++i) {
      store::RecordFileReader::Status st = reader_->Next();
      if (st != store::RecordFileReader::Status::kRecord) {
        if (!FinishFile(st, error)) return Step::kFailed;
        break;
      }
      std::span<const std::string_view> rec = reader_->args();
      auto at = rec.size() >= 2 ? ParseInt(rec[0]) : std::nullopt;
      if (!at) {
        *error = StrCat("Bad record in ", files_[next_file_].path, " at offset ", reader_->offset(),
                        ": no command time. Refusing to start.");
        return Step::kFailed;
      }
      reply_.clear();
      clock.Pin(*at);
      bool ok = true;
      if (rec[1] == kFireRecord || rec[1] == kRecheckRecord) {
        ok = server_.timer_driver().Replay(rec[1], rec.subspan(2));
      } else {
        ExecuteCommand(server_, *client_, rec.subspan(1), reply_);
        if (std::string_view failed = ErrorReplyText(reply_); !failed.empty()) {
          WarnFailed(rec[1], failed);
        } else {
          server_.persistence().AddDefinition(rec[0], rec.subspan(1));
        }
      }
      clock.Unpin();
      if (!ok) {
        *error = StrCat("Bad timer record in ", files_[next_file_].path, " at offset ",
                        reader_->offset(), ". Refusing to start.");
        return Step::kFailed;
      }
      ++records_;
      ++file_records_;
      if (delay > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay));
    }
    ReportProgress();
    if (std::chrono::steady_clock::now() >= deadline) return Step::kMore;
  }
}

void LogLoader::WarnFailed(std::string_view command, std::string_view message) {
  // Only successful writes are logged, so a record that fails now did something at first
  // that is lost: never silent. The first few in full, then only the count.
  if (++failed_ > kMaxFailureWarnings) return;
  LogWarning("Replay: the record at offset ", reader_->offset(), " of ", files_[next_file_].path,
             " (", command, ") failed: ", message,
             failed_ == kMaxFailureWarnings ? " (further failures are only counted)" : "");
}

bool LogLoader::FinishFile(store::RecordFileReader::Status st, std::string* error) {
  const std::string& path = files_[next_file_].path;
  bool last = next_file_ + 1 == files_.size();
  if (st == store::RecordFileReader::Status::kTorn && last) {
    LogWarning("Log ", path, " ends with an incomplete record at offset ", reader_->offset(), " (",
               reader_->file_size() - reader_->offset(),
               " bytes): truncating it; the server probably stopped while writing.");
    std::string trunc_error;
    if (!store::TruncateFile(path, reader_->offset(), &trunc_error)) {
      *error = StrCat("Cannot truncate ", path, ": ", trunc_error);
      return false;
    }
  } else if (st != store::RecordFileReader::Status::kEnd) {
    *error = StrCat("Bad record in ", path, " at offset ", reader_->offset(), ": ",
                    reader_->error(), ". Refusing to start; inspect it with `kizuna-check ",
                    server_.config().dir, "` (`--fix` truncates the newest log there).");
    return false;
  }
  LogNotice("Loaded ", file_records_, " records from ", path);
  done_bytes_ += reader_->file_size();
  reader_.reset();
  ++next_file_;
  return true;
}

}  // namespace kizuna::server
