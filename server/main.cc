// kizuna-server: parses flags and the config file, then runs the server until shutdown.
#include <csignal>
#include <cstdio>
#include <string>

#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
  kizuna::server::Config config;
  bool help = false, version = false;
  std::string error;
  if (!kizuna::server::ParseCommandLine(argc, argv, config, &help, &version, &error)) {
    std::fprintf(stderr, "kizuna-server: %s\n", error.c_str());
    return 1;
  }
  if (help) {
    std::fputs(kizuna::server::UsageText().c_str(), stdout);
    return 0;
  }
  if (version) {
    std::printf("kizuna-server %.*s\n", static_cast<int>(kizuna::server::Server::kVersion.size()),
                kizuna::server::Server::kVersion.data());
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  kizuna::server::Server server(std::move(config));
  return server.Run();
}
