// The supervisor with the real binaries: readiness, worker restart, reload (valid and broken),
// watchdog withheld for a hung worker, graceful stop. No root needed: these touch no network.
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <regex>

#include "tests/netns/daemon_harness.h"

namespace hadirector::testing {
namespace {

using namespace std::chrono_literals;

const char kConfig[] = R"(version: 1
global:
  router_id: test-lb1
vrrp:
  instances:
    - name: web
      interface: lo
      vrid: 51
      priority: 150
      advert_interval: 100ms
      virtual_addresses: [192.0.2.100/32]
virtual_servers:
  - name: web-http
    address: 192.0.2.100:80
    protocol: tcp
    real_servers:
      - address: 198.51.100.11:80
)";

std::string with_second_server(const std::string& base) {
  return base + "      - address: 198.51.100.12:80\n";
}

class SupervisorTest : public ::testing::Test {
 protected:
  void start() {
    daemon_.start();
    ASSERT_TRUE(daemon_.wait_notify("READY=1")) << daemon_.log();
  }
  DaemonHarness daemon_{kConfig};
};

TEST_F(SupervisorTest, ReportsReadyToSystemdOnceEveryWorkerIsReady) {
  start();
  auto s = daemon_.status();
  ASSERT_TRUE(s.is_object()) << daemon_.log();
  EXPECT_EQ(s["generation"], 1);
  EXPECT_EQ(s["ready"], true);
  std::vector<std::string> names;
  for (const auto& p : s["processes"]) {
    names.push_back(p["name"]);
    EXPECT_GT(p["pid"].get<int>(), 0);
    EXPECT_EQ(p["restarts"], 0);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"supervisor", "vrrp", "checker"}));
  EXPECT_EQ(s["vrrp"]["instances"][0]["name"], "web");
  EXPECT_EQ(s["virtual_servers"][0]["name"], "web-http");
  EXPECT_TRUE(s["sync"].contains("role"));
}

TEST_F(SupervisorTest, RestartsAWorkerKilledWithSigkill) {
  start();
  // Forked at start, both took generation 1 from the supervisor's parse, not from a tree.
  for (const char* kind : {"vrrp", "checker"})
    EXPECT_NE(daemon_.log().find(std::string("worker ") + kind +
                                 ": generation 1 taken from the supervisor's parse"),
              std::string::npos)
        << daemon_.log();
  pid_t old_pid = daemon_.worker_pid("checker");
  ASSERT_GT(old_pid, 0);
  ::kill(old_pid, SIGKILL);
  ASSERT_TRUE(daemon_.wait_log("worker checker killed by signal KILL; restarting in 100 ms"))
      << daemon_.log();
  ASSERT_TRUE(eventually([&] { return daemon_.worker_restarts("checker") == 1; }));
  pid_t new_pid = daemon_.worker_pid("checker");
  EXPECT_GT(new_pid, 0);
  EXPECT_NE(new_pid, old_pid);
  EXPECT_EQ(daemon_.worker_restarts("vrrp"), 0);
  EXPECT_TRUE(daemon_.wait_log("worker checker ready again"));
  // The supervisor no longer holds the instances: a restart gets the tree over the channel.
  EXPECT_NE(daemon_.log().find("worker checker: generation 1 decoded in"), std::string::npos)
      << daemon_.log();
}

TEST_F(SupervisorTest, BrokenConfigOnSighupKeepsTheRunningConfiguration) {
  start();
  pid_t vrrp = daemon_.worker_pid("vrrp"), checker = daemon_.worker_pid("checker");
  daemon_.write_config("version: 1\nvrrp:\n  instances:\n    - name: web\n      prioirty: 3\n");
  daemon_.signal(SIGHUP);
  ASSERT_TRUE(daemon_.wait_log("reload rejected")) << daemon_.log();
  // Every error is logged with its position.
  EXPECT_NE(daemon_.log().find(daemon_.config_path() + ":5:7: unknown key 'prioirty'"),
            std::string::npos)
      << daemon_.log();
  auto s = daemon_.status();
  EXPECT_EQ(s["generation"], 1);
  EXPECT_EQ(daemon_.worker_pid("vrrp"), vrrp);
  EXPECT_EQ(daemon_.worker_pid("checker"), checker);
  EXPECT_EQ(s["vrrp"]["instances"][0]["name"], "web");
}

TEST_F(SupervisorTest, ValidConfigOnSighupBumpsGenerationWithoutRestartingWorkers) {
  start();
  pid_t vrrp = daemon_.worker_pid("vrrp"), checker = daemon_.worker_pid("checker");
  daemon_.write_config(with_second_server(kConfig));
  daemon_.signal(SIGHUP);
  ASSERT_TRUE(daemon_.wait_notify("RELOADING=1")) << daemon_.log();
  EXPECT_NE(daemon_.notifications().back().find("MONOTONIC_USEC="), std::string::npos);
  ASSERT_TRUE(daemon_.wait_notify("READY=1"));
  ASSERT_TRUE(daemon_.wait_log("reload complete: generation 2")) << daemon_.log();
  auto s = daemon_.status();
  EXPECT_EQ(s["generation"], 2);
  EXPECT_EQ(s["virtual_servers"][0]["real_servers"].size(), 2u);
  EXPECT_EQ(daemon_.worker_pid("vrrp"), vrrp);
  EXPECT_EQ(daemon_.worker_pid("checker"), checker);
}

TEST_F(SupervisorTest, CtlReloadReportsGenerationOrTheErrors) {
  start();
  daemon_.write_config(with_second_server(kConfig));
  auto ok = daemon_.ctl({"reload"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("generation 2"), std::string::npos) << ok.out;

  daemon_.write_config("version: 2\n");
  auto bad = daemon_.ctl({"reload"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("reload rejected"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find(daemon_.config_path() + ":1:10:"), std::string::npos) << bad.err;
  EXPECT_EQ(daemon_.status()["generation"], 2);
}

TEST_F(SupervisorTest, WithholdsWatchdogWhileAWorkerIsHung) {
  daemon_.add_env("WATCHDOG_USEC=400000");
  start();
  ASSERT_TRUE(daemon_.wait_notify("WATCHDOG=1", 2s));
  pid_t vrrp = daemon_.worker_pid("vrrp");
  ASSERT_GT(vrrp, 0);
  ::kill(vrrp, SIGSTOP);
  ASSERT_TRUE(daemon_.wait_log("worker vrrp has not answered heartbeats")) << daemon_.log();
  // Drain what was sent before the supervisor noticed, then expect silence.
  while (daemon_.next_notify(50ms)) {
  }
  bool pinged = false;
  auto until = std::chrono::steady_clock::now() + 1500ms;
  while (std::chrono::steady_clock::now() < until) {
    auto note = daemon_.next_notify(100ms);
    if (note && note->find("WATCHDOG=1") != std::string::npos) pinged = true;
  }
  EXPECT_FALSE(pinged) << "watchdog pinged while the vrrp worker was stopped";
  ::kill(vrrp, SIGCONT);
  EXPECT_TRUE(daemon_.wait_notify("WATCHDOG=1", 3s)) << daemon_.log();
}

TEST_F(SupervisorTest, SigtermStopsEverythingWithinTwoSeconds) {
  start();
  pid_t vrrp = daemon_.worker_pid("vrrp"), checker = daemon_.worker_pid("checker");
  auto begin = std::chrono::steady_clock::now();
  daemon_.signal(SIGTERM);
  auto code = daemon_.wait_exit(2s);
  ASSERT_TRUE(code.has_value()) << "still running 2 s after SIGTERM\n" << daemon_.log();
  EXPECT_EQ(*code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
  EXPECT_FALSE(process_exists(vrrp));
  EXPECT_FALSE(process_exists(checker));
  EXPECT_TRUE(daemon_.wait_notify("STOPPING=1", 100ms));
  struct stat st;
  EXPECT_NE(::stat(daemon_.socket_path().c_str(), &st), 0) << "control socket left behind";
  EXPECT_NE(::stat((daemon_.runtime_dir() + "/hadirectord.pid").c_str(), &st), 0);
}

TEST_F(SupervisorTest, RefusesASecondDaemonOnTheSameRuntimeDir) {
  start();
  DaemonHarness second{kConfig};
  auto r = run_command({binary_path("hadirectord"), "-f", daemon_.config_path(), "--runtime-dir",
                        daemon_.runtime_dir()},
                       5s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("another hadirectord (pid " + std::to_string(daemon_.pid()) + ")"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(daemon_.status()["generation"], 1);  // the first one is unharmed
}

// Without virtual servers (nor a sync section) the checker worker is not started: status
// lists it as not needed (not as down), drain says why, readiness does not wait for it. A
// reload adding a virtual server starts it, and the reload completes once it checks that
// server; a reload removing them all stops it again, without counting a restart.
TEST(SupervisorWorkers, CheckerRunsOnlyWhileVirtualServersNeedIt) {
  const std::string full = kConfig;
  const std::string vrrp_only = full.substr(0, full.find("virtual_servers:"));
  // A TCP check on loopback's discard port, closed here: the checker's verdict is "down".
  const std::string checked = vrrp_only +
                              "virtual_servers:\n  - name: web-http\n    address: 192.0.2.100:80\n"
                              "    real_servers:\n      - address: 127.0.0.1:9\n"
                              "        checks: [{type: tcp, interval: 200ms, timeout: 100ms,"
                              " fall: 1}]\n";
  DaemonHarness d{vrrp_only};
  d.start();
  ASSERT_TRUE(d.wait_notify("READY=1")) << d.log();
  auto checker_entry = [&] {
    const nlohmann::json status = d.status();
    for (const auto& p : status["processes"])
      if (p["name"] == "checker") return p;
    return nlohmann::json();
  };
  auto s = d.status();
  EXPECT_EQ(s["ready"], true);
  std::vector<std::string> names;
  for (const auto& p : s["processes"]) names.push_back(p["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"supervisor", "vrrp", "checker"}));
  nlohmann::json idle = checker_entry();
  EXPECT_EQ(idle["running"], false);
  EXPECT_EQ(idle["needed"], false);
  EXPECT_EQ(idle["pid"], 0);
  EXPECT_EQ(idle["restarts"], 0);
  EXPECT_NE(idle.value("reason", "").find("no virtual servers"), std::string::npos) << idle;
  EXPECT_EQ(s["virtual_servers"], nlohmann::json::array());
  EXPECT_FALSE(s.contains("unanswered")) << s.dump();
  EXPECT_EQ(d.log().find("worker checker started"), std::string::npos) << d.log();
  // The text status says idle and why, not down.
  auto text = d.ctl({"status"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(std::regex_search(text.out, std::regex(R"(\nchecker +idle .*no virtual servers)")))
      << text.out;
  auto drained = d.ctl({"drain", "web-http", "198.51.100.11:80"});
  EXPECT_NE(drained.exit_code, 0);
  EXPECT_NE((drained.out + drained.err).find("no virtual servers"), std::string::npos)
      << drained.out << drained.err;

  d.write_config(checked);
  auto added = d.ctl({"reload"});
  ASSERT_EQ(added.exit_code, 0) << added.out << added.err << d.log();
  EXPECT_TRUE(d.wait_log("the configuration needs the checker worker: starting it")) << d.log();
  // The reload completed once the new checker applied generation 2.
  nlohmann::json started = checker_entry();
  EXPECT_EQ(started["running"], true) << started;
  EXPECT_EQ(started["ready"], true) << started;
  EXPECT_EQ(started["needed"], true) << started;
  const pid_t checker = started.value("pid", 0);
  ASSERT_GT(checker, 0);
  ASSERT_TRUE(eventually([&] {
    auto v = d.status()["virtual_servers"];
    return v.size() == 1 && v[0]["real_servers"][0].value("state", "") == "down";
  }))
      << d.status().dump() << d.log();

  d.write_config(vrrp_only);
  ASSERT_EQ(d.ctl({"reload"}).exit_code, 0) << d.log();
  EXPECT_TRUE(d.wait_log("the configuration leaves the checker worker nothing to do")) << d.log();
  ASSERT_TRUE(eventually([&] { return checker_entry().value("needed", true) == false; }))
      << d.status().dump();
  EXPECT_TRUE(eventually([&] { return ::kill(checker, 0) != 0; })) << "checker still alive";
  EXPECT_EQ(checker_entry()["restarts"], 0);
  EXPECT_EQ(d.log().find("worker checker killed"), std::string::npos) << d.log();
  s = d.status();
  EXPECT_EQ(s["ready"], true);
  EXPECT_EQ(s["generation"], 3);
  EXPECT_EQ(s["virtual_servers"], nlohmann::json::array());
}

}  // namespace
}  // namespace hadirector::testing
