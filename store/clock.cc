#include "store/clock.h"

#include <chrono>

namespace kizuna::store {

TimeMs SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TimeMs RealClock::NowMs() const { return SystemNowMs(); }

}  // namespace kizuna::store
