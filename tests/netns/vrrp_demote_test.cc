// `hadirectorctl demote` / `restore` with the real binaries on two directors in network
// namespaces (100 ms adverts): demoting the master hands the VIP to the peer within about one
// Master_Down_Interval (the peer preempts the priority-1 adverts; the figure is printed), the
// demoted director stays BACKUP across a daemon restart (the demotion is kept in its state
// directory), and restore makes it preempt back. Root only.
#include <signal.h>

#include <cstdio>

#include "tests/netns/vrrp_director_lab.h"
#include "tests/common/test_paths.h"

namespace hadirector::testing {
namespace {

constexpr long kMasterDownMs = 361;  // at the peer's priority 100: 3 * 100 ms + 61 ms skew
constexpr auto kElection = std::chrono::seconds(5);

class VrrpDemote : public DirectorLab {
 protected:
  void SetUp() override {
    DirectorLab::SetUp();
    if (IsSkipped()) return;
    add_directors(2);
    a_ = &director(1, 200);
    b_ = &director(2, 100);
    a_->start();
    b_->start();
    ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.100/24"); }, kElection))
        << a_->log();
  }
  // A director whose demotions live in its own temporary state directory.
  DaemonHarness& director(int i, int priority) {
    DaemonHarness& d = daemon(i, director_yaml(priority, false));
    d.write_config("global: {state_dir: " + d.dir() + "/state}\n" + director_yaml(priority, false));
    return d;
  }
  static nlohmann::json web(DaemonHarness& d) {
    // Kept in a variable: a range-for would not extend the temporary's life. Until the daemon
    // answers (just restarted) there is no instance: an empty object.
    const nlohmann::json status = d.status();
    if (!status.is_object() || !status.contains("vrrp")) return nlohmann::json::object();
    for (const auto& i : status["vrrp"].value("instances", nlohmann::json::array()))
      if (i.value("name", "") == "web") return i;
    return nlohmann::json::object();
  }
  DaemonHarness* a_ = nullptr;
  DaemonHarness* b_ = nullptr;
};

TEST_F(VrrpDemote, DemotedMasterHandsOverStaysBackupAcrossRestartAndRestoreTakesItBack) {
  // Demote: the peer takes over, the demoted side steps down on hearing it.
  auto r = a_->ctl({"demote", "web"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("demoted web"), std::string::npos) << r.out;
  const long handoff = time_until(
      [&] { return has_address(2, "192.0.2.100/24") && !has_address(1, "192.0.2.100/24"); });
  std::printf("[ FIGURE ] demote hand-off at 100 ms adverts: %ld ms; peer's Master_Down %ld ms\n",
              handoff, kMasterDownMs);
  ASSERT_GE(handoff, 0) << a_->log() << b_->log();
  EXPECT_TRUE(b_->wait_log("vrrp instance web: BACKUP -> MASTER (preempted_lower_priority)"))
      << b_->log();
  EXPECT_TRUE(a_->wait_log("vrrp instance web: MASTER -> BACKUP (higher_priority_advert)"))
      << a_->log();
  auto status = web(*a_);
  EXPECT_EQ(status["demoted"], true) << status.dump();
  EXPECT_EQ(status["effective_priority"], 1) << status.dump();
  const auto table = a_->ctl({"instances"});
  EXPECT_NE(table.out.find("demoted (until `hadirectorctl restore`): web"), std::string::npos)
      << table.out;
  auto events = run_command({binary_path("hadirectorctl"), "-s",
                             a_->runtime_dir() + "/control.sock", "events", "--since", "0"},
                            std::chrono::milliseconds(500));
  EXPECT_NE(events.out.find("\"reason\":\"demoted\""), std::string::npos) << events.out;

  // The instance name completes for demote/restore from the running daemon.
  const std::string completion =
      run_command(
          {"bash", "-c",
           "PATH=" +
               binary_path("hadirectorctl").substr(0, binary_path("hadirectorctl").rfind('/')) +
               ":$PATH; source " + std::string(HD_SOURCE_DIR) + "/etc/bash-completion/hadirectorctl; "
               "COMP_WORDS=(hadirectorctl -s " +
               a_->runtime_dir() +
               "/control.sock restore ''); COMP_CWORD=4; _hadirectorctl; "
               "echo \"${COMPREPLY[*]}\""})
          .out;
  EXPECT_EQ(completion, "web\n");

  // Restart: still demoted, so it stays BACKUP and the peer keeps the VIP.
  a_->signal(SIGTERM);
  ASSERT_TRUE(a_->wait_exit(std::chrono::seconds(5)));
  a_->start();
  ASSERT_TRUE(eventually([&] { return web(*a_)["state"] == "BACKUP"; }, kElection)) << a_->log();
  EXPECT_LT(
      time_until([&] { return has_address(1, "192.0.2.100/24"); }, std::chrono::milliseconds(1000)),
      0)
      << a_->log();
  EXPECT_TRUE(has_address(2, "192.0.2.100/24"));
  status = web(*a_);
  EXPECT_EQ(status["demoted"], true) << status.dump();
  EXPECT_EQ(status["state"], "BACKUP") << status.dump();

  // Restore: back to priority 200, it preempts the peer.
  r = a_->ctl({"restore", "web"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const long back = time_until(
      [&] { return has_address(1, "192.0.2.100/24") && !has_address(2, "192.0.2.100/24"); });
  std::printf("[ FIGURE ] restore: preempted back after %ld ms\n", back);
  ASSERT_GE(back, 0) << a_->log();
  EXPECT_EQ(web(*a_)["demoted"], false);
}

TEST_F(VrrpDemote, UnknownInstanceExitsFourAndOwnerIsRefused) {
  auto r = a_->ctl({"demote", "nosuch"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("no VRRP instance named 'nosuch'"), std::string::npos) << r.err;
  EXPECT_EQ(a_->ctl({"demote"}).exit_code, 2);
  // An owner: the peer could never outrank 255.
  a_->write_config("global: {state_dir: " + a_->dir() + "/state}\n" + director_yaml(255, false));
  a_->signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return web(*a_)["effective_priority"] == 255; })) << a_->log();
  r = a_->ctl({"demote", "web"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("address owner"), std::string::npos) << r.err;
  EXPECT_TRUE(has_address(1, "192.0.2.100/24"));
}

}  // namespace
}  // namespace hadirector::testing
