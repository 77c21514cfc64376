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

// Wall-clock time for start-up of a ManualClock and for log lines.
TimeMs SystemNowMs();

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_CLOCK_H_
