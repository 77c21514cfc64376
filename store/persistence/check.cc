#include "store/persistence/check.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/persistence/file_names.h"
#include "store/persistence/record_file.h"

namespace kizuna::store {

FileReport CheckFile(const std::string& path) {
  FileReport report;
  report.path = path;
  RecordFileReader reader;
  if (!reader.Open(path)) {
    report.state = FileReport::State::kUnreadable;
    report.message = reader.error();
    return report;
  }
  report.size = reader.file_size();
  RecordFileReader::Status st;
  // A snapshot must open with its header and close with its `end` record (snapshot.h): it
  // is renamed into place only when complete, so a missing end is damage.
  bool snapshot = path.ends_with(".ksnap");
  bool ended = false;
  while ((st = reader.Next()) == RecordFileReader::Status::kRecord) {
    if (snapshot && report.records == 0 && reader.args()[0] != "KIZUNA-SNAPSHOT") {
      report.state = FileReport::State::kCorrupt;
      report.message = "not a kizuna snapshot header";
      return report;
    }
    if (ended) {
      report.state = FileReport::State::kCorrupt;
      report.bad_offset = reader.offset();
      report.message = "data after the end record";
      return report;
    }
    ended = snapshot && reader.args()[0] == "end";
    ++report.records;
  }
  if (snapshot && st == RecordFileReader::Status::kEnd && !ended) {
    report.state = FileReport::State::kCorrupt;
    report.bad_offset = reader.offset();
    report.message = "the snapshot ends before its end record";
    return report;
  }
  switch (st) {
    case RecordFileReader::Status::kEnd:
      break;
    case RecordFileReader::Status::kTorn:
      report.state = snapshot ? FileReport::State::kCorrupt : FileReport::State::kTorn;
      break;
    case RecordFileReader::Status::kCorrupt:
      report.state = FileReport::State::kCorrupt;
      break;
    default:
      report.state = FileReport::State::kUnreadable;
  }
  if (st != RecordFileReader::Status::kEnd) {
    report.bad_offset = reader.offset();
    report.message = reader.error();
  }
  return report;
}

std::vector<FileReport> CheckDirectory(const std::string& dir) {
  std::vector<FileReport> reports;
  std::string snapshot = SnapshotPath(dir);
  if (std::filesystem::exists(snapshot)) reports.push_back(CheckFile(snapshot));
  for (const LogFile& log : ListLogs(dir)) reports.push_back(CheckFile(log.path));
  return reports;
}

bool TruncateFile(const std::string& path, uint64_t offset, std::string* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(offset)) != 0 || fsync(fd) != 0) {
    *error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

const char* StateName(FileReport::State state) {
  switch (state) {
    case FileReport::State::kOk:
      return "ok";
    case FileReport::State::kTorn:
      return "torn tail";
    case FileReport::State::kCorrupt:
      return "CORRUPT";
    case FileReport::State::kUnreadable:
      return "unreadable";
  }
  return "?";
}

}  // namespace kizuna::store
