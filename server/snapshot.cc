#include "server/snapshot.h"

#include <unistd.h>
#include <xxhash.h>

#include <boost/asio/ip/tcp.hpp>
#include <vector>

#include "server/arg_parser.h"
#include "server/dispatcher.h"
#include "server/log.h"
#include "server/server.h"
#include "server/session.h"
#include "store/persistence/state_codec.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

constexpr auto kProgressEvery = std::chrono::seconds(1);
// The file writer hands its buffer to the kernel whenever it holds this much.
constexpr size_t kWriteBytes = 4 << 20;

}  // namespace

void WriteSnapshot(Server& server, uint64_t next_log_seq, int64_t created_ms,
                   const RecordSink& sink) {
  uint64_t records = 0;
  auto emit = [&](std::span<const std::string_view> args) {
    sink(args);
    ++records;
  };
  std::string seq = StrCat(next_log_seq), created = StrCat(created_ms);
  std::string_view header[] = {kSnapshotMagic, kSnapshotVersion, seq, created};
  emit(header);
  store::StateOut out([&](std::string_view tag, std::string_view payload) {
    std::string_view rec[] = {tag, payload};
    emit(rec);
  });
  server.store().SaveActions(out);
  std::vector<std::string_view> def;
  for (const std::vector<std::string>& d : server.persistence().definitions()) {
    def.assign({"def"});
    def.insert(def.end(), d.begin(), d.end());
    emit(def);
  }
  server.store().SaveState(out);
  server.engagement().SaveState(out);
  server.triggers().SaveState(out);
  server.insight().SaveState(out);
  store::SaveStream(server.store().outbox(), out);
  std::string count = StrCat(records);
  std::string_view end[] = {"end", count};
  emit(end);
}

bool WriteSnapshotFile(Server& server, const std::string& path, uint64_t next_log_seq,
                       int64_t created_ms, std::string* error) {
  ::unlink(path.c_str());
  store::RecordFileWriter writer;
  if (!writer.Open(path)) {
    *error = writer.error();
    return false;
  }
  bool ok = true;
  int64_t delay = server.config().rdb_key_save_delay;
  WriteSnapshot(server, next_log_seq, created_ms, [&](std::span<const std::string_view> args) {
    writer.Append(args);
    if (ok && (delay > 0 || writer.buffered() >= kWriteBytes)) ok = writer.Write();
    if (delay > 0) ::usleep(static_cast<useconds_t>(delay));
  });
  if (!ok || !writer.Sync()) {
    *error = StrCat(path, ": ", writer.error());
    return false;
  }
  writer.Close();
  return true;
}

std::string StateDigest(Server& server) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  bool header = true;
  WriteSnapshot(server, 0, 0, [&](std::span<const std::string_view> args) {
    if (header) {  // log sequence and time of saving: not state
      header = false;
      return;
    }
    for (std::string_view a : args) {
      uint64_t n = a.size();
      XXH3_64bits_update(state, &n, sizeof(n));
      XXH3_64bits_update(state, a.data(), a.size());
    }
  });
  uint64_t h = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

SnapshotLoader::SnapshotLoader(Server& server, std::string path)
    : server_(server), path_(std::move(path)) {
  client_ = MakeReplayClient(server_);
  stream_ = std::make_unique<store::StreamLoader>(&server_.store().outbox());
  last_report_ = std::chrono::steady_clock::now();
}

SnapshotLoader::~SnapshotLoader() = default;

std::string SnapshotLoader::BadRecord(std::string_view why) const {
  return StrCat("Bad record in snapshot ", path_, " at offset ", reader_.offset(), ": ", why,
                ". Refusing to start; inspect it with `kizuna-check ", path_,
                "` (a damaged snapshot cannot be repaired: restore it from a backup, or move "
                "it away to start from the logs alone if they are complete).");
}

bool SnapshotLoader::Open(std::string* error) {
  if (!reader_.Open(path_)) {
    *error = StrCat("Cannot read snapshot ", reader_.error());
    return false;
  }
  store::RecordFileReader::Status st = reader_.Next();
  std::span<const std::string_view> h = reader_.args();
  std::optional<int64_t> seq;
  if (st == store::RecordFileReader::Status::kRecord && h.size() == 4 && h[0] == kSnapshotMagic) {
    seq = ParseInt(h[2]);
  }
  if (!seq || *seq < 1 || h[1] != kSnapshotVersion) {
    using Status = store::RecordFileReader::Status;
    *error = BadRecord(st == Status::kRecord ? "not a kizuna snapshot header"
                       : st == Status::kEnd  ? "empty file"
                                             : reader_.error());
    return false;
  }
  next_log_seq_ = static_cast<uint64_t>(*seq);
  records_ = 1;
  LogNotice("Loading snapshot ", path_, " (", reader_.file_size(), " bytes, continued by log ",
            next_log_seq_, ")");
  return true;
}

LogLoader::Step SnapshotLoader::Run(std::chrono::microseconds budget, std::string* error) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  while (true) {
    for (int i = 0; i < 64; ++i) {
      store::RecordFileReader::Status st = reader_.Next();
      if (st != store::RecordFileReader::Status::kRecord) {
        // A snapshot is renamed into place only once complete: any end short of its `end`
        // record is damage, never a crash while appending.
        *error = BadRecord(st == store::RecordFileReader::Status::kEnd
                               ? "the file ends before its end record"
                               : reader_.error());
        return LogLoader::Step::kFailed;
      }
      std::span<const std::string_view> rec = reader_.args();
      if (rec[0] == "end") {
        if (rec.size() != 2 || ParseInt(rec[1]) != static_cast<int64_t>(records_)) {
          *error = BadRecord("record count mismatch");
          return LogLoader::Step::kFailed;
        }
        if (reader_.Next() != store::RecordFileReader::Status::kEnd) {
          *error = BadRecord("data after the end record");
          return LogLoader::Step::kFailed;
        }
        server_.store().FinishLoad();
        server_.insight().Rebuild();  // buyers' RFM figures, derived from the customers
        LogNotice("Loaded snapshot ", path_, ": ", server_.store().customer_count(), " customers, ",
                  records_ + 1, " records");
        return LogLoader::Step::kDone;
      }
      std::string why;
      if (!Apply(rec, &why)) {
        *error = BadRecord(why);
        return LogLoader::Step::kFailed;
      }
      ++records_;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_report_ >= kProgressEvery) {
      last_report_ = now;
      LogNotice("Loading snapshot: ",
                FormatFixed(100.0 * static_cast<double>(loaded_bytes()) /
                                static_cast<double>(std::max<uint64_t>(1, total_bytes())),
                            1),
                "% (", records_, " records)");
    }
    if (now >= deadline) return LogLoader::Step::kMore;
  }
}

bool SnapshotLoader::Apply(std::span<const std::string_view> rec, std::string* why) {
  std::string_view tag = rec[0];
  if (tag == "def") {
    auto at = rec.size() >= 3 ? ParseInt(rec[1]) : std::nullopt;
    if (!at) {
      *why = "malformed definition";
      return false;
    }
    protocol::ReplyBuffer reply;
    server_.pinnable_clock().Pin(*at);
    ExecuteCommand(server_, *client_, rec.subspan(2), reply);
    server_.pinnable_clock().Unpin();
    if (std::string_view text = ErrorReplyText(reply); !text.empty()) {
      // Definitions replay before the init file is applied: one naming something that only
      // the init file defines cannot be rebuilt here.
      *why = StrCat("definition ", rec[2], " failed (", text,
                    "; does it name something only the init file defines?)");
      return false;
    }
    server_.persistence().AddDefinition(rec[1], rec.subspan(2));
    return true;
  }
  bool ok = false;
  if (rec.size() == 2) {
    if (tag.starts_with("store.")) {
      ok = server_.store().LoadRecord(tag, rec[1]);
    } else if (tag.starts_with("eng.")) {
      ok = server_.engagement().LoadRecord(tag, rec[1]);
    } else if (tag.starts_with("trig.")) {
      ok = server_.triggers().LoadRecord(tag, rec[1]);
    } else if (tag.starts_with("insight.")) {
      ok = server_.insight().LoadRecord(tag, rec[1]);
    } else if (tag.starts_with("outbox.")) {
      ok = stream_->LoadRecord(tag, rec[1]);
    }
  }
  if (!ok) *why = StrCat("malformed ", tag.substr(0, 32), " record");
  return ok;
}

}  // namespace kizuna::server
