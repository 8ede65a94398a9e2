#include "daemon/metrics_format.h"

#include <gtest/gtest.h>

#include <set>

namespace hadirector::daemon {
namespace {

using nlohmann::json;

SupervisorFacts two_workers() {
  SupervisorFacts f;
  f.generation = 3;
  f.last_reload_ok = false;
  f.workers = {{"vrrp", true, 0}, {"checker", false, 2}};
  return f;
}

json one_instance_one_server() {
  return json::parse(R"({
    "ok": true,
    "vrrp": {"instances": [{
      "name": "web", "state": "MASTER", "priority": 150, "effective_priority": 140,
      "vrid": 51, "interface": "eth0",
      "counters": {"adverts_sent": 12, "adverts_received": 3, "send_errors": 0,
                   "became_master": 1, "vip_errors": 0,
                   "transitions": {"master_down_timer": 1, "startup": 1}},
      "drops": {"ttl_errors": 4, "auth_failures": 0}}]},
    "virtual_servers": [{
      "name": "web-http", "quorum_ok": true,
      "real_servers": [{
        "address": "198.51.100.11:80", "weight": 5, "configured_weight": 10, "healthy": true,
        "checks": [{"type": "http", "state": "up", "last_latency_ms": 12.5},
                   {"type": "http", "state": "down", "last_latency_ms": null}]}]}],
    "ipvs": "unavailable"
  })");
}

TEST(MetricsFormat, SupervisorFactsOnlyWhenWorkersSayNothing) {
  EXPECT_EQ(format_metrics(json::object(), two_workers()),
            "# HELP hadirector_config_generation Generation of the running configuration; 1 at "
            "start, +1 per accepted reload.\n"
            "# TYPE hadirector_config_generation gauge\n"
            "hadirector_config_generation 3\n"
            "# HELP hadirector_last_reload_success 1 if the last reload was applied by every "
            "worker, 0 if it was rejected or failed.\n"
            "# TYPE hadirector_last_reload_success gauge\n"
            "hadirector_last_reload_success 0\n"
            "# HELP hadirector_worker_up 1 if the worker process is running and ready.\n"
            "# TYPE hadirector_worker_up gauge\n"
            "hadirector_worker_up{worker=\"vrrp\"} 1\n"
            "hadirector_worker_up{worker=\"checker\"} 0\n"
            "# HELP hadirector_worker_restarts_total Times the supervisor restarted the worker.\n"
            "# TYPE hadirector_worker_restarts_total counter\n"
            "hadirector_worker_restarts_total{worker=\"vrrp\"} 0\n"
            "hadirector_worker_restarts_total{worker=\"checker\"} 2\n");
}

TEST(MetricsFormat, VrrpInstanceGivesStatePrioritiesCountersAndDrops) {
  std::string out = format_metrics(one_instance_one_server(), SupervisorFacts{});
  const char* expected =
      "# HELP hadirector_vrrp_state 1 for the VRRP instance's current state, 0 for the other "
      "states.\n"
      "# TYPE hadirector_vrrp_state gauge\n"
      "hadirector_vrrp_state{vrrp_instance=\"web\",state=\"INIT\"} 0\n"
      "hadirector_vrrp_state{vrrp_instance=\"web\",state=\"BACKUP\"} 0\n"
      "hadirector_vrrp_state{vrrp_instance=\"web\",state=\"MASTER\"} 1\n"
      "hadirector_vrrp_state{vrrp_instance=\"web\",state=\"FAULT\"} 0\n"
      "# HELP hadirector_vrrp_priority Configured VRRP priority.\n"
      "# TYPE hadirector_vrrp_priority gauge\n"
      "hadirector_vrrp_priority{vrrp_instance=\"web\"} 150\n"
      "# HELP hadirector_vrrp_effective_priority VRRP priority after tracking adjustments, as "
      "advertised.\n"
      "# TYPE hadirector_vrrp_effective_priority gauge\n"
      "hadirector_vrrp_effective_priority{vrrp_instance=\"web\"} 140\n"
      "# HELP hadirector_vrrp_adverts_sent_total VRRP advertisements sent.\n"
      "# TYPE hadirector_vrrp_adverts_sent_total counter\n"
      "hadirector_vrrp_adverts_sent_total{vrrp_instance=\"web\"} 12\n";
  EXPECT_NE(out.find(expected), std::string::npos) << out;
  EXPECT_NE(
      out.find("# TYPE hadirector_vrrp_transitions_total counter\n"
               "hadirector_vrrp_transitions_total{vrrp_instance=\"web\",reason=\"master_down_"
               "timer\"} 1\n"
               "hadirector_vrrp_transitions_total{vrrp_instance=\"web\",reason=\"startup\"} 1\n"),
      std::string::npos)
      << out;
  EXPECT_NE(
      out.find("# TYPE hadirector_vrrp_drops_total counter\n"
               "hadirector_vrrp_drops_total{vrrp_instance=\"web\",reason=\"auth_failures\"} 0\n"
               "hadirector_vrrp_drops_total{vrrp_instance=\"web\",reason=\"ttl_errors\"} 4\n"),
      std::string::npos)
      << out;
}

TEST(MetricsFormat, RealServersGiveHealthWeightsAndCheckLatencyInSeconds) {
  std::string out = format_metrics(one_instance_one_server(), SupervisorFacts{});
  const std::string rs = "{virtual_server=\"web-http\",real_server=\"198.51.100.11:80\"";
  for (const std::string& line :
       {std::string("hadirector_virtual_server_quorum_ok{virtual_server=\"web-http\"} 1\n"),
        "hadirector_real_server_up" + rs + "} 1\n", "hadirector_real_server_weight" + rs + "} 5\n",
        "hadirector_real_server_configured_weight" + rs + "} 10\n",
        "hadirector_check_up" + rs + ",check=\"http\"} 1\n",
        "hadirector_check_up" + rs + ",check=\"http#2\"} 0\n",
        "hadirector_check_latency_seconds" + rs + ",check=\"http\"} 0.0125\n",
        std::string("# TYPE hadirector_ipvs_available gauge\nhadirector_ipvs_available 0\n")}) {
    EXPECT_NE(out.find(line), std::string::npos) << line << "\nin\n" << out;
  }
  // No latency sample for a check that has not completed.
  EXPECT_EQ(out.find("hadirector_check_latency_seconds" + rs + ",check=\"http#2\"}"),
            std::string::npos);
}

TEST(MetricsFormat, EveryFamilyHasOneHelpAndOneTypeBeforeItsSamples) {
  std::string out = format_metrics(one_instance_one_server(), two_workers());
  std::string family;
  size_t start = 0;
  std::set<std::string> seen;
  while (start < out.size()) {
    size_t nl = out.find('\n', start);
    ASSERT_NE(nl, std::string::npos);
    std::string line = out.substr(start, nl - start);
    start = nl + 1;
    if (line.starts_with("# HELP ")) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(seen.insert(family).second) << "second HELP for " << family;
    } else if (line.starts_with("# TYPE ")) {
      EXPECT_TRUE(line.starts_with("# TYPE " + family + " ")) << line;
      bool counter = line.ends_with(" counter");
      EXPECT_EQ(counter, family.ends_with("_total")) << line;
    } else {
      EXPECT_TRUE(line.starts_with(family + " ") || line.starts_with(family + "{")) << line;
    }
  }
}

TEST(MetricsFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  json status = {{"vrrp", {{"instances", {{{"name", "we\"b\n1"}, {"state", "BACKUP"}}}}}}};
  std::string out = format_metrics(status, SupervisorFacts{});
  EXPECT_NE(out.find("hadirector_vrrp_state{vrrp_instance=\"we\\\"b\\n1\",state=\"BACKUP\"} 1\n"),
            std::string::npos)
      << out;
}

TEST(MetricsFormat, IpvsAvailableIsOneWhenTheCheckerSaysOk) {
  std::string out = format_metrics({{"ipvs", "ok"}}, SupervisorFacts{});
  EXPECT_NE(out.find("\nhadirector_ipvs_available 1\n"), std::string::npos) << out;
}

TEST(MetricsFormat, MalformedSectionsAreSkippedNotFatal) {
  json status = {{"vrrp", "broken"}, {"virtual_servers", {1, "x", {{"real_servers", 7}}}}};
  std::string out = format_metrics(status, SupervisorFacts{});
  EXPECT_EQ(out.find("hadirector_vrrp_"), std::string::npos) << out;
  EXPECT_EQ(out.find("hadirector_real_server_"), std::string::npos) << out;
}

}  // namespace
}  // namespace hadirector::daemon
