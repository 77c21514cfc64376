// Server log: Redis-style lines, "pid:M 22 Nov 2026 23:00:00.123 * message", to stderr or a
// file. Levels as redis.conf: debug (.), verbose (-), notice (*), warning (#).
//
// The log is process-wide (like stderr itself); it is configured once at start-up and on
// CONFIG SET loglevel, from the event-loop thread.
#ifndef KIZUNA_SERVER_LOG_H_
#define KIZUNA_SERVER_LOG_H_

#include <string>
#include <string_view>

#include "store/strings.h"

namespace kizuna::server {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// Parses "debug|verbose|notice|warning"; false if unknown.
bool ParseLogLevel(std::string_view name, LogLevel* level);

void SetLogLevel(LogLevel level);
// "" logs to stderr. Returns false (and keeps the old target) if the file cannot be opened.
bool SetLogFile(const std::string& path);
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, const Args&... args) {
  if (LogEnabled(level)) LogLine(level, StrCat(args...));
}
template <typename... Args>
void LogNotice(const Args&... args) {
  Log(LogLevel::kNotice, args...);
}
template <typename... Args>
void LogWarning(const Args&... args) {
  Log(LogLevel::kWarning, args...);
}
template <typename... Args>
void LogVerbose(const Args&... args) {
  Log(LogLevel::kVerbose, args...);
}

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_LOG_H_
