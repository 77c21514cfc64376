#include "store/persistence/record_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kizuna::store {
namespace {

std::string TempFile(const std::string& name) {
  std::string path = std::string(::testing::TempDir()) + "/" + name;
  std::remove(path.c_str());
  return path;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Writes n records "SET k<i> v<i>" and returns the file's bytes.
std::string WriteRecords(const std::string& path, int n) {
  RecordFileWriter w;
  EXPECT_TRUE(w.Open(path)) << w.error();
  for (int i = 0; i < n; ++i) {
    std::string k = "k" + std::to_string(i), v = "v" + std::to_string(i);
    std::vector<std::string_view> args = {"SET", k, v};
    w.Append(args);
    if (i % 7 == 0) {
      EXPECT_TRUE(w.Write());
    }
  }
  EXPECT_TRUE(w.Sync());
  w.Close();
  return ReadAll(path);
}

struct ReadResult {
  int records = 0;
  RecordFileReader::Status end;
  uint64_t end_offset = 0;
};

ReadResult ReadBack(const std::string& path) {
  RecordFileReader r;
  EXPECT_TRUE(r.Open(path));
  ReadResult out;
  while ((out.end = r.Next()) == RecordFileReader::Status::kRecord) {
    EXPECT_EQ(r.args()[1], "k" + std::to_string(out.records));
    ++out.records;
  }
  out.end_offset = r.offset();
  return out;
}

TEST(RecordFile, WritesAndReadsBack) {
  std::string path = TempFile("records.log");
  WriteRecords(path, 1000);
  ReadResult r = ReadBack(path);
  EXPECT_EQ(r.records, 1000);
  EXPECT_EQ(r.end, RecordFileReader::Status::kEnd);
}

TEST(RecordFile, ATornTailKeepsExactlyTheCompleteRecords) {
  std::string path = TempFile("torn.log");
  std::string bytes = WriteRecords(path, 50);
  // Record boundaries, from a clean read.
  std::vector<uint64_t> ends;
  {
    RecordFileReader r;
    ASSERT_TRUE(r.Open(path));
    while (r.Next() == RecordFileReader::Status::kRecord) ends.push_back(r.end_offset());
  }
  for (size_t cut = 0; cut < bytes.size(); cut += 3) {
    WriteAll(path, bytes.substr(0, cut));
    ReadResult r = ReadBack(path);
    size_t complete = 0;
    while (complete < ends.size() && ends[complete] <= cut) ++complete;
    EXPECT_EQ(r.records, static_cast<int>(complete)) << "cut at " << cut;
    bool on_boundary = cut == 0 || (complete > 0 && ends[complete - 1] == cut);
    EXPECT_EQ(r.end, on_boundary ? RecordFileReader::Status::kEnd : RecordFileReader::Status::kTorn)
        << "cut at " << cut;
    if (!on_boundary) {
      EXPECT_EQ(r.end_offset, complete ? ends[complete - 1] : 0);
    }
  }
}

TEST(RecordFile, AFlippedByteInTheMiddleIsCorruptionAtItsRecord) {
  std::string path = TempFile("flipped.log");
  std::string bytes = WriteRecords(path, 100);
  size_t middle = bytes.size() / 2;
  bytes[middle] = static_cast<char>(bytes[middle] ^ 0x20);
  WriteAll(path, bytes);
  ReadResult r = ReadBack(path);
  EXPECT_EQ(r.end, RecordFileReader::Status::kCorrupt);
  EXPECT_GT(r.records, 0);
  EXPECT_LT(r.records, 100);
  EXPECT_LE(r.end_offset, middle);
}

TEST(RecordFile, AppendsToAnExistingFile) {
  std::string path = TempFile("append.log");
  WriteRecords(path, 3);
  RecordFileWriter w;
  ASSERT_TRUE(w.Open(path));
  EXPECT_EQ(w.written(), ReadAll(path).size());
  std::vector<std::string_view> args = {"SET", "k3", "v3"};
  w.Append(args);
  ASSERT_TRUE(w.Sync());
  EXPECT_EQ(ReadBack(path).records, 4);
}

TEST(RecordFile, DropAppendsSinceUndoesOnlyBufferedRecords) {
  std::string path = TempFile("drop.log");
  WriteRecords(path, 2);
  RecordFileWriter w;
  ASSERT_TRUE(w.Open(path));
  uint64_t mark = w.size();
  std::vector<std::string_view> a = {"SET", "k2", "v2"}, b = {"SET", "k3", "v3"};
  w.Append(a);
  uint64_t after_a = w.size();
  w.Append(b);
  ASSERT_TRUE(w.DropAppendsSince(after_a));
  EXPECT_EQ(w.size(), after_a);
  ASSERT_TRUE(w.Sync());
  EXPECT_EQ(ReadBack(path).records, 3);
  EXPECT_FALSE(w.DropAppendsSince(mark));  // k2 is on disk: cannot be taken back
  EXPECT_FALSE(w.DropAppendsSince(w.size() + 1));
  EXPECT_EQ(ReadBack(path).records, 3);
}

TEST(RecordFile, WriteFailureKeepsTheFileWhole) {
  // /dev/full fails every write with ENOSPC, like a full disk.
  RecordFileWriter w;
  ASSERT_TRUE(w.Open("/dev/full"));
  std::vector<std::string_view> args = {"SET", "k", "v"};
  w.Append(args);
  EXPECT_FALSE(w.Write());
  EXPECT_EQ(w.errno_value(), ENOSPC);
  EXPECT_GT(w.buffered(), 0u);  // kept for a retry, never half-acknowledged
}

}  // namespace
}  // namespace kizuna::store
