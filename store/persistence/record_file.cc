#include "store/persistence/record_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/persistence/log_record.h"
#include "store/strings.h"

namespace kizuna::store {
namespace {
constexpr size_t kReadChunk = 4 << 20;
}  // namespace

RecordFileReader::~RecordFileReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool RecordFileReader::Open(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = StrCat(path, ": ", std::strerror(errno));
    return false;
  }
  struct stat st;
  if (fstat(fd_, &st) == 0) file_size_ = static_cast<uint64_t>(st.st_size);
  return true;
}

bool RecordFileReader::Fill() {
  // Drop consumed bytes, then read another chunk after what is left.
  buf_.erase(0, pos_);
  buf_file_offset_ += pos_;
  pos_ = 0;
  size_t old = buf_.size();
  buf_.resize(old + kReadChunk);
  ssize_t n;
  do {
    n = ::read(fd_, buf_.data() + old, kReadChunk);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    buf_.resize(old);
    error_ = std::strerror(errno);
    return false;
  }
  buf_.resize(old + static_cast<size_t>(n));
  if (n == 0) eof_ = true;
  return true;
}

RecordFileReader::Status RecordFileReader::Next() {
  while (true) {
    record_offset_ = buf_file_offset_ + pos_;
    record_size_ = 0;
    std::string_view data(buf_.data() + pos_, buf_.size() - pos_);
    if (data.empty() && eof_) return Status::kEnd;
    size_t consumed = 0;
    DecodeStatus st =
        data.empty() ? DecodeStatus::kNeedMore : DecodeRecord(data, &args_, &consumed, &error_);
    if (st == DecodeStatus::kRecord) {
      pos_ += consumed;
      record_size_ = consumed;
      return Status::kRecord;
    }
    if (st == DecodeStatus::kCorrupt) return Status::kCorrupt;
    if (eof_) {
      error_ = "incomplete record at end of file";
      return Status::kTorn;
    }
    if (!Fill()) return Status::kIoError;
  }
}

RecordFileWriter::~RecordFileWriter() { Close(); }

bool RecordFileWriter::Open(const std::string& path) {
  Close();
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    errno_ = errno;
    error_ = StrCat(path, ": ", std::strerror(errno));
    return false;
  }
  path_ = path;
  struct stat st;
  written_ = fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return true;
}

void RecordFileWriter::Close() {
  if (fd_ >= 0) {
    Write();
    ::close(fd_);
    fd_ = -1;
  }
}

void RecordFileWriter::Append(std::span<const std::string_view> args) { AppendRecord(args, &buf_); }

bool RecordFileWriter::DropAppendsSince(uint64_t size) {
  if (size < written_ || size > this->size()) return false;
  buf_.resize(static_cast<size_t>(size - written_));
  return true;
}

bool RecordFileWriter::Write() {
  uint64_t base = written_;
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      errno_ = errno;
      error_ = std::strerror(errno);
      // Part of the batch may be on disk: cut the file back to its last whole record and keep
      // the batch buffered, so the log never holds a half record followed by more records.
      if (ftruncate(fd_, static_cast<off_t>(base)) != 0) {
        error_ += " (and truncating the partial write failed)";
      }
      return false;
    }
    done += static_cast<size_t>(n);
  }
  written_ = base + done;
  buf_.clear();
  return true;
}

bool RecordFileWriter::Sync() {
  if (!Write()) return false;
  if (fdatasync(fd_) != 0) {
    errno_ = errno;
    error_ = std::strerror(errno);
    return false;
  }
  return true;
}

bool SyncDirectoryOf(const std::string& path) {
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace kizuna::store
