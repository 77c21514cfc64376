#include "server/monitor_format.h"

#include <cstdio>

namespace kizuna::server {

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '"':
        *out += "\\\"";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\a':
        *out += "\\a";
        break;
      case '\b':
        *out += "\\b";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out->push_back(static_cast<char>(c));
        } else {
          char buf[5];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          *out += buf;
        }
    }
  }
  out->push_back('"');
}

std::string FormatMonitorLine(int64_t now_ms, std::string_view client_addr,
                              std::span<const std::string_view> args) {
  char stamp[48];
  std::snprintf(stamp, sizeof(stamp), "+%lld.%06lld [0 ", static_cast<long long>(now_ms / 1000),
                static_cast<long long>((now_ms % 1000) * 1000));
  std::string line = stamp;
  line += client_addr.empty() ? std::string_view("lua") : client_addr;
  line += "]";
  for (std::string_view a : args) {
    line.push_back(' ');
    AppendQuoted(&line, a);
  }
  line += "\r\n";
  return line;
}

}  // namespace kizuna::server
