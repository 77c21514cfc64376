// Runs scenario timers off the server clock: wakes the event loop when the next timer is due
// (within a few ms), fires due timers in bounded slices so a burst does not stall clients, and
// records each slice in the append-only log ("#fire <count> <late_before>" at the firing
// time) so that a restart replays exactly the same firings.
//
// Timers that a command makes due at once (due <= clock) are fired by FireAfterWrite() before
// the command replies; that is not logged, because replaying the command does it again.
#ifndef KIZUNA_SERVER_TIMER_DRIVER_H_
#define KIZUNA_SERVER_TIMER_DRIVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <span>
#include <string>
#include <string_view>

#include "store/clock.h"

namespace kizuna::server {

class Server;

// Name of the log record of one firing slice; not a command, so no client can send it.
inline constexpr std::string_view kFireRecord = "#fire";

class TimerDriver {
 public:
  // Timers fired per loop turn.
  static constexpr size_t kSlice = 1000;

  explicit TimerDriver(Server& server);

  // After loading: fires what came due while the server was down (marked late: due before
  // `started_at`), then keeps the wake-up timer set.
  void Start(store::TimeMs started_at);
  void Stop();
  // After a successful write command, and during replay: fires timers already due.
  void FireAfterWrite();
  // DEBUG CLOCK SET/ADVANCE: moves the manual clock to `target`, stopping at each due time on
  // the way so every timer fires at its own due time, in order.
  void AdvanceManualClock(store::TimeMs target);
  // Replays a kFireRecord record (args after the record name). False on a malformed record.
  bool Replay(std::span<const std::string_view> args);

 private:
  // Fires one slice at the current clock and logs it; true when nothing due is left.
  bool FireSlice();
  void Schedule();

  Server& server_;
  boost::asio::steady_timer timer_;
  store::TimeMs late_before_ = INT64_MIN;
  store::TimeMs scheduled_for_ = INT64_MAX;  // clock time the wake-up timer is set for
  bool started_ = false;
  bool slice_posted_ = false;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_TIMER_DRIVER_H_
