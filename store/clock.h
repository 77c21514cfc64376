// Clock: the only way kizuna reads time. Passed in, never a global, so tests drive it.
//
// RealClock reads the system clock. ManualClock starts at a given time and moves only when
// told (DEBUG CLOCK SET/ADVANCE); it never goes backwards.
#ifndef KIZUNA_STORE_CLOCK_H_
#define KIZUNA_STORE_CLOCK_H_

#include <cstdint>

namespace kizuna::store {

// Unix time in milliseconds.
using TimeMs = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs NowMs() const = 0;
  // True when time moves only through ManualClock::Set.
  virtual bool is_manual() const { return false; }
};

class RealClock final : public Clock {
 public:
  TimeMs NowMs() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start) : now_(start) {}
  TimeMs NowMs() const override { return now_; }
  bool is_manual() const override { return true; }
  // Returns false (and keeps the time) when t is earlier than now.
  bool Set(TimeMs t) {
    if (t < now_) return false;
    now_ = t;
    return true;
  }

 private:
  TimeMs now_;
};

// Reads its base clock, except while pinned to a recorded time: replaying the log runs each
// command at the time it first ran, so everything a command derives from "now" (EVENT's
// default TS, decay to now) comes out the same.
class PinnableClock final : public Clock {
 public:
  explicit PinnableClock(const Clock* base) : base_(base) {}
  TimeMs NowMs() const override { return pinned_ ? pinned_at_ : base_->NowMs(); }
  bool is_manual() const override { return base_->is_manual(); }
  void Pin(TimeMs t) {
    pinned_ = true;
    pinned_at_ = t;
  }
  void Unpin() { pinned_ = false; }
  bool pinned() const { return pinned_; }

 private:
  const Clock* base_;
  bool pinned_ = false;
  TimeMs pinned_at_ = 0;
};

// Wall-clock time for start-up of a ManualClock and for log lines.
TimeMs SystemNowMs();

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_CLOCK_H_
