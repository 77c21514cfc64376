// The record format shared by the append-only log and snapshots. One record is one command
// (its argument vector), framed so that a reader can tell a torn tail (the process died while
// appending) from corruption (bytes changed after they were written):
//
//   offset  size  field
//   0       1     magic 0xA7
//   1       4     payload length N (little endian)
//   5       4     XXH32 of bytes 0..4 (so a damaged length is detected, never trusted)
//   9       N     payload: varint argc, then per argument varint length + bytes
//   9+N     8     XXH3-64 of the payload
//
// A record that is cut short is torn; one whose checksums fail or whose payload does not
// decode is corrupt. Integers are little endian; varints are LEB128.
#ifndef KIZUNA_STORE_PERSISTENCE_LOG_RECORD_H_
#define KIZUNA_STORE_PERSISTENCE_LOG_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::store {

inline constexpr uint8_t kRecordMagic = 0xA7;
inline constexpr size_t kRecordHeaderSize = 9;
inline constexpr size_t kRecordTrailerSize = 8;
// Records larger than this are corrupt by definition (a command is far smaller).
inline constexpr uint32_t kMaxRecordPayload = 1u << 30;

// Appends one framed record holding `args` to `out`.
void AppendRecord(std::span<const std::string_view> args, std::string* out);

enum class DecodeStatus { kRecord, kNeedMore, kCorrupt };

// Decodes the record at the start of `data`. kRecord: `args` holds views into `data` and
// `consumed` its framed size. kNeedMore: `data` ends inside the record (torn, if at end of
// file). kCorrupt: `error` says why.
DecodeStatus DecodeRecord(std::string_view data, std::vector<std::string_view>* args,
                          size_t* consumed, std::string* error);

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_PERSISTENCE_LOG_RECORD_H_
