#include "server/timer_driver.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>

#include "server/arg_parser.h"
#include "server/server.h"
#include "store/strings.h"
#include "store/triggers.h"

namespace kizuna::server {
namespace {
// Longest sleep between checks: a real clock may be stepped (NTP), so re-read it regularly.
constexpr store::TimeMs kMaxSleepMs = 1000;
}  // namespace

TimerDriver::TimerDriver(Server& server) : server_(server), timer_(server.io()) {}

void TimerDriver::Start(store::TimeMs started_at) {
  started_ = true;
  next_recheck_at_ = server_.clock().NowMs() + server_.config().segment_recheck_ms;
  // Only timers that were pending across the restart can be late; any armed from now on
  // fires on time (or at once, if armed already due).
  late_before_ = started_at;
  while (!FireSlice()) {
  }
  late_before_ = INT64_MIN;
  Schedule();
}

void TimerDriver::Stop() {
  started_ = false;
  timer_.cancel();
}

bool TimerDriver::FireSlice() {
  store::TimeMs now = server_.clock().NowMs();
  bool done = true;
  size_t fired = server_.triggers().Fire(now, kSlice, late_before_, &done);
  if (fired > 0) {
    std::string count = StrCat(fired), late = StrCat(late_before_);
    std::string_view record[] = {kFireRecord, count, late};
    server_.persistence().Append(record);
  }
  return done;
}

void TimerDriver::FireAfterWrite() {
  // Nothing pending (every write of a server without triggers): no clock to read, and the
  // driver's own timer keeps running on its own.
  store::TimeMs next = server_.triggers().next_wakeup();
  if (next == INT64_MAX) return;
  store::TimeMs now = server_.clock().NowMs();
  if (next <= now) {
    bool done = false;
    while (!done) server_.triggers().Fire(now, SIZE_MAX, late_before_, &done);
  }
  if (started_) Schedule(now);
}

void TimerDriver::AdvanceManualClock(store::TimeMs target) {
  store::ManualClock* clock = server_.manual_clock();
  if (!started_) {  // still loading: timers start once it is done
    clock->Set(target);
    return;
  }
  while (true) {
    store::TimeMs next = server_.triggers().next_wakeup();
    if (next > target) break;
    clock->Set(std::max(next, clock->NowMs()));
    while (!FireSlice()) {
    }
  }
  clock->Set(target);
  while (!FireSlice()) {
  }
  // Time moved on: memberships that depend on decay are brought up to date before replying.
  recheck_cursor_ = 0;
  while (!RecheckSlice()) {
  }
  next_recheck_at_ = target + server_.config().segment_recheck_ms;
}

bool TimerDriver::RecheckSlice() {
  size_t from = recheck_cursor_;
  size_t changed =
      server_.engagement().Recheck(server_.clock().NowMs(), kRecheckSlice, &recheck_cursor_);
  if (changed > 0) {
    std::string start = StrCat(from), count = StrCat(kRecheckSlice);
    std::string_view record[] = {kRecheckRecord, start, count};
    server_.persistence().Append(record);
  }
  return recheck_cursor_ == 0;
}

void TimerDriver::Cron() {
  if (!started_ || recheck_running_ || server_.clock().NowMs() < next_recheck_at_) return;
  recheck_running_ = true;
  // One slice per loop turn, so a million customers do not stall clients.
  auto step = [this](auto& self) -> void {
    if (!started_) return;
    if (!RecheckSlice()) {
      boost::asio::post(server_.io(), [this, self] { self(self); });
      return;
    }
    recheck_running_ = false;
    next_recheck_at_ = server_.clock().NowMs() + server_.config().segment_recheck_ms;
  };
  step(step);
}

bool TimerDriver::Replay(std::string_view record, std::span<const std::string_view> args) {
  auto a = args.size() == 2 ? ParseInt(args[0]) : std::nullopt;
  auto b = args.size() == 2 ? ParseInt(args[1]) : std::nullopt;
  if (!a || !b || *a < 0) return false;
  store::TimeMs now = server_.clock().NowMs();
  if (record == kFireRecord) {  // <count> <late_before>
    bool done;
    server_.triggers().Fire(now, static_cast<size_t>(*a), *b, &done);
    return true;
  }
  if (*b <= 0) return false;  // kRecheckRecord: <first customer> <count>
  size_t cursor = static_cast<size_t>(*a);
  server_.engagement().Recheck(now, static_cast<size_t>(*b), &cursor);
  return true;
}

void TimerDriver::Schedule() { Schedule(server_.clock().NowMs()); }

void TimerDriver::Schedule(store::TimeMs now) {
  if (!started_ || server_.manual_clock()) return;  // a manual clock moves only by DEBUG CLOCK
  store::TimeMs next = server_.triggers().next_wakeup();
  if (next <= now) {
    if (slice_posted_) return;
    slice_posted_ = true;
    boost::asio::post(server_.io(), [this] {
      slice_posted_ = false;
      if (!started_) return;
      FireSlice();
      Schedule();
    });
    return;
  }
  store::TimeMs wake = std::min(next, now + kMaxSleepMs);
  if (wake >= scheduled_for_ && scheduled_for_ > now) return;  // already set early enough
  scheduled_for_ = wake;
  timer_.expires_after(std::chrono::milliseconds(wake - now));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    scheduled_for_ = INT64_MAX;
    if (!started_) return;
    FireSlice();
    Schedule();
  });
}

}  // namespace kizuna::server
