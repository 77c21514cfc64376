// GET /: the dashboard, one self-contained page (no external scripts or fonts) that draws its
// charts as SVG from /api/stats and refreshes itself.
#ifndef KIZUNA_SERVER_HTTP_DASHBOARD_PAGE_H_
#define KIZUNA_SERVER_HTTP_DASHBOARD_PAGE_H_

#include <string_view>

namespace kizuna::server {

std::string_view DashboardPage();

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_HTTP_DASHBOARD_PAGE_H_
