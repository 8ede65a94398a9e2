// CheckerEngine on a manual clock with fake checkers and the fake IPVS table: health to IPVS,
// events, reload without flapping, drains, VRRP health relay, IPVS unavailable, drift repair.
#include "daemon/checker_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "daemon/core/manual_scheduler.h"
#include "tests/fakes/fake_ipvs_client.h"
#include "tests/unit/checkers/fake_checker.h"

namespace hadirector::daemon {
namespace {

using namespace std::chrono_literals;
using checkers::ProbeResult;

config::Config make_config(const std::string& state_dir, int weight = 10) {
  config::Config c;
  c.global.state_dir = state_dir;
  config::VirtualServer vs;
  vs.name = "web";
  vs.address = *config::Endpoint::from_string("192.0.2.1:80");
  for (const char* addr : {"198.51.100.11:80", "198.51.100.12:80"}) {
    config::RealServer rs;
    rs.address = *config::Endpoint::from_string(addr);
    rs.weight = weight;
    config::CheckSpec check;
    check.type = "tcp";
    check.interval = 1s;
    check.timeout = 500ms;
    check.rise = 1;
    check.fall = 1;
    rs.checks.push_back(check);
    vs.real_servers.push_back(rs);
  }
  c.virtual_servers.push_back(vs);
  return c;
}

// make_config() plus a second virtual server "api" (192.0.2.2:80) with its own two real
// servers, each with a tcp check of rise `rise`.
config::Config make_two(const std::string& state_dir, int web_weight, int api_weight,
                        int rise = 1) {
  config::Config c = make_config(state_dir, web_weight);
  config::VirtualServer api = c.virtual_servers[0];
  api.name = "api";
  api.address = *config::Endpoint::from_string("192.0.2.2:80");
  api.real_servers[0].address = *config::Endpoint::from_string("198.51.100.21:80");
  api.real_servers[1].address = *config::Endpoint::from_string("198.51.100.22:80");
  c.virtual_servers.push_back(api);
  for (auto& vs : c.virtual_servers)
    for (auto& rs : vs.real_servers) {
      if (vs.name == "api") rs.weight = api_weight;
      rs.checks[0].rise = rise;
    }
  return c;
}

class CheckerEngineTest : public ::testing::Test {
 protected:
  CheckerEngineTest() {
    char tmpl[] = "/tmp/hd-engine-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~CheckerEngineTest() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<CheckerEngine> make_engine() {
    CheckerEngineDeps deps{
        sched_,
        [this](const config::CheckSpec& spec, const checkers::CheckTarget& target)
            -> core::Result<std::unique_ptr<checkers::Checker>> {
          auto& log = logs_[target.to_string()];
          if (!log) log = std::make_shared<checkers::FakeProbeLog>();
          return std::make_unique<checkers::FakeChecker>(sched_, log,
                                                         spec.type + " " + target.to_string());
        },
        [this]() -> core::Result<std::unique_ptr<ipvs::IpvsClient>> {
          if (!ipvs_present_) return core::fail(core::Errc::kUnsupported, "no IPVS family");
          auto client = std::make_unique<testing::FakeIpvsClient>();
          kernel_ = client.get();
          return std::unique_ptr<ipvs::IpvsClient>(std::move(client));
        },
        [this](nlohmann::json e) { events_.push_back(std::move(e)); },
        [this](const std::string& to, nlohmann::json p) {
          relays_.push_back({{to, p}});
        }};
    return std::make_unique<CheckerEngine>(std::move(deps));
  }

  void start(int weight = 10) {
    engine_ = make_engine();
    ASSERT_TRUE(engine_->configure(make_config(dir_, weight)));
  }
  void answer(const std::string& target, ProbeResult result) {
    auto& log = logs_[target];
    if (!log) log = std::make_shared<checkers::FakeProbeLog>();
    log->auto_result = std::move(result);
    log->auto_delay = 10ms;
  }
  void all_up() {
    answer("198.51.100.11:80", ProbeResult::success());
    answer("198.51.100.12:80", ProbeResult::success());
  }
  std::vector<std::string> kernel_dests(const char* vip = "192.0.2.1") {
    std::vector<std::string> out;
    ipvs::Service key;
    key.address = *ipvs::IpAddress::parse(vip);
    key.port = 80;
    auto dests = kernel_->list_destinations(key);
    for (const auto& d : *dests)
      out.push_back(d.destination.name() + "@" + std::to_string(d.destination.weight));
    std::sort(out.begin(), out.end());
    return out;
  }
  nlohmann::json rs_status(int i, int vs = 0) {
    return engine_->status()["virtual_servers"][vs]["real_servers"][i];
  }
  uint64_t checks_recorded(int vs) {
    return engine_->status()["virtual_servers"][vs]["check_stats"]["tcp"]["count"].get<uint64_t>();
  }
  void all_up_two() {
    all_up();
    answer("198.51.100.21:80", ProbeResult::success());
    answer("198.51.100.22:80", ProbeResult::success());
  }

  core::ManualScheduler sched_;
  std::string dir_;
  std::map<std::string, std::shared_ptr<checkers::FakeProbeLog>> logs_;
  bool ipvs_present_ = true;
  testing::FakeIpvsClient* kernel_ = nullptr;
  std::vector<nlohmann::json> events_, relays_;
  std::unique_ptr<CheckerEngine> engine_;
};

TEST_F(CheckerEngineTest, HealthyServersAreProgrammedIntoIpvs) {
  all_up();
  start();
  EXPECT_TRUE(kernel_dests().empty());
  sched_.advance(2s);
  EXPECT_EQ(kernel_dests(),
            (std::vector<std::string>{"198.51.100.11:80@10", "198.51.100.12:80@10"}));
  auto rs = rs_status(0);
  EXPECT_EQ(rs["state"], "up");
  EXPECT_EQ(rs["healthy"], true);
  EXPECT_EQ(rs["weight"], 10);
  EXPECT_EQ(rs["configured_weight"], 10);
  EXPECT_EQ(rs["checks"][0]["type"], "tcp");
  EXPECT_EQ(rs["checks"][0]["last_reason"], "ok");
  EXPECT_EQ(engine_->status()["ipvs"], "ok");
  EXPECT_EQ(engine_->status()["virtual_servers"][0]["quorum_ok"], true);
}

TEST_F(CheckerEngineTest, FailedServerLeavesIpvsWithAnEvent) {
  all_up();
  start();
  sched_.advance(2s);
  events_.clear();
  answer("198.51.100.12:80", ProbeResult::failure("connect-refused", "ECONNREFUSED"));
  sched_.advance(2s);
  EXPECT_EQ(kernel_dests(), (std::vector<std::string>{"198.51.100.11:80@10"}));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0]["kind"], "real_server");
  EXPECT_EQ(events_[0]["virtual_server"], "web");
  EXPECT_EQ(events_[0]["real_server"], "198.51.100.12:80");
  EXPECT_EQ(events_[0]["check"], "tcp");
  EXPECT_EQ(events_[0]["from"], "up");
  EXPECT_EQ(events_[0]["to"], "down");
  EXPECT_EQ(events_[0]["reason"], "connect-refused");
  EXPECT_EQ(events_[0]["detail"], "ECONNREFUSED");
  EXPECT_TRUE(events_[0]["time"].is_string());
}

TEST_F(CheckerEngineTest, ReloadWithNewWeightEditsWithoutFlapping) {
  all_up();
  start(10);
  sched_.advance(2s);
  events_.clear();
  kernel_->clear_log();
  const int starts = logs_["198.51.100.11:80"]->starts;
  ASSERT_TRUE(engine_->reconfigure(make_config(dir_, 20)));
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(rs_status(0)["state"], "up");
  EXPECT_EQ(logs_["198.51.100.11:80"]->starts, starts);  // no new probe from scratch
  EXPECT_EQ(kernel_dests(),
            (std::vector<std::string>{"198.51.100.11:80@20", "198.51.100.12:80@20"}));
  for (const auto& line : kernel_->log()) EXPECT_EQ(line.find("delete"), std::string::npos) << line;
}

TEST_F(CheckerEngineTest, DrainSetsWeightZeroAndSurvivesARestart) {
  all_up();
  start();
  sched_.advance(2s);
  auto reply = engine_->command(
      {{"cmd", "drain"}, {"virtual_server", "web"}, {"real_server", "198.51.100.11:80"}});
  EXPECT_EQ(reply["ok"], true);
  EXPECT_EQ(reply["message"], "drained 198.51.100.11:80 in web");
  EXPECT_EQ(rs_status(0)["state"], "draining");
  EXPECT_EQ(kernel_dests()[0], "198.51.100.11:80@0");
  ASSERT_TRUE(std::filesystem::exists(dir_ + "/drains.json"));

  start();  // a new worker reads the drains back
  sched_.advance(2s);
  EXPECT_EQ(rs_status(0)["state"], "draining");
  reply = engine_->command(
      {{"cmd", "enable"}, {"virtual_server", "web"}, {"real_server", "198.51.100.11"}});
  EXPECT_EQ(reply["ok"], true);
  EXPECT_EQ(rs_status(0)["state"], "up");
  EXPECT_EQ(kernel_dests()[0], "198.51.100.11:80@10");
}

TEST_F(CheckerEngineTest, CommandsNameUnknownObjects) {
  start();
  auto reply =
      engine_->command({{"cmd", "drain"}, {"virtual_server", "nope"}, {"real_server", "x"}});
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(reply["error"], "no virtual server named 'nope'");
  reply = engine_->command(
      {{"cmd", "drain"}, {"virtual_server", "web"}, {"real_server", "203.0.113.1:80"}});
  EXPECT_EQ(reply["error"], "virtual server 'web' has no real server '203.0.113.1:80'");
}

TEST_F(CheckerEngineTest, QuorumChangesAreRelayedToVrrp) {
  all_up();
  start();
  sched_.advance(2s);
  ASSERT_FALSE(relays_.empty());
  EXPECT_EQ(relays_.back()["vrrp"]["virtual_server_health"]["web"], true);
  answer("198.51.100.11:80", ProbeResult::failure("timeout"));
  answer("198.51.100.12:80", ProbeResult::failure("timeout"));
  sched_.advance(2s);
  EXPECT_EQ(relays_.back()["vrrp"]["virtual_server_health"]["web"], false);
  EXPECT_EQ(engine_->status()["virtual_servers"][0]["quorum_ok"], false);
}

TEST_F(CheckerEngineTest, WithoutIpvsChecksRunAndOpeningIsRetried) {
  ipvs_present_ = false;
  all_up();
  start();
  sched_.advance(2s);
  EXPECT_EQ(engine_->status()["ipvs"], "unavailable");
  EXPECT_EQ(rs_status(0)["state"], "up");
  ipvs_present_ = true;
  sched_.advance(30s);
  EXPECT_EQ(engine_->status()["ipvs"], "ok");
  EXPECT_EQ(kernel_dests().size(), 2u);
}

TEST_F(CheckerEngineTest, DriftCheckRepairsAnOutsideDeletion) {
  all_up();
  start();
  sched_.advance(2s);
  ipvs::Service key;
  key.address = *ipvs::IpAddress::parse("192.0.2.1");
  key.port = 80;
  ipvs::Destination d;
  d.address = *ipvs::IpAddress::parse("198.51.100.11");
  d.port = 80;
  ASSERT_TRUE(kernel_->delete_destination(key, d));
  sched_.advance(30s);
  EXPECT_EQ(kernel_dests().size(), 2u);
}

TEST_F(CheckerEngineTest, ReloadKeepsTheRuntimeOfAnUnchangedVirtualServer) {
  all_up_two();
  engine_ = make_engine();
  ASSERT_TRUE(engine_->configure(make_two(dir_, 10, 10)));
  sched_.advance(3s);
  const uint64_t web_checks = checks_recorded(0), api_checks = checks_recorded(1);
  ASSERT_GT(web_checks, 0u);
  ASSERT_GT(api_checks, 0u);
  kernel_->clear_log();
  events_.clear();
  ASSERT_TRUE(engine_->reconfigure(make_two(dir_, 10, 20)));
  // Only api's two edits reached the kernel, and nothing was read back for them.
  std::vector<std::string> table_ops;
  for (const auto& line : kernel_->log())
    if (line.find("_service") != std::string::npos ||
        line.find("_destination") != std::string::npos)
      table_ops.push_back(line);
  EXPECT_EQ(table_ops,
            (std::vector<std::string>{"edit_destination TCP 192.0.2.2:80 198.51.100.21:80",
                                      "edit_destination TCP 192.0.2.2:80 198.51.100.22:80"}));
  // web's runtime was moved over (its check statistics go on); api's was rebuilt.
  EXPECT_EQ(checks_recorded(0), web_checks);
  EXPECT_EQ(engine_->status()["virtual_servers"][1]["check_stats"].size(), 0u);
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(kernel_dests("192.0.2.2"),
            (std::vector<std::string>{"198.51.100.21:80@20", "198.51.100.22:80@20"}));
  EXPECT_EQ(kernel_dests(),
            (std::vector<std::string>{"198.51.100.11:80@10", "198.51.100.12:80@10"}));
  sched_.advance(2s);
  EXPECT_GT(checks_recorded(0), web_checks);
}

TEST_F(CheckerEngineTest, CheckStateSurvivesAReloadWithoutRisingAgain) {
  all_up_two();
  answer("198.51.100.12:80", ProbeResult::failure("connect-refused"));
  answer("198.51.100.22:80", ProbeResult::failure("connect-refused"));
  engine_ = make_engine();
  ASSERT_TRUE(engine_->configure(make_two(dir_, 10, 10, /*rise=*/3)));
  sched_.advance(5s);
  ASSERT_EQ(rs_status(0, 0)["state"], "up");
  ASSERT_EQ(rs_status(1, 0)["state"], "down");
  ASSERT_EQ(rs_status(0, 1)["state"], "up");
  events_.clear();
  kernel_->clear_log();
  // api changes (rebuilt), web does not (kept): in both, up stays up and down stays down.
  ASSERT_TRUE(engine_->reconfigure(make_two(dir_, 10, 30, /*rise=*/3)));
  EXPECT_TRUE(events_.empty());
  for (int vs : {0, 1}) {
    EXPECT_EQ(rs_status(0, vs)["state"], "up") << vs;
    EXPECT_EQ(rs_status(1, vs)["state"], "down") << vs;
    EXPECT_EQ(rs_status(0, vs)["checks"][0]["last_reason"], "ok") << vs;
  }
  EXPECT_EQ(kernel_dests(), (std::vector<std::string>{"198.51.100.11:80@10"}));
  EXPECT_EQ(kernel_dests("192.0.2.2"), (std::vector<std::string>{"198.51.100.21:80@30"}));
  for (const auto& line : kernel_->log()) EXPECT_EQ(line.find("delete"), std::string::npos) << line;
  // The down ones need their full rise of 3 successes (1 s apart) after the reload too.
  answer("198.51.100.12:80", ProbeResult::success());
  answer("198.51.100.22:80", ProbeResult::success());
  sched_.advance(1500ms);
  EXPECT_EQ(rs_status(1, 0)["state"], "down");
  EXPECT_EQ(rs_status(1, 1)["state"], "down");
  sched_.advance(4s);
  EXPECT_EQ(rs_status(1, 0)["state"], "up");
  EXPECT_EQ(rs_status(1, 1)["state"], "up");
}

TEST_F(CheckerEngineTest, RemovedVirtualServerLeavesIpvsAndStopsItsChecks) {
  all_up_two();
  engine_ = make_engine();
  ASSERT_TRUE(engine_->configure(make_two(dir_, 10, 10)));
  sched_.advance(2s);
  ASSERT_EQ(kernel_dests("192.0.2.2").size(), 2u);
  const int web_starts = logs_["198.51.100.11:80"]->starts;
  ASSERT_TRUE(engine_->reconfigure(make_config(dir_, 10)));
  auto services = kernel_->list_services();
  ASSERT_TRUE(services);
  ASSERT_EQ(services->size(), 1u);
  EXPECT_EQ(services->front().service.name(), "TCP 192.0.2.1:80");
  EXPECT_EQ(kernel_dests().size(), 2u);
  const int api_starts = logs_["198.51.100.21:80"]->starts;
  sched_.advance(3s);
  EXPECT_EQ(logs_["198.51.100.21:80"]->starts, api_starts);  // its checks stopped
  EXPECT_GT(logs_["198.51.100.11:80"]->starts, web_starts);
  EXPECT_EQ(engine_->status()["virtual_servers"].size(), 1u);
}

TEST_F(CheckerEngineTest, PendingVerdictOfAKeptVirtualServerSurvivesAReload) {
  all_up_two();
  engine_ = make_engine();
  ASSERT_TRUE(engine_->configure(make_two(dir_, 10, 10)));
  sched_.advance(2s);
  answer("198.51.100.12:80", ProbeResult::failure("connect-refused"));
  // Stop right after the result arrives, before the engine's batch evaluates it.
  for (int i = 0; i < 2000 && rs_status(1)["checks"][0]["last_reason"] == "ok"; ++i)
    sched_.advance(1ms);
  ASSERT_EQ(rs_status(1)["checks"][0]["last_reason"], "connect-refused");
  ASSERT_EQ(kernel_dests().size(), 2u);                       // not evaluated yet
  ASSERT_TRUE(engine_->reconfigure(make_two(dir_, 10, 20)));  // web kept
  sched_.advance(100ms);
  // Later results repeat this one and mark nothing: only the pending verdict removes it.
  EXPECT_EQ(kernel_dests(), (std::vector<std::string>{"198.51.100.11:80@10"}));
  EXPECT_EQ(rs_status(1)["state"], "down");
}

}  // namespace
}  // namespace hadirector::daemon
