// LogLoader: replays the append-only logs at start-up in slices, so the server can answer
// (-LOADING for data commands, INFO with progress) while a large data set loads.
//
// Each record holds the clock at which its command first ran and the command; the command
// runs through the normal dispatcher as an internal client, with the server clock pinned to
// that time. A record whose command fails (only if the state it first ran on was not
// reproduced) is a warning naming file, offset and error, and loading goes on. A torn final
// record of the newest log is truncated with a warning; any other bad record stops start-up
// with the file and offset.
#ifndef KIZUNA_SERVER_LOG_LOADER_H_
#define KIZUNA_SERVER_LOG_LOADER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_writer.h"
#include "store/persistence/file_names.h"
#include "store/persistence/record_file.h"

namespace kizuna::server {

class Server;
class Session;

// The internal client that replays logged commands: authenticated, and logging nothing.
std::unique_ptr<Session> MakeReplayClient(Server& server);

class LogLoader {
 public:
  LogLoader(Server& server, std::vector<store::LogFile> files);
  ~LogLoader();

  enum class Step { kMore, kDone, kFailed };
  // Replays records for about `budget`; kFailed sets `error`.
  Step Run(std::chrono::microseconds budget, std::string* error);

  uint64_t total_bytes() const { return total_bytes_; }
  uint64_t loaded_bytes() const;
  uint64_t records() const { return records_; }
  double eta_seconds() const;
  int64_t start_ms() const { return start_ms_; }

 private:
  // Ends the current file; false with `error` when it ended badly.
  bool FinishFile(store::RecordFileReader::Status status, std::string* error);
  void ReportProgress();
  // A record whose command replied with error `message`: a loud warning.
  void WarnFailed(std::string_view command, std::string_view message);

  Server& server_;
  std::vector<store::LogFile> files_;
  size_t next_file_ = 0;
  std::unique_ptr<store::RecordFileReader> reader_;
  std::unique_ptr<Session> client_;
  protocol::ReplyBuffer reply_;
  uint64_t total_bytes_ = 0;
  uint64_t done_bytes_ = 0;  // bytes of files already finished
  uint64_t records_ = 0;
  uint64_t file_records_ = 0;
  uint64_t failed_ = 0;  // records whose command failed
  int64_t start_ms_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_report_;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_LOG_LOADER_H_
