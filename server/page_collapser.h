// PageCollapser: puts the store's filled memory on huge pages while the event loop is idle.
//
// The store's arrays fault in 4 KiB pages and store::CollapseNextRange turns their full 2 MiB
// ranges into huge pages, one range per call (why: store/huge_pages.h). A call stalls the
// loop for up to a few milliseconds, so the loop makes it when nothing is waiting: while a
// range may be left (pending), it sleeps at most kQuiet, and a sleep that ends with nothing to
// do calls OnQuiet. A server that is never quiet that long still collapses one range per
// kBusyInterval (AfterTurn): a stall of a few ms a second, which leaves its p99 alone and puts
// it on huge pages within minutes. Nothing is collapsed while a snapshot child shares the
// pages (a collapse would copy them); once it ends, every range is looked at again, since the
// server's writes meanwhile split the huge pages they hit.
#ifndef KIZUNA_SERVER_PAGE_COLLAPSER_H_
#define KIZUNA_SERVER_PAGE_COLLAPSER_H_

#include <chrono>
#include <cstdint>

#include "store/huge_pages.h"

namespace kizuna::server {

class PageCollapser {
 public:
  static constexpr std::chrono::milliseconds kQuiet{1};
  static constexpr std::chrono::seconds kBusyInterval{1};

  // Whether the loop should sleep at most kQuiet: huge pages are made while idle (setting
  // huge-pages yes), a range may be left, and no child runs.
  bool pending(bool child_running) const {
    return maybe_left_ && !child_running &&
           store::GetHugePageMode() == store::HugePageMode::kIdle;
  }
  // The loop slept kQuiet with nothing to do: collapses one range (or learns there is none).
  void OnQuiet();
  // After a turn that ran handlers. `commands`: the server's count of commands processed;
  // when it moved, new memory may be filled, so ranges may be left again.
  void AfterTurn(uint64_t commands, bool child_running);

 private:
  void CollapseOne();

  bool maybe_left_ = true;
  bool child_was_running_ = false;
  uint64_t commands_ = 0;
  std::chrono::steady_clock::time_point last_collapse_{};
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_PAGE_COLLAPSER_H_
