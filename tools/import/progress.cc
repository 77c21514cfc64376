#include "tools/import/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace kizuna::import {
namespace {

// 1234567 -> "1,234,567": easier to read on a bar that changes many times a second.
std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

double Rate(const ProgressState& s) { return s.seconds > 0 ? s.rows / s.seconds : 0; }

// Seconds left at the byte rate so far; negative when unknown.
double Eta(const ProgressState& s) {
  if (s.total_bytes == 0 || s.bytes == 0 || s.seconds <= 0) return -1;
  uint64_t left = s.total_bytes > s.bytes ? s.total_bytes - s.bytes : 0;
  return left / (s.bytes / s.seconds);
}

int Percent(const ProgressState& s) {
  if (s.total_bytes == 0) return -1;
  return static_cast<int>(std::min<uint64_t>(100, s.bytes * 100 / s.total_bytes));
}

int TerminalWidth(FILE* out) {
  winsize ws{};
  if (::ioctl(::fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 80;
}

}  // namespace

std::string FormatDuration(double seconds) {
  auto total = static_cast<uint64_t>(std::llround(std::max(0.0, seconds)));
  uint64_t h = total / 3600, m = total / 60 % 60, s = total % 60;
  char buf[48];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(h),
                  static_cast<unsigned long long>(m), static_cast<unsigned long long>(s));
  } else {
    std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(m),
                  static_cast<unsigned long long>(s));
  }
  return buf;
}

std::string FormatBar(const ProgressState& s, int width) {
  std::string tail =
      "  " + Grouped(s.rows) + " rows  " + Grouped(static_cast<uint64_t>(Rate(s))) + " rows/s";
  int percent = Percent(s);
  if (double eta = Eta(s); eta >= 0) tail += "  ETA " + FormatDuration(eta);
  char pct[8] = "";
  if (percent >= 0) std::snprintf(pct, sizeof pct, " %3d%%", percent);
  tail = pct + tail;
  // A fixed bar width for the terminal (the text after it can grow to ~56 columns), so the
  // bar does not jump as the numbers get longer.
  int cells = std::clamp(width - 60, 10, 40);
  std::string bar = "[";
  if (percent >= 0) {
    int filled = cells * percent / 100;
    bar.append(filled, '#');
    bar.append(cells - filled, ' ');
  } else {
    // Unknown size: a marker that moves with the row count, so the bar shows life.
    int at = static_cast<int>(s.rows / 10000 % cells);
    bar.append(at, ' ');
    bar.push_back('#');
    bar.append(cells - at - 1, ' ');
  }
  bar.push_back(']');
  return bar + tail;
}

std::string FormatLine(const ProgressState& s) {
  std::string line = "progress: " + std::to_string(s.rows) + " rows";
  if (int percent = Percent(s); percent >= 0) line += ", " + std::to_string(percent) + "%";
  line += ", " + std::to_string(static_cast<uint64_t>(Rate(s))) + " rows/s";
  if (double eta = Eta(s); eta >= 0) {
    line += ", ETA " + std::to_string(static_cast<uint64_t>(std::llround(eta))) + "s";
  }
  return line;
}

Progress::Progress(Mode mode, FILE* out, double interval_s, uint64_t total_bytes)
    : mode_(mode),
      out_(out),
      interval_(mode == Mode::kBar ? std::min(interval_s, 0.1) : interval_s),
      total_bytes_(total_bytes),
      start_(Clock::now()),
      last_(start_) {}

ProgressState Progress::State(uint64_t rows, uint64_t bytes) const {
  return {rows, bytes, total_bytes_, std::chrono::duration<double>(Clock::now() - start_).count()};
}

void Progress::Draw(const ProgressState& s) {
  if (mode_ == Mode::kBar) {
    // \33[K clears what a longer previous bar left on the line.
    std::fprintf(out_, "\r%s\33[K", FormatBar(s, TerminalWidth(out_)).c_str());
    bar_shown_ = true;
  } else {
    std::fprintf(out_, "%s\n", FormatLine(s).c_str());
  }
  std::fflush(out_);
}

void Progress::Update(uint64_t rows, uint64_t bytes) {
  if (mode_ == Mode::kNone) return;
  Clock::time_point now = Clock::now();
  if (now - last_ < interval_) return;
  last_ = now;
  Draw(State(rows, bytes));
}

void Progress::Finish(uint64_t rows, uint64_t bytes) {
  if (mode_ == Mode::kNone) return;
  Draw(State(rows, bytes));
  if (mode_ == Mode::kBar) {
    std::fputc('\n', out_);
    bar_shown_ = false;
  }
}

void Progress::Interrupt() {
  if (!bar_shown_) return;
  std::fputs("\r\33[K", out_);
  bar_shown_ = false;
}

}  // namespace kizuna::import
