// The metrics library: values, the exposition text, and counting from several threads.

#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "metrics/text_writer.h"

namespace emarchive::metrics {
namespace {

TEST(TextWriterTest, EscapesLabelValuesAndHelpAsTheFormatRequires) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\nd"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_help("one\\two\nthree \"quoted\""), "one\\\\two\\nthree \"quoted\"");
  TextWriter out;
  out.family("emarchive_x", "gauge", "X");
  out.sample("emarchive_x", {{"job", "Nightly \"ERP\""}, {"vm", "a\\b"}}, 1);
  EXPECT_EQ(out.text(),
            "# HELP emarchive_x X\n# TYPE emarchive_x gauge\n"
            "emarchive_x{job=\"Nightly \\\"ERP\\\"\",vm=\"a\\\\b\"} 1\n");
}

TEST(TextWriterTest, WritesIntegersExactlyAndSpecialValuesAsPrometheusSpellsThem) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(1764687600), "1764687600");  // a timestamp, not 1.7646876e+09
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(RegistryTest, RendersFamiliesInRegistrationOrderWithTheirChildren) {
  Registry registry;
  auto& requests = registry.counter("emarchive_requests_total", "Requests", {"code"});
  auto& open = registry.gauge("emarchive_open", "Open");
  registry.add_collector([](TextWriter& out) {
    out.family("emarchive_collected", "gauge", "Collected");
    out.sample("emarchive_collected", {}, 7);
  });
  requests.with({"200"}).inc();
  requests.with({"200"}).inc(2);
  requests.with({"404"}).inc();
  open.with({}).set(3);
  open.with({}).add(-1);
  EXPECT_EQ(registry.render(),
            "# HELP emarchive_requests_total Requests\n# TYPE emarchive_requests_total counter\n"
            "emarchive_requests_total{code=\"200\"} 3\nemarchive_requests_total{code=\"404\"} 1\n"
            "# HELP emarchive_open Open\n# TYPE emarchive_open gauge\nemarchive_open 2\n"
            "# HELP emarchive_collected Collected\n# TYPE emarchive_collected gauge\n"
            "emarchive_collected 7\n");
}

TEST(RegistryTest, HistogramsHaveCumulativeBucketsAnInfBucketASumAndACount) {
  Registry registry;
  auto& latency = registry.histogram("emarchive_seconds", "Latency", {0.1, 1}, {"route"});
  auto& query = latency.with({"query"});
  query.observe(0.05);
  query.observe(0.1);  // on a bound: counted in that bucket (le = less or equal)
  query.observe(0.5);
  query.observe(3);
  EXPECT_EQ(registry.render(),
            "# HELP emarchive_seconds Latency\n# TYPE emarchive_seconds histogram\n"
            "emarchive_seconds_bucket{route=\"query\",le=\"0.1\"} 2\n"
            "emarchive_seconds_bucket{route=\"query\",le=\"1\"} 3\n"
            "emarchive_seconds_bucket{route=\"query\",le=\"+Inf\"} 4\n"
            "emarchive_seconds_sum{route=\"query\"} 3.65\n"
            "emarchive_seconds_count{route=\"query\"} 4\n");
}

TEST(RegistryTest, CountsFromSeveralThreadsAtOnceLoseNothing) {
  Registry registry;
  auto& counter = registry.counter("emarchive_total", "Total").with({});
  auto& histogram = registry.histogram("emarchive_h", "H", latency_buckets()).with({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.inc();
        histogram.observe(0.002);
      }
    });
  }
  // Rendering meanwhile is safe, and each render is consistent (_count equals +Inf).
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(registry.render().empty());
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 40000);
  EXPECT_EQ(histogram.cumulative_counts().back(), 40000u);
  EXPECT_NEAR(histogram.sum(), 80, 1e-6);
}

}  // namespace
}  // namespace emarchive::metrics
