// Snapshotter: SAVE, BGSAVE, BGREWRITEAOF, automatic snapshots (`save`) and the snapshot at
// SHUTDOWN.
//
// Design: BGSAVE forks. The event loop is single-threaded, so the child gets a consistent
// copy-on-write image of the whole state at no cost to the parent beyond the fork itself
// (page-table copy: tens of ms for a few GB) and the pages written while the child runs. A
// forkless versioned scan would have to version every structure (scores, indexes, timers,
// the outbox) or stall writers; fork needs none of that and leaves the hot path untouched.
// The child only serialises the state with plain syscalls (snapshot.h) into
// `dir`/temp-<pid>.ksnap, fsyncs it and _exit()s; it never touches Asio, sockets or the logs.
//
// Log hand-over: right before the fork the parent fsyncs the current log N and switches to
// log N+1 (Persistence::StartNextLog); the snapshot records "continued by log N+1". When the
// cron reaps the child (waitpid WNOHANG, every 100 ms) with exit status 0, the parent renames
// the temp file to snapshot.ksnap, fsyncs the directory, and only then deletes logs < N+1.
// A crash at any point leaves either the old snapshot + logs from its N (which include N+1),
// or the new snapshot + logs from N+1: complete either way. SAVE does the same in the
// foreground.
//
// BGREWRITEAOF is the same operation: our log holds commands, and compacting it means
// replacing its prefix by a snapshot of the state it produced.
#ifndef KIZUNA_SERVER_SNAPSHOTTER_H_
#define KIZUNA_SERVER_SNAPSHOTTER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kizuna::server {

class Server;

class Snapshotter {
 public:
  enum class Kind { kBgsave, kRewrite };

  explicit Snapshotter(Server& server) : server_(server) {}

  // Clock at start-up: LASTSAVE until the first snapshot.
  void Init(int64_t now_ms) { last_save_ms_ = now_ms; }
  // SAVE: false with `error`.
  bool Save(std::string* error);
  // BGSAVE / BGREWRITEAOF: forks; false with `error`.
  bool StartBackground(Kind kind, std::string* error);
  bool in_progress() const { return child_pid_ > 0; }
  Kind child_kind() const { return child_kind_; }
  void Schedule(Kind kind) {
    (kind == Kind::kBgsave ? bgsave_scheduled_ : rewrite_scheduled_) = true;
  }

  // Every cron tick: reaps a finished child, starts scheduled and automatic snapshots.
  void Cron();
  // Shutdown: stops a running child and removes its temp file.
  void KillChild();

  // INFO persistence and LASTSAVE.
  int64_t last_save_ms() const { return last_save_ms_; }
  bool last_bgsave_ok() const { return last_bgsave_ok_; }
  bool last_rewrite_ok() const { return last_rewrite_ok_; }
  int64_t last_bgsave_seconds() const { return last_bgsave_seconds_; }
  int64_t last_rewrite_seconds() const { return last_rewrite_seconds_; }
  int64_t current_seconds() const;
  bool rewrite_scheduled() const { return rewrite_scheduled_; }
  uint64_t saves() const { return saves_; }
  uint64_t rewrites() const { return rewrites_; }
  // How long the last fork() stalled the event loop (Redis's latest_fork_usec).
  int64_t latest_fork_usec() const { return latest_fork_usec_; }

 private:
  std::string TempPath(pid_t pid) const;
  // Renames `temp` to the snapshot, fsyncs the directory, deletes the logs it replaces.
  bool Install(const std::string& temp, uint64_t next_seq, std::string* error);
  void Reap();
  // The `save` rule that is due, if any: (seconds, changes).
  bool AutoSaveDue() const;

  Server& server_;
  pid_t child_pid_ = -1;
  Kind child_kind_ = Kind::kBgsave;
  uint64_t child_next_seq_ = 0;
  uint64_t child_dirty_ = 0;  // changes the running child's snapshot holds
  int64_t child_started_wall_ms_ = 0;
  int64_t last_save_ms_ = 0;
  int64_t last_try_ms_ = 0;
  bool last_bgsave_ok_ = true;
  bool last_rewrite_ok_ = true;
  int64_t last_bgsave_seconds_ = -1;
  int64_t last_rewrite_seconds_ = -1;
  bool bgsave_scheduled_ = false;
  bool rewrite_scheduled_ = false;
  uint64_t saves_ = 0;
  uint64_t rewrites_ = 0;
  int64_t latest_fork_usec_ = 0;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_SNAPSHOTTER_H_
