// CheckerEngine with follow_instance and virtual-server groups, on a manual clock with the fake
// IPVS table: services programmed only while the followed VRRP instance is MASTER, removed when
// it leaves MASTER (also when a restarted daemon never programmed them), left alone until the
// VRRP worker has reported, and a group's members sharing one set of verdicts.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "daemon/checker_engine.h"
#include "daemon/core/manual_scheduler.h"
#include "tests/fakes/fake_ipvs_client.h"
#include "tests/unit/checkers/fake_checker.h"

namespace hadirector::daemon {
namespace {

using namespace std::chrono_literals;

config::VirtualServer server(const std::string& name, const char* address) {
  config::VirtualServer vs;
  vs.name = name;
  vs.address = *config::Endpoint::from_string(address);
  vs.family = AF_INET;
  config::RealServer rs;
  rs.address = *config::Endpoint::from_string("198.51.100.11", /*port_optional=*/true);
  rs.weight = 3;  // no checks: always up
  vs.real_servers.push_back(rs);
  return vs;
}

class CheckerFollowTest : public ::testing::Test {
 protected:
  CheckerFollowTest() {
    char tmpl[] = "/tmp/hd-follow-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    config_.global.state_dir = dir_;
    config::VirtualServer followed = server("web", "192.0.2.1:80");
    followed.follow_instance = "front";
    config_.virtual_servers.push_back(followed);
    config_.virtual_servers.push_back(server("always", "192.0.2.9:53"));
  }
  ~CheckerFollowTest() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  void start() {
    CheckerEngineDeps deps{
        sched_,
        [this](const config::CheckSpec& spec, const checkers::CheckTarget& target)
            -> core::Result<std::unique_ptr<checkers::Checker>> {
          return std::make_unique<checkers::FakeChecker>(
              sched_, std::make_shared<checkers::FakeProbeLog>(), spec.type + target.to_string());
        },
        [this]() -> core::Result<std::unique_ptr<ipvs::IpvsClient>> {
          auto client = std::make_unique<testing::FakeIpvsClient>();
          kernel_ = client.get();
          for (const auto& s : preexisting_) (void)client->add_service(s);
          return std::unique_ptr<ipvs::IpvsClient>(std::move(client));
        },
        [](nlohmann::json) {}, [](const std::string&, nlohmann::json) {}};
    engine_ = std::make_unique<CheckerEngine>(std::move(deps));
    ASSERT_TRUE(engine_->configure(config_));
  }

  std::vector<std::string> services() {
    std::vector<std::string> out;
    auto list = kernel_->list_services();
    for (const auto& s : *list) {
      out.push_back(s.service.name());
      auto dests = kernel_->list_destinations(s.service);
      for (const auto& d : *dests)
        out.push_back("  " + d.destination.name() + "@" + std::to_string(d.destination.weight));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  void vrrp(const char* state) { engine_->on_vrrp_states({{"front", state}}); }

  core::ManualScheduler sched_;
  std::string dir_;
  config::Config config_;
  std::vector<ipvs::Service> preexisting_;
  testing::FakeIpvsClient* kernel_ = nullptr;
  std::unique_ptr<CheckerEngine> engine_;
};

TEST_F(CheckerFollowTest, NothingFollowedIsProgrammedBeforeTheInstanceIsMaster) {
  start();
  EXPECT_EQ(services(), (std::vector<std::string>{"  198.51.100.11:53@3", "TCP 192.0.2.9:53"}));
  auto status = engine_->status()["virtual_servers"];
  EXPECT_TRUE(status[0]["wanted_in_ipvs"].is_null());
  EXPECT_EQ(status[0]["follow_instance"], "front");
  EXPECT_EQ(status[1]["wanted_in_ipvs"], true);
  for (const auto& line : services()) EXPECT_EQ(line.find("192.0.2.1:80"), std::string::npos);
  vrrp("BACKUP");
  for (const auto& line : services()) EXPECT_EQ(line.find("192.0.2.1:80"), std::string::npos);
  EXPECT_EQ(engine_->status()["virtual_servers"][0]["wanted_in_ipvs"], false);
}

TEST_F(CheckerFollowTest, BecomingMasterProgramsAndLeavingMasterRemoves) {
  start();
  vrrp("BACKUP");
  vrrp("MASTER");
  EXPECT_EQ(services(), (std::vector<std::string>{"  198.51.100.11:53@3", "  198.51.100.11:80@3",
                                                  "TCP 192.0.2.1:80", "TCP 192.0.2.9:53"}));
  EXPECT_EQ(engine_->status()["virtual_servers"][0]["wanted_in_ipvs"], true);
  vrrp("FAULT");
  EXPECT_EQ(services(), (std::vector<std::string>{"  198.51.100.11:53@3", "TCP 192.0.2.9:53"}));
  vrrp("MASTER");
  EXPECT_EQ(services().size(), 4u);
  vrrp("BACKUP");
  EXPECT_EQ(services().size(), 2u);
}

TEST_F(CheckerFollowTest, RestartedAsBackupRemovesTheServiceItFindsInTheKernel) {
  ipvs::Service left;
  left.address = *ipvs::IpAddress::parse("192.0.2.1");
  left.port = 80;
  preexisting_.push_back(left);
  start();
  // Not known yet: the kernel keeps what it has (a restart as MASTER must not cause a gap).
  EXPECT_EQ(services().size(), 3u);
  vrrp("BACKUP");
  EXPECT_EQ(services(), (std::vector<std::string>{"  198.51.100.11:53@3", "TCP 192.0.2.9:53"}));
}

TEST_F(CheckerFollowTest, OtherInstancesDoNotMoveTheService) {
  start();
  vrrp("MASTER");
  engine_->on_vrrp_states({{"front", "MASTER"}, {"other", "BACKUP"}});
  EXPECT_EQ(services().size(), 4u);
}

TEST_F(CheckerFollowTest, GroupMembersShareRealServersAndFollowTogether) {
  config_.virtual_servers[0].more_addresses = {*config::Endpoint::from_string("192.0.2.2:8080")};
  config_.virtual_servers[0].more_fwmarks = {7};
  start();
  vrrp("MASTER");
  EXPECT_EQ(services(), (std::vector<std::string>{"  198.51.100.11:0@3", "  198.51.100.11:53@3",
                                                  "  198.51.100.11:8080@3", "  198.51.100.11:80@3",
                                                  "FWM 7", "TCP 192.0.2.1:80", "TCP 192.0.2.2:8080",
                                                  "TCP 192.0.2.9:53"}));
  const auto listed = engine_->status()["virtual_servers"][0]["services"];
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0]["name"], "TCP 192.0.2.1:80");
  EXPECT_EQ(listed[1]["name"], "TCP 192.0.2.2:8080");
  EXPECT_EQ(listed[2]["name"], "FWM 7");
  EXPECT_EQ(listed[1]["programmed"], true);
  EXPECT_EQ(listed[1]["destinations"][0]["address"], "198.51.100.11:8080");
  EXPECT_EQ(listed[1]["destinations"][0]["weight"], 3);
  vrrp("BACKUP");
  EXPECT_EQ(services(), (std::vector<std::string>{"  198.51.100.11:53@3", "TCP 192.0.2.9:53"}));
  EXPECT_EQ(engine_->status()["virtual_servers"][0]["services"][0]["programmed"], false);
}

}  // namespace
}  // namespace hadirector::daemon
