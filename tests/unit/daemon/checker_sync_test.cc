// Connection sync in the checker worker: CheckerSync against the fake IPVS table (sysctls in a
// scratch directory, status, errors not fatal) and CheckerEngine following relayed VRRP states.
#include "daemon/checker_sync.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "daemon/checker_engine.h"
#include "daemon/core/manual_scheduler.h"
#include "tests/fakes/fake_ipvs_client.h"

namespace hadirector::daemon {
namespace {

using namespace std::chrono_literals;

config::SyncConfig follow_web() {
  config::SyncConfig c;
  c.interface = "eth1";
  c.sync_id = 5;
  c.follow_instance = "web";
  return c;
}

std::vector<std::string> states(testing::FakeIpvsClient& kernel) {
  std::vector<std::string> out;
  const auto daemons = kernel.list_sync_daemons();
  for (const auto& d : *daemons)
    out.push_back(std::string(ipvs::sync_state_name(d.state)) + "/" + std::to_string(d.sync_id));
  return out;
}

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/hd-sync-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string read(const std::string& name) const {
    std::ifstream in(path_ + "/" + name);
    std::string line;
    std::getline(in, line);
    return line;
  }

 private:
  std::string path_;
};

TEST(CheckerSync, StartsBackupUntilTheInstanceIsMasterThenSwitches) {
  ScratchDir dir;
  core::ManualScheduler sched;
  testing::FakeIpvsClient kernel;
  CheckerSync sync(sched, dir.path());
  sync.configure(follow_web());
  sync.attach(kernel);
  EXPECT_EQ(states(kernel), std::vector<std::string>{"backup/5"});
  EXPECT_EQ(sync.status()["role"], "backup");
  sync.on_vrrp_states({{"web", "MASTER"}, {"db", "BACKUP"}});
  EXPECT_EQ(states(kernel), std::vector<std::string>{"master/5"});
  auto s = sync.status();
  EXPECT_EQ(s["role"], "master");
  EXPECT_EQ(s["following"], "web");
  EXPECT_EQ(s["instance_state"], "MASTER");
  EXPECT_EQ(s["interface"], "eth1");
  EXPECT_EQ(s["sync_id"], 5);
  ASSERT_EQ(s["daemons"].size(), 1u);
  EXPECT_EQ(s["daemons"][0]["state"], "master");
  EXPECT_EQ(s["daemons"][0]["group"], "224.0.0.81");
  sync.on_vrrp_states({{"web", "FAULT"}});
  EXPECT_EQ(states(kernel), std::vector<std::string>{"backup/5"});
}

TEST(CheckerSync, RepeatedStatesAndReloadsTouchNothing) {
  ScratchDir dir;
  core::ManualScheduler sched;
  testing::FakeIpvsClient kernel;
  CheckerSync sync(sched, dir.path());
  sync.configure(follow_web());
  sync.attach(kernel);
  sync.on_vrrp_states({{"web", "MASTER"}});
  kernel.clear_log();
  sync.on_vrrp_states({{"web", "MASTER"}});
  sync.on_vrrp_states({{"other", "BACKUP"}});
  sync.configure(follow_web());
  for (const auto& line : kernel.log()) EXPECT_EQ(line.rfind("list_sync_daemons", 0), 0u) << line;
}

TEST(CheckerSync, ReloadWithANewSyncIdRestartsTheDaemon) {
  ScratchDir dir;
  core::ManualScheduler sched;
  testing::FakeIpvsClient kernel;
  CheckerSync sync(sched, dir.path());
  auto c = follow_web();
  c.mode = config::SyncMode::kBoth;
  sync.configure(c);
  sync.attach(kernel);
  EXPECT_EQ(states(kernel), (std::vector<std::string>{"master/5", "backup/5"}));
  EXPECT_EQ(sync.status()["role"], "both");
  c.sync_id = 6;
  sync.configure(c);
  EXPECT_EQ(states(kernel), (std::vector<std::string>{"master/6", "backup/6"}));
  sync.configure(std::nullopt);
  EXPECT_TRUE(states(kernel).empty());
  EXPECT_EQ(sync.status()["role"], "none");
}

TEST(CheckerSync, WritesSysctlsOnceIpvsIsAvailable) {
  ScratchDir dir;
  core::ManualScheduler sched;
  testing::FakeIpvsClient kernel;
  CheckerSync sync(sched, dir.path());
  auto c = follow_web();
  c.sysctls = {{"sync_threshold", {3, 50}}, {"sync_version", {1}}};
  sync.configure(c);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/sync_version"));
  sync.attach(kernel);
  EXPECT_EQ(dir.read("sync_threshold"), "3 50");
  EXPECT_EQ(dir.read("sync_version"), "1");
}

TEST(CheckerSync, SysctlAndKernelErrorsAreNotFatal) {
  core::ManualScheduler sched;
  testing::FakeIpvsClient kernel;
  CheckerSync sync(sched, "/nonexistent/hd-sync-test");
  auto c = follow_web();
  c.sysctls = {{"sync_retries", {2}}};
  sync.configure(c);
  kernel.fail_next("start_sync_daemon", ENODEV);
  sync.attach(kernel);
  EXPECT_TRUE(states(kernel).empty());
  EXPECT_EQ(sync.status()["role"], "none");
  sync.on_vrrp_states({{"web", "BACKUP"}});  // the next event retries
  EXPECT_EQ(states(kernel), std::vector<std::string>{"backup/5"});
  EXPECT_EQ(sync.status()["role"], "backup");
}

TEST(CheckerSync, RecheckRetriesAFailedStartAndRepairsAnOutsideStop) {
  core::ManualScheduler sched;
  testing::FakeIpvsClient kernel;
  CheckerSync sync(sched, "/nonexistent/hd-sync-test", {}, 30s);
  sync.configure(follow_web());
  kernel.fail_next("start_sync_daemon", EBUSY);
  sync.attach(kernel);
  EXPECT_TRUE(states(kernel).empty());
  sched.advance(29s);
  EXPECT_TRUE(states(kernel).empty());
  sched.advance(1s);
  EXPECT_EQ(states(kernel), std::vector<std::string>{"backup/5"});
  ASSERT_TRUE(kernel.stop_sync_daemon(ipvs::SyncState::kBackup));
  sched.advance(30s);
  EXPECT_EQ(states(kernel), std::vector<std::string>{"backup/5"});
}

TEST(CheckerSync, StatusWithoutSyncSaysNoneAndShowsTheMonitor) {
  core::ManualScheduler sched;
  CheckerSync sync(sched);
  auto s = sync.status();
  EXPECT_EQ(s["role"], "none");
  EXPECT_EQ(s["monitor"]["listening"], false);
  EXPECT_TRUE(s["daemons"].empty());
}

class CheckerEngineSyncTest : public ::testing::Test {
 protected:
  void start(bool ipvs_present) {
    present_ = ipvs_present;
    CheckerEngineDeps deps{
        sched_,
        [](const config::CheckSpec&,
           const checkers::CheckTarget&) -> core::Result<std::unique_ptr<checkers::Checker>> {
          return core::fail(core::Errc::kInvalid, "no checks in this test");
        },
        [this]() -> core::Result<std::unique_ptr<ipvs::IpvsClient>> {
          if (!present_) return core::fail(core::Errc::kUnsupported, "no IPVS family");
          auto client = std::make_unique<testing::FakeIpvsClient>();
          kernel_ = client.get();
          return std::unique_ptr<ipvs::IpvsClient>(std::move(client));
        },
        [](nlohmann::json) {},
        [](const std::string&, nlohmann::json) {},
        {},
        dir_.path()};
    engine_ = std::make_unique<CheckerEngine>(std::move(deps));
    config::Config c;
    c.global.state_dir = dir_.path();
    c.sync = follow_web();
    ASSERT_TRUE(engine_->configure(c));
  }

  ScratchDir dir_;
  core::ManualScheduler sched_;
  bool present_ = true;
  testing::FakeIpvsClient* kernel_ = nullptr;
  std::unique_ptr<CheckerEngine> engine_;
};

TEST_F(CheckerEngineSyncTest, RelayedMasterStartsTheMasterDaemonAndBackupSwitchesBack) {
  start(true);
  EXPECT_EQ(states(*kernel_), std::vector<std::string>{"backup/5"});
  engine_->on_vrrp_states({{"web", "MASTER"}});
  EXPECT_EQ(states(*kernel_), std::vector<std::string>{"master/5"});
  EXPECT_EQ(engine_->status()["sync"]["role"], "master");
  engine_->on_vrrp_states({{"web", "BACKUP"}});
  EXPECT_EQ(states(*kernel_), std::vector<std::string>{"backup/5"});
  EXPECT_EQ(engine_->status()["sync"]["role"], "backup");
}

TEST_F(CheckerEngineSyncTest, StateRelayedBeforeIpvsAppearsIsAppliedWhenItDoes) {
  start(false);
  engine_->on_vrrp_states({{"web", "MASTER"}});
  EXPECT_EQ(engine_->status()["sync"]["role"], "none");
  EXPECT_EQ(engine_->status()["sync"]["instance_state"], "MASTER");
  present_ = true;
  sched_.advance(31s);
  ASSERT_NE(kernel_, nullptr);
  EXPECT_EQ(states(*kernel_), std::vector<std::string>{"master/5"});
  EXPECT_EQ(engine_->status()["sync"]["role"], "master");
}

}  // namespace
}  // namespace hadirector::daemon
