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
  late_before_ = started_at;
  started_ = true;
  while (!FireSlice()) {
  }
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
  store::TimeMs now = server_.clock().NowMs();
  if (server_.triggers().next_wakeup() <= now) {
    bool done = false;
    while (!done) server_.triggers().Fire(now, SIZE_MAX, late_before_, &done);
  }
  if (started_) Schedule();
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
}

bool TimerDriver::Replay(std::span<const std::string_view> args) {
  auto count = args.size() == 2 ? ParseInt(args[0]) : std::nullopt;
  auto late = args.size() == 2 ? ParseInt(args[1]) : std::nullopt;
  if (!count || !late || *count <= 0) return false;
  bool done;
  server_.triggers().Fire(server_.clock().NowMs(), static_cast<size_t>(*count), *late, &done);
  return true;
}

void TimerDriver::Schedule() {
  if (!started_ || server_.manual_clock()) return;  // a manual clock moves only by DEBUG CLOCK
  store::TimeMs now = server_.clock().NowMs();
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
