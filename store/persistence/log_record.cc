#include "store/persistence/log_record.h"

#include <xxhash.h>

#include <cstring>

#include "store/persistence/state_codec.h"

namespace kizuna::store {
namespace {

void PutFixed32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
void PutFixed64(uint64_t v, char* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

void AppendRecord(std::span<const std::string_view> args, std::string* out) {
  size_t start = out->size();
  out->append(kRecordHeaderSize, '\0');
  PutVarint(args.size(), out);
  for (std::string_view a : args) {
    PutVarint(a.size(), out);
    out->append(a);
  }
  size_t payload_len = out->size() - start - kRecordHeaderSize;
  char* header = out->data() + start;
  header[0] = static_cast<char>(kRecordMagic);
  PutFixed32(static_cast<uint32_t>(payload_len), header + 1);
  PutFixed32(XXH32(header, 5, 0), header + 5);
  char trailer[kRecordTrailerSize];
  PutFixed64(XXH3_64bits(out->data() + start + kRecordHeaderSize, payload_len), trailer);
  out->append(trailer, sizeof(trailer));
}

DecodeStatus DecodeRecord(std::string_view data, std::vector<std::string_view>* args,
                          size_t* consumed, std::string* error) {
  if (data.size() < kRecordHeaderSize) return DecodeStatus::kNeedMore;
  if (static_cast<uint8_t>(data[0]) != kRecordMagic) {
    *error = "bad record magic";
    return DecodeStatus::kCorrupt;
  }
  if (GetFixed32(data.data() + 5) != XXH32(data.data(), 5, 0)) {
    *error = "bad record header checksum";
    return DecodeStatus::kCorrupt;
  }
  uint32_t len = GetFixed32(data.data() + 1);
  if (len > kMaxRecordPayload) {
    *error = "record length out of range";
    return DecodeStatus::kCorrupt;
  }
  size_t total = kRecordHeaderSize + len + kRecordTrailerSize;
  if (data.size() < total) return DecodeStatus::kNeedMore;
  std::string_view payload = data.substr(kRecordHeaderSize, len);
  if (GetFixed64(data.data() + kRecordHeaderSize + len) !=
      XXH3_64bits(payload.data(), payload.size())) {
    *error = "bad record checksum";
    return DecodeStatus::kCorrupt;
  }
  uint64_t argc = 0;
  args->clear();
  if (!GetVarint(&payload, &argc) || argc == 0 || argc > payload.size()) {
    *error = "bad record argument count";
    return DecodeStatus::kCorrupt;
  }
  for (uint64_t i = 0; i < argc; ++i) {
    uint64_t n = 0;
    if (!GetVarint(&payload, &n) || n > payload.size()) {
      *error = "bad record argument length";
      return DecodeStatus::kCorrupt;
    }
    args->push_back(payload.substr(0, n));
    payload.remove_prefix(n);
  }
  if (!payload.empty()) {
    *error = "trailing bytes in record";
    return DecodeStatus::kCorrupt;
  }
  *consumed = total;
  return DecodeStatus::kRecord;
}

}  // namespace kizuna::store
