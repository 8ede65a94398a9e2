// Reloads that send the workers a delta (config/reload_parser.h) in the real daemon: the
// supervisor re-reads only the changed virtual servers, the workers rebuild the configuration
// from the virtual servers they kept, and what status shows is the new file's, through added,
// removed, changed and reordered virtual servers, a delta on top of a delta, and a worker killed
// in between (restarted with the whole tree, then given deltas again); inside a changed virtual
// server, the unchanged real servers are reused (added, changed, reordered, moved ones); the
// VRRP worker gets a delta without real servers and reads none.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/netns/daemon_harness.h"
#include "tests/netns/netns_fixture.h"

namespace hadirector::testing {
namespace {

using namespace std::chrono_literals;

std::string server(int i, int weight) {
  return "  - name: delta" + std::to_string(i) + "\n    address: 192.0.2." +
         std::to_string(i + 1) + ":80\n    real_servers:\n      - {address: 10.9.0." +
         std::to_string(i + 1) + ":80, weight: " + std::to_string(weight) + "}\n";
}

std::string file(const std::vector<std::pair<int, int>>& servers) {
  std::string out = "version: 1\nglobal: {router_id: delta}\nvirtual_servers:\n";
  for (auto [i, weight] : servers) out += server(i, weight);
  return out;
}

// name -> configured weight of its one real server, from status; `each`: "name address" ->
// that real server's.
std::map<std::string, int> weights(DaemonHarness& d, bool each = false) {
  std::map<std::string, int> out;
  auto s = d.status();
  if (!s.is_object()) return out;
  for (const auto& vs : s.value("virtual_servers", nlohmann::json::array()))
    for (const auto& rs : vs.value("real_servers", nlohmann::json::array()))
      out[vs.value("name", "") + (each ? " " + rs.value("address", "") : "")] =
          rs.value("configured_weight", -1);
  return out;
}

std::map<std::string, int> expected(const std::vector<std::pair<int, int>>& servers) {
  std::map<std::string, int> out;
  for (auto [i, weight] : servers) out["delta" + std::to_string(i)] = weight;
  return out;
}

class ReloadDeltaTest : public ::testing::Test {
 protected:
  // Writes `servers`, reloads, and waits for the generation with every weight in status.
  void reload_to(const std::vector<std::pair<int, int>>& servers, int generation) {
    d_.write_config(file(servers));
    d_.signal(SIGHUP);
    ASSERT_TRUE(d_.wait_log("reload complete: generation " + std::to_string(generation)))
        << d_.log();
    EXPECT_TRUE(eventually([&] { return weights(d_) == expected(servers); }, 5s))
        << d_.status().dump(2);
  }
  size_t count(const std::string& needle) const {
    const std::string log = d_.log();
    size_t n = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    return n;
  }

  DaemonHarness d_{"version: 1\n"};
};

TEST_F(ReloadDeltaTest, WorkersRebuildEachReloadFromTheChangeAlone) {
  HD_SKIP_UNLESS_ROOT();
  std::vector<std::pair<int, int>> servers = {{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}};
  d_.write_config(file(servers));
  d_.set_private_network(false);
  d_.start();
  ASSERT_TRUE(d_.wait_notify("READY=1")) << d_.log();
  ASSERT_TRUE(eventually([&] { return weights(d_) == expected(servers); }, 5s));

  // A weight changed, one server added in the middle (moving the lines below), one removed.
  servers = {{0, 1}, {1, 1}, {2, 7}, {6, 4}, {3, 1}, {5, 1}};
  reload_to(servers, 2);
  EXPECT_EQ(count("runs reused"), 1u) << d_.log();

  // A delta on top of a delta: reordered, another weight changed.
  servers = {{5, 1}, {0, 9}, {1, 1}, {2, 7}, {6, 4}, {3, 1}};
  reload_to(servers, 3);
  EXPECT_EQ(count("runs reused"), 2u);

  // A restarted checker gets the whole tree (built from the kept text), then deltas again.
  ::kill(d_.worker_pid("checker"), SIGKILL);
  ASSERT_TRUE(eventually([&] { return d_.worker_restarts("checker") == 1; }));
  ASSERT_TRUE(eventually([&] { return weights(d_) == expected(servers); }, 10s))
      << d_.status().dump(2);
  servers = {{5, 2}, {0, 9}, {1, 1}, {2, 7}, {6, 4}, {3, 1}};
  reload_to(servers, 4);
  EXPECT_EQ(count("runs reused"), 3u);
  // Both workers took each reload as a delta; the restarted checker too, after its full tree.
  EXPECT_EQ(count("decoded from a delta"), 6u) << d_.log();

  EXPECT_EQ(count("does not hold"), 0u) << d_.log();
  EXPECT_EQ(count("no longer parses"), 0u);
  EXPECT_EQ(count("reload generation"), 0u);  // what a worker's failure to apply logs
}

TEST_F(ReloadDeltaTest, ABadEditKeepsTheRunningConfigurationAndTheNextDeltaWorks) {
  HD_SKIP_UNLESS_ROOT();
  std::vector<std::pair<int, int>> servers = {{0, 1}, {1, 1}, {2, 1}};
  d_.write_config(file(servers));
  d_.set_private_network(false);
  d_.start();
  ASSERT_TRUE(d_.wait_notify("READY=1")) << d_.log();

  std::string bad = file(servers);
  bad.replace(bad.find("weight: 1}", bad.find("delta1")), 10, "weight: 70000}");
  d_.write_config(bad);
  auto rejected = d_.ctl({"reload"});
  EXPECT_NE(rejected.exit_code, 0);
  // The error names the line of delta1's real server: 4 lines per server after 3 of header.
  EXPECT_NE((rejected.out + rejected.err).find("hadirector.yaml:11:"), std::string::npos)
      << rejected.out << rejected.err;
  EXPECT_TRUE(weights(d_) == expected(servers));

  servers = {{0, 3}, {1, 1}, {2, 1}};
  reload_to(servers, 2);
  EXPECT_EQ(count("runs reused"), 1u) << d_.log();
  EXPECT_EQ(count("decoded from a delta"), 2u) << d_.log();
}

// Virtual servers of several real servers: `servers[i]` lists virtual server i's as
// (address suffix, weight).
using Wide = std::vector<std::vector<std::pair<int, int>>>;

std::string wide_file(const Wide& servers) {
  std::string out = "version: 1\nglobal: {router_id: delta}\nvirtual_servers:\n";
  for (size_t i = 0; i < servers.size(); ++i) {
    out += "  - name: wide" + std::to_string(i) + "\n    address: 192.0.2." +
           std::to_string(i + 1) + ":80\n    real_servers:\n";
    for (auto [rs, weight] : servers[i])
      out += "      - {address: 10.9." + std::to_string(i) + "." + std::to_string(rs) +
             ":80, weight: " + std::to_string(weight) + "}\n";
  }
  return out;
}

// What weights(d, true) should show for `servers`.
std::map<std::string, int> wide_expected(const Wide& servers) {
  std::map<std::string, int> out;
  for (size_t i = 0; i < servers.size(); ++i)
    for (auto [rs, weight] : servers[i])
      out["wide" + std::to_string(i) + " 10.9." + std::to_string(i) + "." + std::to_string(rs) +
          ":80"] = weight;
  return out;
}

TEST_F(ReloadDeltaTest, UnchangedRealServersOfAChangedServerAreReused) {
  HD_SKIP_UNLESS_ROOT();
  Wide servers = {{{1, 1}, {2, 1}, {3, 1}}, {{1, 1}, {2, 1}, {3, 1}}, {{1, 1}, {2, 1}}};
  d_.write_config(wide_file(servers));
  d_.set_private_network(false);
  d_.start();
  ASSERT_TRUE(d_.wait_notify("READY=1")) << d_.log();
  ASSERT_TRUE(eventually([&] { return weights(d_, true) == wide_expected(servers); }, 5s))
      << d_.status().dump(2);
  const auto reload = [&](int generation) {
    d_.write_config(wide_file(servers));
    d_.signal(SIGHUP);
    ASSERT_TRUE(d_.wait_log("reload complete: generation " + std::to_string(generation)))
        << d_.log();
    EXPECT_TRUE(eventually([&] { return weights(d_, true) == wide_expected(servers); }, 5s))
        << d_.status().dump(2);
  };
  servers[1][1].second = 7;  // the middle one of wide1
  reload(2);
  // A delta on top: wide0 reordered with one added, wide1 back to 1 and one removed.
  servers[0] = {{3, 1}, {4, 2}, {1, 1}, {2, 1}};
  servers[1] = {{1, 1}, {2, 1}};
  reload(3);
  // Generation 2: wide0 and wide2 whole, wide1's first and last real servers (two runs);
  // generation 3: wide0's three kept ones (two runs), wide1's first (one), wide2 whole.
  EXPECT_EQ(count("(4 runs reused)"), 2u) << d_.log();
  EXPECT_EQ(count("decoded from a delta"), 4u) << d_.log();
  EXPECT_EQ(count("does not hold"), 0u) << d_.log();
  EXPECT_EQ(count("reload generation"), 0u);
}

// The size of the tree `worker` logged for `generation` ("... in X ms (N bytes)"); 0: none.
size_t tree_bytes(const std::string& log, const std::string& worker, int generation) {
  const std::string line =
      "worker " + worker + ": generation " + std::to_string(generation) + " decoded from a delta";
  const size_t at = log.find(line);
  const size_t open = at == std::string::npos ? at : log.find(" ms (", at);
  return open == std::string::npos ? 0 : std::stoul(log.substr(open + 5));
}

TEST_F(ReloadDeltaTest, TheVrrpWorkerGetsTheDeltaWithoutRealServers) {
  HD_SKIP_UNLESS_ROOT();
  // fwmark 5 twice, IPv4 and IPv6 (the family is the first real server's): two services, which
  // a worker reading no real servers must still tell apart, or it refuses the reload.
  const auto text = [](int weight) {
    std::string out = wide_file({{{1, 1}, {2, 1}, {3, 1}}, {{1, 1}, {2, weight}, {3, 1}}});
    const std::pair<const char*, const char*> families[] = {
        {"10.9.5.1:80", "10.9.5.2:80"}, {"'[2001:db8::1]:80'", "'[2001:db8::2]:80'"}};
    for (auto [i, family] = std::pair(0, families); i < 2; ++i)
      out += "  - name: mark" + std::to_string(i) + "\n    fwmark: 5\n    real_servers:\n" +
             "      - {address: " + family[i].first + ", weight: " + std::to_string(weight) +
             "}\n      - {address: " + family[i].second + "}\n";
    return out;
  };
  d_.write_config(text(1));
  d_.set_private_network(false);
  d_.start();
  ASSERT_TRUE(d_.wait_notify("READY=1")) << d_.log();
  d_.write_config(text(4));
  d_.signal(SIGHUP);
  ASSERT_TRUE(d_.wait_log("reload complete: generation 2")) << d_.log();
  // Both fwmark services took the new weight of their first real server.
  EXPECT_TRUE(eventually(
      [&] {
        int changed = 0;
        for (const auto& [key, weight] : weights(d_, true))
          changed += key.starts_with("mark") && weight == 4;
        return changed == 2;
      },
      5s))
      << d_.status().dump(2);
  const size_t checker = tree_bytes(d_.log(), "checker", 2), vrrp = tree_bytes(d_.log(), "vrrp", 2);
  EXPECT_GT(checker, 0u) << d_.log();
  EXPECT_GT(vrrp, 0u) << d_.log();
  EXPECT_LT(vrrp, checker);  // the changed servers' real servers cut to their first
  EXPECT_EQ(count("rejected by worker"), 0u) << d_.log();
  EXPECT_EQ(count("does not hold"), 0u) << d_.log();
}

}  // namespace
}  // namespace hadirector::testing
