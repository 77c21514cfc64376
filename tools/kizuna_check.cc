// kizuna-check: verifies snapshot and log files offline; --fix truncates a torn or corrupt
// tail of the newest log (after asking, or with --yes).
//
//   kizuna-check <dir or file> [--fix] [--yes]
//
// Exit code: 0 all files ok, 1 a problem remains, 2 usage error.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "store/persistence/check.h"

using kizuna::store::FileReport;

namespace {

int Usage() {
  std::fputs(
      "Usage: kizuna-check <dir or file> [--fix] [--yes]\n"
      "Verifies kizuna snapshot (.ksnap) and log (.klog) files record by record.\n"
      "  --fix   truncate a torn or corrupt tail of the newest log (asks first)\n"
      "  --yes   do not ask\n",
      stderr);
  return 2;
}

void Print(const FileReport& r) {
  std::printf("%s: %llu records ok, %llu bytes, %s", r.path.c_str(),
              static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.size),
              kizuna::store::StateName(r.state));
  if (r.state != FileReport::State::kOk) {
    std::printf(" at offset %llu (%s)", static_cast<unsigned long long>(r.bad_offset),
                r.message.c_str());
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string target;
  bool fix = false, yes = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--fix")
      fix = true;
    else if (a == "--yes" || a == "-y")
      yes = true;
    else if (a == "--help" || a == "-h")
      return Usage(), 0;
    else if (target.empty())
      target = a;
    else
      return Usage();
  }
  if (target.empty()) return Usage();
  std::vector<FileReport> reports = std::filesystem::is_directory(target)
                                        ? kizuna::store::CheckDirectory(target)
                                        : std::vector<FileReport>{kizuna::store::CheckFile(target)};
  if (reports.empty()) std::printf("%s: no snapshot or log files\n", target.c_str());
  bool bad = false;
  for (const FileReport& r : reports) {
    Print(r);
    bad |= r.state != FileReport::State::kOk;
  }
  if (!bad) return 0;
  const FileReport& last = reports.back();
  bool last_is_log = last.path.ends_with(".klog");
  for (size_t i = 0; i + 1 < reports.size(); ++i) {
    if (reports[i].state != FileReport::State::kOk) {
      std::printf("%s is damaged and is not the newest log: restore it from a backup.\n",
                  reports[i].path.c_str());
      return 1;
    }
  }
  if (!fix) {
    std::printf("Run with --fix to truncate %s at offset %llu.\n", last.path.c_str(),
                static_cast<unsigned long long>(last.bad_offset));
    return 1;
  }
  if (!last_is_log || last.state == FileReport::State::kUnreadable) {
    std::printf("Only the newest log can be repaired; %s needs a backup.\n", last.path.c_str());
    return 1;
  }
  if (!yes) {
    std::printf(
        "Truncate %s from %llu to %llu bytes, dropping everything after offset %llu? "
        "[y/N] ",
        last.path.c_str(), static_cast<unsigned long long>(last.size),
        static_cast<unsigned long long>(last.bad_offset),
        static_cast<unsigned long long>(last.bad_offset));
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::printf("Nothing changed.\n");
      return 1;
    }
  }
  std::string error;
  if (!kizuna::store::TruncateFile(last.path, last.bad_offset, &error)) {
    std::printf("Truncating %s failed: %s\n", last.path.c_str(), error.c_str());
    return 1;
  }
  std::printf("Truncated %s to %llu bytes (%llu records kept).\n", last.path.c_str(),
              static_cast<unsigned long long>(last.bad_offset),
              static_cast<unsigned long long>(last.records));
  return 0;
}
