// /metrics from the checker's live IPVS counters: one sample per service of a virtual server
// (a group has several) and per destination, counters as _total, rates as gauges; services the
// kernel does not hold ("programmed": false) give no samples.
#include <gtest/gtest.h>

#include "daemon/metrics_format.h"

namespace hadirector::daemon {
namespace {

using nlohmann::json;

json status_with_counters() {
  return json::parse(R"({
    "virtual_servers": [{
      "name": "web", "quorum_ok": true, "real_servers": [],
      "services": [
        {"name": "TCP 192.0.2.1:80", "programmed": true,
         "stats": {"connections": 7, "in_packets": 70, "out_packets": 60, "in_bytes": 7000,
                   "out_bytes": 9000, "connection_rate": 2, "in_byte_rate": 300,
                   "out_byte_rate": 400},
         "destinations": [{"address": "10.0.0.2:8080", "weight": 1, "active_connections": 3,
                           "inactive_connections": 4,
                           "stats": {"connections": 5, "in_bytes": 500}}]},
        {"name": "FWM 5", "programmed": false}]}]
  })");
}

TEST(MetricsIpvsCounters, ServiceAndDestinationCountersCarryTheirLabels) {
  const std::string text = format_metrics(status_with_counters(), {});
  const std::string svc = R"({virtual_server="web",service="TCP 192.0.2.1:80"})";
  const std::string dst =
      R"({virtual_server="web",service="TCP 192.0.2.1:80",real_server="10.0.0.2:8080"})";
  for (const std::string& line :
       {"hadirector_ipvs_service_connections_total" + svc + " 7",
        "hadirector_ipvs_service_in_packets_total" + svc + " 70",
        "hadirector_ipvs_service_out_bytes_total" + svc + " 9000",
        "hadirector_ipvs_service_connections_per_second" + svc + " 2",
        "hadirector_ipvs_destination_connections_total" + dst + " 5",
        "hadirector_ipvs_destination_in_bytes_total" + dst + " 500",
        "hadirector_ipvs_destination_active_connections" + dst + " 3",
        "hadirector_ipvs_destination_inactive_connections" + dst + " 4",
        std::string("# TYPE hadirector_ipvs_service_connections_total counter"),
        std::string("# TYPE hadirector_ipvs_service_in_bytes_per_second gauge")})
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
  EXPECT_EQ(text.find("FWM 5"), std::string::npos);
}

TEST(MetricsIpvsCounters, MalformedServicesAreSkipped) {
  json status = json::parse(R"({"virtual_servers": [{"name": "w", "services": [
      3, {"name": "x", "stats": "no"}, {"destinations": {"a": 1}}]}]})");
  EXPECT_EQ(format_metrics(status, {}).find("hadirector_ipvs_service_"), std::string::npos);
}

}  // namespace
}  // namespace hadirector::daemon
