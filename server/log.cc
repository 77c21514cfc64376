#include "server/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace kizuna::server {
namespace {

LogLevel g_level = LogLevel::kNotice;
FILE* g_file = nullptr;  // nullptr: stderr

}  // namespace

bool ParseLogLevel(std::string_view name, LogLevel* level) {
  if (name == "debug")
    *level = LogLevel::kDebug;
  else if (name == "verbose")
    *level = LogLevel::kVerbose;
  else if (name == "notice")
    *level = LogLevel::kNotice;
  else if (name == "warning")
    *level = LogLevel::kWarning;
  else
    return false;
  return true;
}

void SetLogLevel(LogLevel level) { g_level = level; }

bool SetLogFile(const std::string& path) {
  if (path.empty()) {
    if (g_file) std::fclose(g_file);
    g_file = nullptr;
    return true;
  }
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return false;
  if (g_file) std::fclose(g_file);
  g_file = f;
  return true;
}

bool LogEnabled(LogLevel level) { return level >= g_level; }

void LogLine(LogLevel level, std::string_view message) {
  static constexpr char kMarks[] = {'.', '-', '*', '#'};
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm tm_utc;
  gmtime_r(&tv.tv_sec, &tm_utc);
  char stamp[64];
  size_t n = std::strftime(stamp, sizeof(stamp), "%d %b %Y %H:%M:%S", &tm_utc);
  FILE* out = g_file ? g_file : stderr;
  std::fprintf(out, "%d:M %.*s.%03d %c %.*s\n", static_cast<int>(getpid()), static_cast<int>(n),
               stamp, static_cast<int>(tv.tv_usec / 1000), kMarks[static_cast<int>(level)],
               static_cast<int>(message.size()), message.data());
  std::fflush(out);
}

}  // namespace kizuna::server
