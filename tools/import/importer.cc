#include "tools/import/importer.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "tools/import/csv_reader.h"
#include "tools/import/event_row.h"
#include "tools/import/input_buffer.h"
#include "tools/import/jsonl_reader.h"
#include "tools/import/progress.h"
#include "tools/import/resp_client.h"

namespace kizuna::import {
namespace {

constexpr int kSetupTimeoutMs = 10000;
// Stop queuing once this much output waits for the socket; it drains while replies arrive.
constexpr size_t kMaxQueuedOutput = 4 << 20;
constexpr int kPollMs = 100;

struct Input {
  std::string name;  // as reported in file:line ("stdin" for "-")
  int fd = -1;
  Format format = Format::kAuto;
};

// Where a sent EVENT came from, to report the server's error as file:line.
struct Pending {
  uint32_t input;
  uint64_t line;
};

struct Counters {
  uint64_t events = 0;
  uint64_t deduped = 0;
  uint64_t ids_per_customer = 0;  // the server's dedupe bound (INFO dedupe_max_ids_per_customer)
};

// The value of `key:` in an INFO reply.
std::optional<uint64_t> InfoField(std::string_view info, std::string_view key) {
  size_t pos = 0;
  while (pos < info.size()) {
    size_t eol = info.find('\n', pos);
    std::string_view line = info.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      uint64_t v = 0;
      const char* begin = line.data() + key.size() + 1;
      if (std::from_chars(begin, line.data() + line.size(), v).ec == std::errc()) return v;
      return std::nullopt;
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return std::nullopt;
}

class ImportRun {
 public:
  ImportRun(const ImportOptions& o, bool tty, FILE* err) : o_(o), tty_(tty), err_(err) {}
  ~ImportRun() {
    for (Input& in : inputs_) {
      if (in.fd > 0) ::close(in.fd);
    }
  }

  ImportSummary Run() {
    auto start = std::chrono::steady_clock::now();
    uint64_t total_bytes = 0;
    if (OpenInputs(&total_bytes)) {
      Progress::Mode mode = o_.progress == ProgressMode::kNone    ? Progress::Mode::kNone
                            : o_.progress == ProgressMode::kBar   ? Progress::Mode::kBar
                            : o_.progress == ProgressMode::kLines ? Progress::Mode::kLines
                            : tty_                                ? Progress::Mode::kBar
                                                                  : Progress::Mode::kLines;
      progress_ = std::make_unique<Progress>(mode, err_, o_.progress_interval, total_bytes);
      Counters before;
      if (o_.dry_run || (Connect() && ReadCounters(&before))) {
        ring_.resize(o_.window);
        Loop();
        progress_->Finish(s_.rows, BytesDone());
        Counters after;
        if (!o_.dry_run && !s_.error && s_.duplicates_known && ReadCounters(&after)) {
          Split(before, after);
        }
        // Without the closing counters, every accepted EVENT counts as imported.
        if (s_.error || !s_.duplicates_known) s_.imported = s_.accepted;
      }
    }
    s_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s_;
  }

 private:
  void Fatal(std::string message) {
    if (!s_.error) s_.error = std::move(message);
  }

  bool OpenInputs(uint64_t* total_bytes) {
    bool sizes_known = true;
    for (const std::string& path : o_.inputs) {
      Input in;
      in.name = path == "-" ? "stdin" : path;
      in.format = o_.format != Format::kAuto ? o_.format : FormatOfPath(path);
      in.fd = path == "-" ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (in.fd < 0) {
        Fatal(path + ": " + std::strerror(errno));
        return false;
      }
      struct stat st {};
      if (::fstat(in.fd, &st) == 0 && S_ISREG(st.st_mode)) {
        *total_bytes += static_cast<uint64_t>(st.st_size);
      } else {
        sizes_known = false;  // a pipe: no percentage, no ETA
      }
      inputs_.push_back(in);
    }
    if (!sizes_known) *total_bytes = 0;
    return true;
  }

  bool Connect() {
    std::string e = client_.Connect(o_.host, o_.port, kSetupTimeoutMs);
    if (!e.empty()) {
      Fatal(e);
      return false;
    }
    if (o_.password.empty()) return true;
    Reply reply;
    e = o_.user.empty() ? client_.Call({"AUTH", o_.password}, &reply, kSetupTimeoutMs)
                        : client_.Call({"AUTH", o_.user, o_.password}, &reply, kSetupTimeoutMs);
    if (e.empty() && reply.type == '-') e = std::string(reply.text);
    if (!e.empty()) {
      Fatal("AUTH failed: " + e);
      return false;
    }
    return true;
  }

  bool ReadCounters(Counters* c) {
    Reply reply;
    std::string e = client_.Call({"INFO", "scoring"}, &reply, kSetupTimeoutMs);
    if (e.empty() && reply.type == '-' && reply.text.substr(0, 7) == "NOPERM ") {
      // An ACL user allowed EVENT but not INFO: import anyway, without the duplicate count.
      s_.duplicates_known = false;
      return true;
    }
    if (e.empty() && reply.type == '-') e = std::string(reply.text);
    if (!e.empty()) {
      Fatal("INFO scoring: " + e);
      return false;
    }
    auto events = InfoField(reply.text, "events");
    auto deduped = InfoField(reply.text, "events_deduped");
    auto bound = InfoField(reply.text, "dedupe_max_ids_per_customer");
    if (reply.type != '$' || !events || !deduped || !bound) {
      Fatal(o_.host + ":" + std::to_string(o_.port) +
            " does not look like kizuna (INFO scoring has no events counters)");
      return false;
    }
    *c = {*events, *deduped, *bound};
    return true;
  }

  void Split(const Counters& before, const Counters& after) {
    bool monotonic = after.events >= before.events && after.deduped >= before.deduped;
    uint64_t applied = monotonic ? after.events - before.events : 0;
    uint64_t deduped = monotonic ? after.deduped - before.deduped : 0;
    s_.counters_exact = monotonic && applied + deduped == s_.accepted;
    s_.duplicates = std::min(deduped, s_.accepted);
    s_.imported = s_.accepted - s_.duplicates;
    for (const auto& [customer, n] : ids_per_customer_) {
      if (n > after.ids_per_customer) ++s_.customers_over_id_bound;
      s_.most_ids_of_one_customer = std::max<uint64_t>(s_.most_ids_of_one_customer, n);
    }
    s_.id_bound = after.ids_per_customer;
  }

  uint64_t BytesDone() const { return bytes_done_ + (buffer_ ? buffer_->bytes_consumed() : 0); }

  void Report(uint32_t input, uint64_t line, const std::string& reason) {
    progress_->Interrupt();
    std::fprintf(err_, "%s:%llu: %s\n", inputs_[input].name.c_str(),
                 static_cast<unsigned long long>(line), reason.c_str());
  }

  // Opens the next input's reader; false when there is none (or its header is bad).
  bool StartNextInput() {
    if (next_input_ >= inputs_.size()) {
      input_done_ = true;
      return false;
    }
    current_ = static_cast<uint32_t>(next_input_++);
    int fd = inputs_[current_].fd;
    buffer_ = std::make_unique<InputBuffer>(InputBuffer::ForFd(fd, [this, fd] { AwaitInput(fd); }));
    if (inputs_[current_].format == Format::kCsv) {
      reader_ = std::make_unique<CsvReader>(buffer_.get());
    } else {
      reader_ = std::make_unique<JsonLinesReader>(buffer_.get());
    }
    if (std::string e = reader_->ReadHeader(); !e.empty()) {
      Fatal(inputs_[current_].name + ":" + std::to_string(std::max<uint64_t>(1, reader_->line())) +
            ": " + e);
      return false;
    }
    return true;
  }

  void FinishInput() {
    bytes_done_ += buffer_->bytes_consumed();
    reader_.reset();
    buffer_.reset();
  }

  void Reject(uint64_t line, const std::string& reason) {
    ++s_.invalid;
    Report(current_, line, reason);
    if (o_.strict) s_.stopped = true;
  }

  // Reads rows and queues their EVENTs until the window is full or the input ends.
  void FillPipeline() {
    std::string reason;
    while (!input_done_ && !s_.stopped && !s_.error && count_ < ring_.size() &&
           client_.pending_output() < kMaxQueuedOutput) {
      if (!reader_ && !StartNextInput()) return;
      switch (reader_->Next(&raw_, &reason)) {
        case RowReader::Result::kEnd:
          FinishInput();
          continue;
        case RowReader::Result::kIoError:
          Fatal(inputs_[current_].name + ": " + reason);
          return;
        case RowReader::Result::kBadRow:
          ++s_.rows;
          Reject(reader_->line(), reason);
          continue;
        case RowReader::Result::kRow:
          break;
      }
      ++s_.rows;
      if ((s_.rows & 1023) == 0) progress_->Update(s_.rows, BytesDone());
      reason = ValidateRow(raw_, &row_);
      if (!reason.empty()) {
        Reject(reader_->line(), reason);
        continue;
      }
      if (o_.dry_run) {
        ++s_.accepted;
        continue;
      }
      if (row_.id) ++ids_per_customer_[absl::HashOf(row_.customer)];
      client_.AppendEvent(row_);
      ring_[(head_ + count_) % ring_.size()] = {current_, reader_->line()};
      ++count_;
      // Start writing early so the server works while we parse the rest of the window.
      if (client_.pending_output() >= (64 << 10)) {
        if (std::string e = client_.Flush(); !e.empty()) return Fatal(e);
      }
    }
  }

  void HandleReplies() {
    Reply reply;
    while (client_.NextReply(&reply)) {
      if (count_ == 0) return Fatal("a reply to nothing we sent");
      Pending p = ring_[head_];
      head_ = (head_ + 1) % ring_.size();
      --count_;
      if (reply.type != '-') {
        ++s_.accepted;
        continue;
      }
      std::string_view text = reply.text;
      if (text.substr(0, 4) != "ERR ") {
        // NOAUTH, NOPERM, LOADING, MISCONF, OOM...: every further row would fail the same way.
        return Fatal("server: " + std::string(text));
      }
      ++s_.refused;
      Report(p.input, p.line, "server: " + std::string(text));
      if (o_.strict) s_.stopped = true;
    }
  }

  // Writes what is queued, waits briefly for replies and handles them.
  void Pump() {
    if (std::string e = client_.Flush(); !e.empty()) return Fatal(e);
    if (count_ == 0) return;
    pollfd pfd{client_.fd(), POLLIN, 0};
    if (client_.pending_output() > 0) pfd.events |= POLLOUT;
    int rc = ::poll(&pfd, 1, kPollMs);
    if (rc < 0 && errno != EINTR) return Fatal(std::string("poll: ") + std::strerror(errno));
    if (rc <= 0) return;
    if (pfd.revents & POLLOUT) {
      if (std::string e = client_.Flush(); !e.empty()) return Fatal(e);
    }
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
      if (std::string e = client_.Receive(); !e.empty()) return Fatal(e);
      HandleReplies();
    }
  }

  // The input has nothing ready: keep the connection going (send, handle replies) until it has.
  void AwaitInput(int input_fd) {
    if (o_.dry_run) return;
    while (!s_.error) {
      if (std::string e = client_.Flush(); !e.empty()) return Fatal(e);
      pollfd fds[2] = {{input_fd, POLLIN, 0}, {client_.fd(), POLLIN, 0}};
      if (client_.pending_output() > 0) fds[1].events |= POLLOUT;
      int rc = ::poll(fds, count_ > 0 || client_.pending_output() > 0 ? 2 : 1, kPollMs);
      if (rc < 0 && errno != EINTR) return Fatal(std::string("poll: ") + std::strerror(errno));
      if (rc > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        if (std::string e = client_.Receive(); !e.empty()) return Fatal(e);
        HandleReplies();
      }
      progress_->Update(s_.rows, BytesDone());
      if (rc > 0 && fds[0].revents) return;
    }
  }

  void Loop() {
    while (!s_.error) {
      FillPipeline();
      if (s_.error) break;
      bool reading = !input_done_ && !s_.stopped;
      if (!reading && count_ == 0 && client_.pending_output() == 0) break;
      if (!o_.dry_run) Pump();
      progress_->Update(s_.rows, BytesDone());
    }
  }

  const ImportOptions& o_;
  bool tty_;
  FILE* err_;
  ImportSummary s_;
  std::unique_ptr<Progress> progress_;
  RespClient client_;
  std::vector<Input> inputs_;
  size_t next_input_ = 0;
  uint32_t current_ = 0;
  std::unique_ptr<InputBuffer> buffer_;
  std::unique_ptr<RowReader> reader_;
  bool input_done_ = false;
  uint64_t bytes_done_ = 0;
  RawRow raw_;
  EventRow row_;
  std::vector<Pending> ring_;  // EVENTs awaiting replies, oldest at head_
  // Rows with an id per customer (by hash), to warn when a re-run could not be deduped.
  absl::flat_hash_map<size_t, uint32_t> ids_per_customer_;
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace

ImportSummary RunImport(const ImportOptions& options, bool stderr_is_tty, FILE* err) {
  return ImportRun(options, stderr_is_tty, err).Run();
}

int PrintSummary(const ImportSummary& s, const ImportOptions& o, FILE* out, FILE* err) {
  auto line = [out](const char* key, uint64_t v) {
    std::fprintf(out, "%s: %llu\n", key, static_cast<unsigned long long>(v));
  };
  line("rows", s.rows);
  if (o.dry_run) {
    line("valid", s.accepted);
  } else {
    line("imported", s.imported);
    if (s.duplicates_known) {
      line("duplicates", s.duplicates);
    } else {
      std::fprintf(out, "duplicates: unknown\n");
    }
  }
  line("rejected", s.rejected());
  line("invalid", s.invalid);
  line("refused", s.refused);
  std::fprintf(out, "seconds: %.3f\n", s.seconds);
  line("rows/s", s.seconds > 0 ? static_cast<uint64_t>(s.rows / s.seconds) : 0);
  std::fflush(out);
  if (!s.duplicates_known) {
    std::fprintf(err,
                 "kizuna-import: note: this user may not run INFO, so duplicates are not "
                 "counted: 'imported' counts every EVENT the server accepted\n");
  }
  if (!s.counters_exact) {
    std::fprintf(err,
                 "kizuna-import: note: other clients sent events during the import, so the "
                 "split between imported and duplicates is approximate\n");
  }
  if (s.customers_over_id_bound > 0) {
    std::fprintf(err,
                 "kizuna-import: warning: %llu customers have more than %llu rows with ids; the "
                 "server remembers only each customer's last %llu ids, so importing these rows "
                 "again would apply their older ones again (CONFIG SET dedupe-max-ids %llu before "
                 "importing keeps them all)\n",
                 static_cast<unsigned long long>(s.customers_over_id_bound),
                 static_cast<unsigned long long>(s.id_bound),
                 static_cast<unsigned long long>(s.id_bound),
                 static_cast<unsigned long long>(s.most_ids_of_one_customer));
  }
  if (s.error) {
    std::fprintf(err, "kizuna-import: error: %s\n", s.error->c_str());
    if (s.accepted > 0) {
      std::fprintf(err,
                   "kizuna-import: the import did not finish: 'imported' counts every EVENT the "
                   "server accepted; how many of them were duplicates is unknown\n");
    }
    return 1;
  }
  if (s.stopped) {
    std::fprintf(err, "kizuna-import: stopped at the first bad row (--strict)\n");
    return 1;
  }
  return s.rejected() > 0 ? 2 : 0;
}

}  // namespace kizuna::import
