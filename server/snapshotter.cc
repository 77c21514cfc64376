#include "server/snapshotter.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "server/arg_parser.h"
#include "server/log.h"
#include "server/server.h"
#include "server/snapshot.h"
#include "store/persistence/file_names.h"
#include "store/persistence/record_file.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {
// After a failed background save, automatic ones wait this long (Redis waits 5 s too).
constexpr int64_t kRetryDelayMs = 5000;
}  // namespace

std::string Snapshotter::TempPath(pid_t pid) const {
  return StrCat(server_.config().dir, "/temp-", pid, ".ksnap");
}

bool Snapshotter::Install(const std::string& temp, uint64_t next_seq, std::string* error) {
  std::string path = store::SnapshotPath(server_.config().dir);
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    *error = StrCat("rename ", temp, " to ", path, ": ", std::strerror(errno));
    return false;
  }
  // Only once the rename is durable may the logs it replaces go.
  if (!store::SyncDirectoryOf(path)) {
    *error = StrCat("fsync of ", server_.config().dir, " failed: ", std::strerror(errno));
    return false;
  }
  server_.persistence().RemoveLogsBefore(next_seq);
  return true;
}

bool Snapshotter::Save(std::string* error) {
  if (in_progress()) {
    *error = "Background save already in progress";
    return false;
  }
  Persistence& p = server_.persistence();
  uint64_t next = p.StartNextLog(error);
  if (next == 0) return false;
  uint64_t dirty = p.dirty();
  std::string temp = TempPath(getpid());
  if (!WriteSnapshotFile(server_, temp, next, server_.clock().NowMs(), error) ||
      !Install(temp, next, error)) {
    ::unlink(temp.c_str());
    last_bgsave_ok_ = false;
    LogWarning("Saving the snapshot failed: ", *error);
    return false;
  }
  p.ForgetChanges(dirty);
  last_save_ms_ = server_.clock().NowMs();
  last_bgsave_ok_ = true;
  ++saves_;
  LogNotice("DB saved on disk");
  return true;
}

bool Snapshotter::StartBackground(Kind kind, std::string* error) {
  Persistence& p = server_.persistence();
  uint64_t next = p.StartNextLog(error);
  if (next == 0) return false;
  int64_t created = server_.clock().NowMs();
  last_try_ms_ = created;
  auto fork_start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid > 0) {
    latest_fork_usec_ = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - fork_start)
                            .count();
  }
  if (pid < 0) {
    *error = StrCat("fork failed: ", std::strerror(errno));
    (kind == Kind::kBgsave ? last_bgsave_ok_ : last_rewrite_ok_) = false;
    return false;
  }
  if (pid == 0) {
    // The child: the state as of the fork, written with plain syscalls. Signals the server
    // handles (through Asio's pipe, shared with the parent) get their defaults back, and the
    // child dies with the parent instead of outliving it.
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::string child_error;
    bool ok = WriteSnapshotFile(server_, TempPath(getpid()), next, created, &child_error);
    if (!ok) std::fprintf(stderr, "Snapshot child: %s\n", child_error.c_str());
    _exit(ok ? 0 : 1);
  }
  child_pid_ = pid;
  child_kind_ = kind;
  child_next_seq_ = next;
  child_dirty_ = p.dirty();
  child_started_wall_ms_ = store::SystemNowMs();
  LogNotice(kind == Kind::kBgsave ? "Background saving" : "Background log rewrite (snapshot)",
            " started by pid ", pid, " (fork took ", latest_fork_usec_,
            " us); the log continues in sequence ", next);
  return true;
}

void Snapshotter::Reap() {
  int status = 0;
  pid_t r = waitpid(child_pid_, &status, WNOHANG);
  if (r == 0) return;
  bool ok = r == child_pid_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::string temp = TempPath(child_pid_), error;
  int64_t seconds = (store::SystemNowMs() - child_started_wall_ms_) / 1000;
  if (ok && Install(temp, child_next_seq_, &error)) {
    server_.persistence().ForgetChanges(child_dirty_);
    last_save_ms_ = server_.clock().NowMs();
    ++saves_;
    if (child_kind_ == Kind::kRewrite) ++rewrites_;
    LogNotice("Background saving terminated with success");
  } else {
    ok = false;
    ::unlink(temp.c_str());
    if (error.empty() && r == child_pid_ && WIFSIGNALED(status)) {
      error = StrCat("child terminated by signal ", WTERMSIG(status));
    }
    LogWarning("Background saving error", error.empty() ? "" : ": ", error);
  }
  if (child_kind_ == Kind::kBgsave) {
    last_bgsave_ok_ = ok;
    last_bgsave_seconds_ = seconds;
  } else {
    last_rewrite_ok_ = ok;
    last_rewrite_seconds_ = seconds;
  }
  child_pid_ = -1;
}

bool Snapshotter::AutoSaveDue() const {
  uint64_t dirty = server_.persistence().dirty();
  if (dirty == 0) return false;
  int64_t now = server_.clock().NowMs();
  if (!last_bgsave_ok_ && now - last_try_ms_ < kRetryDelayMs) return false;
  std::vector<std::string_view> words = SplitNonEmpty(server_.config().save, ' ');
  for (size_t i = 0; i + 1 < words.size(); i += 2) {
    auto seconds = ParseInt(words[i]), changes = ParseInt(words[i + 1]);
    if (!seconds || !changes) continue;
    if (dirty >= static_cast<uint64_t>(*changes) && now - last_save_ms_ >= *seconds * 1000) {
      LogNotice(*changes, " changes in ", *seconds, " seconds. Saving...");
      return true;
    }
  }
  return false;
}

void Snapshotter::Cron() {
  if (in_progress()) Reap();
  if (in_progress() || server_.loading() || server_.shutting_down()) return;
  std::string error;
  if (rewrite_scheduled_ || bgsave_scheduled_) {
    Kind kind = rewrite_scheduled_ ? Kind::kRewrite : Kind::kBgsave;
    rewrite_scheduled_ = bgsave_scheduled_ = false;
    if (!StartBackground(kind, &error)) LogWarning("Scheduled snapshot failed: ", error);
    return;
  }
  if (AutoSaveDue() && !StartBackground(Kind::kBgsave, &error)) {
    last_bgsave_ok_ = false;
    LogWarning("Automatic snapshot failed: ", error);
  }
}

void Snapshotter::KillChild() {
  if (!in_progress()) return;
  kill(child_pid_, SIGKILL);
  waitpid(child_pid_, nullptr, 0);
  ::unlink(TempPath(child_pid_).c_str());
  LogNotice("Killed the snapshot child ", child_pid_);
  child_pid_ = -1;
}

int64_t Snapshotter::current_seconds() const {
  return in_progress() ? (store::SystemNowMs() - child_started_wall_ms_) / 1000 : -1;
}

}  // namespace kizuna::server
