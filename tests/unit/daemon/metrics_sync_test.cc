// /metrics from the checker's "sync" section: the sync daemons' role as a state set, the sync
// monitor's per-peer figures (messages, connections, decode errors, sync id, last heard as Unix
// time) and decode errors by reason; the whole body passes `promtool check metrics`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "daemon/metrics_format.h"

namespace hadirector::daemon {
namespace {

using nlohmann::json;

json status_with_sync() {
  return json::parse(R"({
    "virtual_servers": [],
    "sync": {"role": "backup", "interface": "eth1", "sync_id": 7, "daemons": [],
             "monitor": {"listening": true,
                         "errors": {"version_mismatch": 2, "truncated": 1},
                         "peers": {
                           "192.0.2.1": {"messages": 40, "connections": 310, "errors": 3,
                                         "sync_id": 7, "last_seen": "2026-11-22T22:30:47Z"},
                           "192.0.2.9": {"messages": 0, "connections": 0, "errors": 1,
                                         "sync_id": -1, "last_seen": "garbage"}}}}
  })");
}

TEST(MetricsSync, RoleAndPeerFiguresCarryTheirLabels) {
  const std::string text = format_metrics(status_with_sync(), {});
  const std::string a = R"({peer="192.0.2.1"})";
  const std::string b = R"({peer="192.0.2.9"})";
  for (const std::string& line :
       {std::string("hadirector_sync_role{role=\"backup\"} 1"),
        std::string("hadirector_sync_role{role=\"master\"} 0"),
        std::string("hadirector_sync_role{role=\"none\"} 0"),
        "hadirector_sync_messages_received_total" + a + " 40",
        "hadirector_sync_connections_received_total" + a + " 310",
        "hadirector_sync_receive_errors_total" + a + " 3",
        "hadirector_sync_receive_errors_total" + b + " 1",
        "hadirector_sync_peer_sync_id" + a + " 7", "hadirector_sync_peer_sync_id" + b + " -1",
        "hadirector_sync_last_seen_timestamp_seconds" + a + " 1795386647",
        std::string("hadirector_sync_decode_errors_total{reason=\"version_mismatch\"} 2"),
        std::string("hadirector_sync_decode_errors_total{reason=\"truncated\"} 1"),
        std::string("hadirector_sync_monitor_listening 1"),
        std::string("# TYPE hadirector_sync_messages_received_total counter"),
        std::string("# TYPE hadirector_sync_role gauge")})
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
  // A malformed timestamp gives no sample rather than a wrong one.
  EXPECT_EQ(text.find("hadirector_sync_last_seen_timestamp_seconds" + b), std::string::npos);
}

TEST(MetricsSync, NoSyncSectionGivesNoSyncFamilies) {
  EXPECT_EQ(format_metrics(json::object(), {}).find("hadirector_sync_"), std::string::npos);
  json status = json::parse(R"({"sync": {"role": "none", "monitor": {"peers": [1, 2]}}})");
  const std::string text = format_metrics(status, {});
  EXPECT_NE(text.find("hadirector_sync_role{role=\"none\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("hadirector_sync_messages_received_total"), std::string::npos);
}

TEST(MetricsSync, PromtoolAcceptsTheBody) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  SupervisorFacts facts;
  facts.generation = 1;
  facts.workers = {{"checker", true, 0}};
  const std::string file = "/tmp/metrics_sync_test." + std::to_string(::getpid()) + ".txt";
  std::ofstream(file) << format_metrics(status_with_sync(), facts);
  FILE* p = ::popen(("promtool check metrics < " + file + " 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  std::remove(file.c_str());
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace hadirector::daemon
