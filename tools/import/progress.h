// Progress: what kizuna-import shows while it runs. On a terminal, one bar redrawn in place
// (rows, rate, percent of input bytes and ETA when the input size is known); otherwise plain
// lines every few seconds and one at the end, for logs.
#ifndef KIZUNA_TOOLS_IMPORT_PROGRESS_H_
#define KIZUNA_TOOLS_IMPORT_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kizuna::import {

struct ProgressState {
  uint64_t rows = 0;         // rows read so far
  uint64_t bytes = 0;        // input bytes consumed so far
  uint64_t total_bytes = 0;  // 0 when unknown (stdin, a pipe)
  double seconds = 0;        // since the start
};

// "[#########           ]  45%  120,000 rows  210,000 rows/s  ETA 0:12" (width columns).
std::string FormatBar(const ProgressState& s, int width);
// "progress: 120000 rows, 45%, 210000 rows/s, ETA 12s"
std::string FormatLine(const ProgressState& s);
// 125 -> "2:05", 3725 -> "1:02:05".
std::string FormatDuration(double seconds);

class Progress {
 public:
  enum class Mode { kNone, kBar, kLines };
  using Clock = std::chrono::steady_clock;

  Progress(Mode mode, FILE* out, double interval_s, uint64_t total_bytes);

  // Redraws when the refresh interval has passed.
  void Update(uint64_t rows, uint64_t bytes);
  // The final bar or line.
  void Finish(uint64_t rows, uint64_t bytes);
  // Call before printing anything else to `out`, so a bar does not mix with it.
  void Interrupt();

 private:
  ProgressState State(uint64_t rows, uint64_t bytes) const;
  void Draw(const ProgressState& s);

  Mode mode_;
  FILE* out_;
  std::chrono::duration<double> interval_;
  uint64_t total_bytes_;
  Clock::time_point start_;
  Clock::time_point last_;
  bool bar_shown_ = false;
};

}  // namespace kizuna::import

#endif  // KIZUNA_TOOLS_IMPORT_PROGRESS_H_
