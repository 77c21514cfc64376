// Snapshots: the whole state in one file of checksumed records (store/persistence framing),
// written by SAVE/BGSAVE/BGREWRITEAOF (snapshotter.h) and read at start-up before the logs.
//
// Record order (each record is an argument vector; the first argument names it):
//   KIZUNA-SNAPSHOT <version> <next log seq> <created ms>
//                       the logs from <next log seq> on continue this snapshot
//   store.actions <payload>            action names in id order (ids are kept)
//   def <ms> <command> <args...>       every definition command (CATEGORY.SET, RULE.*, BADGE.*,
//                                      SEGMENT.*, TRIGGER.*) that was applied, in order
//   store.meta, store.customers..., store.dedupe...,
//   eng.awards..., eng.members..., trig.meta, trig.timers..., trig.once..., trig.recent...,
//   insight.days..., outbox.entries..., outbox.groups   <payload> (state_codec.h)
//   end <records before it>
//
// Why definitions are kept as commands: a definition is small and few, but compiling one
// wires it into many structures (predicate programs, rule matching, tracked (action, item)
// counters, badge and segment slots). Replaying the applied definitions in order on an empty
// store rebuilds exactly those structures, with the same slot and pair ids, through the same
// code that built them the first time; everything that depends on customers (memberships,
// awards, timers, counters) is then loaded as compact binary state, which is where the
// volume is. The cost: a definition redefined n times is replayed n times.
//
// The digest (DEBUG DIGEST) is an XXH3-64 of the same records minus the header: everything a
// restart must bring back, nothing it legitimately changes (log sequence, time of saving,
// memory layout, hash map order).
#ifndef KIZUNA_SERVER_SNAPSHOT_H_
#define KIZUNA_SERVER_SNAPSHOT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "server/log_loader.h"
#include "store/persistence/record_file.h"
#include "store/stream/stream_snapshot.h"

namespace kizuna::server {

class Server;
class Session;

inline constexpr std::string_view kSnapshotMagic = "KIZUNA-SNAPSHOT";
inline constexpr std::string_view kSnapshotVersion = "1";

using RecordSink = std::function<void(std::span<const std::string_view>)>;

// Emits every record of a snapshot of the current state to `sink`.
void WriteSnapshot(Server& server, uint64_t next_log_seq, int64_t created_ms,
                   const RecordSink& sink);
// Writes a snapshot to `path` (created or truncated) and fsyncs it. Plain syscalls only, so
// a forked child can call it. False with `error` on failure.
bool WriteSnapshotFile(Server& server, const std::string& path, uint64_t next_log_seq,
                       int64_t created_ms, std::string* error);
// DEBUG DIGEST: 16 hex digits.
std::string StateDigest(Server& server);

// Loads a snapshot file in slices, like LogLoader.
class SnapshotLoader {
 public:
  SnapshotLoader(Server& server, std::string path);
  ~SnapshotLoader();

  // Reads the header. False with `error` when the file cannot be read or is not a snapshot.
  bool Open(std::string* error);
  uint64_t next_log_seq() const { return next_log_seq_; }
  LogLoader::Step Run(std::chrono::microseconds budget, std::string* error);

  uint64_t total_bytes() const { return reader_.file_size(); }
  uint64_t loaded_bytes() const { return reader_.end_offset(); }
  uint64_t records() const { return records_; }

 private:
  bool Apply(std::span<const std::string_view> rec, std::string* why);
  std::string BadRecord(std::string_view why) const;

  Server& server_;
  std::string path_;
  store::RecordFileReader reader_;
  std::unique_ptr<Session> client_;
  std::unique_ptr<store::StreamLoader> stream_;
  uint64_t next_log_seq_ = 0;
  uint64_t records_ = 0;
  std::chrono::steady_clock::time_point last_report_;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_SNAPSHOT_H_
