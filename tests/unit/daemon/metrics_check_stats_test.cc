// Check latency histograms: bucketing, cumulative counts, results by reason, the reason cap,
// and the exposition of a virtual server's check_stats as a Prometheus histogram.
#include "daemon/metrics_check_stats.h"

#include <gtest/gtest.h>

#include "daemon/metrics_format.h"

namespace hadirector::daemon {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(CheckStats, SamplesLandInTheFirstBucketTheyFitAndCountsAreCumulative) {
  CheckStats stats;
  stats.record("http", "ok", microseconds(800));              // <= 1 ms
  stats.record("http", "ok", milliseconds(1));                // <= 1 ms (bounds are inclusive)
  stats.record("http", "timeout", milliseconds(30));          // <= 50 ms
  stats.record("http", "timeout", std::chrono::seconds(20));  // only +Inf
  auto j = stats.to_json()["http"];
  EXPECT_EQ(j["count"], 4);
  EXPECT_EQ(j["buckets"][0], 2);   // le 0.001
  EXPECT_EQ(j["buckets"][4], 2);   // le 0.025
  EXPECT_EQ(j["buckets"][5], 3);   // le 0.05
  EXPECT_EQ(j["buckets"][12], 3);  // le 10: the 20 s run is above every bound
  EXPECT_NEAR(j["sum_s"].get<double>(), 20.0318, 1e-9);
  EXPECT_EQ(j["results"]["ok"], 2);
  EXPECT_EQ(j["results"]["timeout"], 2);
}

TEST(CheckStats, ReasonsAreCappedSoABadCheckerCannotGrowTheSeries) {
  CheckStats stats;
  for (int i = 0; i < 100; ++i) stats.record("exec", "exit-" + std::to_string(i), milliseconds(1));
  auto results = stats.to_json()["exec"]["results"];
  EXPECT_EQ(results.size(), 65u);  // 64 distinct reasons and "other"
  EXPECT_EQ(results["other"], 36);
}

TEST(CheckStats, MetricsShowAHistogramPerVirtualServerAndType) {
  CheckStats stats;
  stats.record("tcp", "ok", milliseconds(3));
  stats.record("tcp", "connect-refused", milliseconds(300));
  nlohmann::json status = {{"virtual_servers",
                            {{{"name", "web"},
                              {"real_servers", nlohmann::json::array()},
                              {"check_stats", stats.to_json()}}}}};
  const std::string out = format_metrics(status, SupervisorFacts{});
  const std::string l = "{virtual_server=\"web\",check=\"tcp\"";
  EXPECT_NE(out.find("# TYPE hadirector_check_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(out.find("hadirector_check_duration_seconds_bucket" + l + ",le=\"0.005\"} 1\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("hadirector_check_duration_seconds_bucket" + l + ",le=\"0.25\"} 1\n"),
            std::string::npos);
  EXPECT_NE(out.find("hadirector_check_duration_seconds_bucket" + l + ",le=\"0.5\"} 2\n"),
            std::string::npos);
  EXPECT_NE(out.find("hadirector_check_duration_seconds_bucket" + l + ",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(out.find("hadirector_check_duration_seconds_count" + l + "} 2\n"), std::string::npos);
  EXPECT_NE(out.find("hadirector_check_results_total" + l + ",reason=\"connect-refused\"} 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace hadirector::daemon
