// HTTP requests counted by class of path, so that /metrics stays small whatever clients ask.

#include "api/http_metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace emarchive::api {
namespace {

struct RouteCase {
  std::string name;
  std::string target;
  std::string route;
};

class RouteClassTest : public ::testing::TestWithParam<RouteCase> {};

TEST_P(RouteClassTest, ClassifiesTheTarget) {
  EXPECT_EQ(route_class(GetParam().target), GetParam().route) << GetParam().target;
}

INSTANTIATE_TEST_SUITE_P(
    Targets, RouteClassTest,
    ::testing::Values(
        RouteCase{"EntryPoint", "/api/", "entry_point"},
        RouteCase{"EntryPointNoSlash", "/api", "entry_point"},
        RouteCase{"Logon", "/api/sessionMngr/?v=latest", "logon"},
        RouteCase{"LogonRepeatedSlashes", "/api//SessionMngr/", "logon"},
        RouteCase{"LogonSession", "/api/logonSessions/{id}", "logon_sessions"},
        RouteCase{"Query", "/api/query?type=BackupJobSession&filter=Result==Failed", "query"},
        RouteCase{"QuerySvc", "/api/querySvc", "query"},
        RouteCase{"Reports", "/api/reports/summary/overview", "reports"},
        RouteCase{"Collection", "/api/backupSessions?format=Entity", "collection"},
        RouteCase{"Record", "/api/Jobs/1e4d7a90-c3b5-4e28-9f61-a0d85b2c7e34", "record"},
        RouteCase{"Children", "/api/backupSessions/9f3c2a71/taskSessions", "children"},
        RouteCase{"AbsoluteForm", "http://archive:9399/api/jobs", "collection"},
        RouteCase{"Metrics", "/metrics", "metrics"},
        RouteCase{"AsOf", "/asof/2026-01-01/api/jobs", "asof"},
        RouteCase{"Dashboard", "/", "dashboard"},
        RouteCase{"DashboardPage", "/dashboard/jobs/x", "dashboard"},
        RouteCase{"Malformed", "-", "other"}),
    [](const ::testing::TestParamInfo<RouteCase>& info) { return info.param.name; });

TEST(HttpMetricsTest, CountsRequestsByMethodRouteAndCodeAndLogonFailures) {
  metrics::Registry registry;
  HttpMetrics metrics(registry);
  metrics.observe("GET", "/api/jobs/1", 200, 0.002);
  metrics.observe("GET", "/api/jobs/2", 200, 0.003);
  metrics.observe("POST", "/api/sessionMngr/?v=latest", 401, 0.2);
  metrics.observe("BREW", "/api/", 405, 0.001);
  metrics.observe("GET", "/api/", 418, 0.001);  // a status outside the table still counts
  const std::string text = registry.render();
  EXPECT_NE(
      text.find("emarchive_http_requests_total{method=\"GET\",route=\"record\",code=\"200\"} 2\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("emarchive_http_requests_total{method=\"POST\",route=\"logon\",code=\"401\"} 1\n"),
      std::string::npos);
  EXPECT_NE(text.find("{method=\"other\",route=\"entry_point\",code=\"405\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("{method=\"GET\",route=\"entry_point\",code=\"418\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("emarchive_http_logon_failures_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("emarchive_http_request_duration_seconds_count{route=\"record\"} 2\n"),
            std::string::npos);
  // The path itself never becomes a label.
  EXPECT_EQ(text.find("jobs/1"), std::string::npos);
}

}  // namespace
}  // namespace emarchive::api
