// GET /api/stats: the STATS figures as one JSON object (same keys as the STATS reply), plus
// what the dashboard draws: score histograms, revenue by score band and daily series.
#ifndef KIZUNA_SERVER_HTTP_STATS_JSON_H_
#define KIZUNA_SERVER_HTTP_STATS_JSON_H_

#include <string>

namespace kizuna::server {

class Server;

std::string BuildStatsJson(Server& server);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_HTTP_STATS_JSON_H_
