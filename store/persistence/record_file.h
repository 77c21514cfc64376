// Reading and appending files of records (log_record.h): the append-only log and snapshots.
//
// RecordFileReader streams a file record by record with a bounded buffer and says how it
// ended: cleanly, torn (the last record is incomplete — a crash while appending) or corrupt
// (a record that is complete but fails its checksums), always with the byte offset.
//
// RecordFileWriter buffers records in memory; Write() hands them to the kernel with one
// write(2) (per event-loop batch) and Sync() makes them durable with fdatasync(2).
#ifndef KIZUNA_STORE_PERSISTENCE_RECORD_FILE_H_
#define KIZUNA_STORE_PERSISTENCE_RECORD_FILE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::store {

class RecordFileReader {
 public:
  enum class Status { kRecord, kEnd, kTorn, kCorrupt, kIoError };

  RecordFileReader() = default;
  ~RecordFileReader();
  RecordFileReader(const RecordFileReader&) = delete;
  RecordFileReader& operator=(const RecordFileReader&) = delete;

  // Opens `path`; false with error() set if it cannot be opened.
  bool Open(const std::string& path);
  // kRecord: args() holds the record (valid until the next call). Otherwise the reason the
  // file ends; offset() is where the bad or incomplete record starts.
  Status Next();
  std::span<const std::string_view> args() const { return args_; }
  // Offset of the record just returned (or of the bad one), and of the first byte after it.
  uint64_t offset() const { return record_offset_; }
  uint64_t end_offset() const { return record_offset_ + record_size_; }
  uint64_t file_size() const { return file_size_; }
  const std::string& error() const { return error_; }

 private:
  bool Fill();
  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  uint64_t file_size_ = 0;
  uint64_t buf_file_offset_ = 0;  // file offset of buf_[0]
  uint64_t record_offset_ = 0;
  uint64_t record_size_ = 0;
  std::vector<std::string_view> args_;
  std::string error_;
};

class RecordFileWriter {
 public:
  RecordFileWriter() = default;
  ~RecordFileWriter();
  RecordFileWriter(const RecordFileWriter&) = delete;
  RecordFileWriter& operator=(const RecordFileWriter&) = delete;

  // Opens (creating if needed) `path` for appending; false with error() set on failure.
  bool Open(const std::string& path);
  void Close();
  bool is_open() const { return fd_ >= 0; }

  void Append(std::span<const std::string_view> args);
  // Writes buffered records to the file. False (keeping them buffered) with error() set and
  // errno_value() on failure, e.g. ENOSPC.
  bool Write();
  // Write() then fdatasync().
  bool Sync();
  // Undoes the Append()s since size() was `size`, if they are all still buffered; false if
  // some were written already.
  bool DropAppendsSince(uint64_t size);
  size_t buffered() const { return buf_.size(); }
  uint64_t size() const { return written_ + buf_.size(); }
  uint64_t written() const { return written_; }
  int fd() const { return fd_; }
  const std::string& error() const { return error_; }
  int errno_value() const { return errno_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::string buf_;
  uint64_t written_ = 0;
  std::string error_;
  int errno_ = 0;
};

// fsyncs the directory holding `path`, so a rename or create there is durable.
bool SyncDirectoryOf(const std::string& path);

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_PERSISTENCE_RECORD_FILE_H_
