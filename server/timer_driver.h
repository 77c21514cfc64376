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

// Names of the log records of one firing slice and one segment re-check slice; not commands,
// so no client can send them.
inline constexpr std::string_view kFireRecord = "#fire";
inline constexpr std::string_view kRecheckRecord = "#recheck";

class TimerDriver {
 public:
  // Timers fired, and customers re-checked, per loop turn.
  static constexpr size_t kSlice = 1000;
  static constexpr size_t kRecheckSlice = 20000;

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
  // Called by the server's cron: starts a re-check pass of segments over decaying scores every
  // `segment-recheck`, run in slices.
  void Cron();
  // Replays a kFireRecord / kRecheckRecord record (args after the record name). False on a
  // malformed record.
  bool Replay(std::string_view record, std::span<const std::string_view> args);

 private:
  // Fires one slice at the current clock and logs it; true when nothing due is left.
  bool FireSlice();
  // Re-checks one slice of customers and logs it if anything changed; true at the end of a pass.
  bool RecheckSlice();
  void Schedule();
  void Schedule(store::TimeMs now);  // `now`: the server clock, read by the caller

  Server& server_;
  boost::asio::steady_timer timer_;
  store::TimeMs late_before_ = INT64_MIN;    // set only while Start fires what came due while down
  store::TimeMs scheduled_for_ = INT64_MAX;  // clock time the wake-up timer is set for
  bool started_ = false;
  bool slice_posted_ = false;
  store::TimeMs next_recheck_at_ = 0;
  size_t recheck_cursor_ = 0;
  bool recheck_running_ = false;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_TIMER_DRIVER_H_
