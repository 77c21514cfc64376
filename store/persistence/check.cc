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
  while ((st = reader.Next()) == RecordFileReader::Status::kRecord) ++report.records;
  switch (st) {
    case RecordFileReader::Status::kEnd:
      break;
    case RecordFileReader::Status::kTorn:
      report.state = FileReport::State::kTorn;
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
