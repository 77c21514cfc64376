// The line a MONITOR client receives for each executed command, as Redis writes it:
//   +1700000000.123456 [0 127.0.0.1:51234] "event" "c1" "view"
#ifndef KIZUNA_SERVER_MONITOR_FORMAT_H_
#define KIZUNA_SERVER_MONITOR_FORMAT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kizuna::server {

std::string FormatMonitorLine(int64_t now_ms, std::string_view client_addr,
                              std::span<const std::string_view> args);

// Appends `s` quoted and escaped as Redis's sdscatrepr: "a\r\n\x00".
void AppendQuoted(std::string* out, std::string_view s);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_MONITOR_FORMAT_H_
