// GET /metrics: the server's figures in the Prometheus text exposition format (version 0.0.4).
#ifndef KIZUNA_SERVER_HTTP_METRICS_H_
#define KIZUNA_SERVER_HTTP_METRICS_H_

#include <string>

namespace kizuna::server {

class Server;

std::string BuildMetrics(Server& server);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_HTTP_METRICS_H_
