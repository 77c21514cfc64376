#include "server/page_collapser.h"

namespace kizuna::server {

void PageCollapser::CollapseOne() {
  maybe_left_ = store::CollapseNextRange();
  last_collapse_ = std::chrono::steady_clock::now();
}

void PageCollapser::OnQuiet() { CollapseOne(); }

void PageCollapser::AfterTurn(uint64_t commands, bool child_running) {
  if (child_was_running_ && !child_running) {
    store::RecollapseAll();
    maybe_left_ = true;
  }
  child_was_running_ = child_running;
  if (commands == commands_) return;
  commands_ = commands;
  maybe_left_ = true;
  if (!child_running && std::chrono::steady_clock::now() - last_collapse_ >= kBusyInterval) {
    CollapseOne();
  }
}

}  // namespace kizuna::server
