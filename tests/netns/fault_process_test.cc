// Fault suite, the daemon's own processes: 100 reloads in a few seconds, every other one
// invalid, and kill -9 of each worker in a loop, on the master of a director pair. Expected: no
// transition on either director, the generation advanced by exactly the valid reloads, no
// growth in open fds and no more than a small bound of RSS in any process (before and after
// printed), and the peer never taking over while a worker restarts.
#include <signal.h>

#include <cstdio>
#include <map>
#include <thread>

#include "tests/netns/fault_lab.h"
#include "tests/common/sanitizer.h"

namespace hadirector::testing {
namespace {

constexpr long kRssBoundKb = 4096;

// A virtual server, so the checker worker runs (it is not started without one).
std::string with_checker(std::string yaml) {
  return yaml +
         "virtual_servers:\n  - name: web-http\n    address: 192.0.2.100:80\n    protocol: tcp\n"
         "    real_servers:\n      - address: 198.51.100.11:80\n";
}

class FaultProcess : public FaultPair {
 protected:
  // Reloads the master with a virtual server: its checker worker starts.
  void start_checker() {
    a_->write_config(with_checker(director_yaml(200, false, "192.0.2.1", "192.0.2.2")));
    ASSERT_EQ(a_->ctl({"reload"}).exit_code, 0) << a_->log();
    // Ready: its figures are taken after it has loaded and applied the configuration.
    ASSERT_TRUE(eventually([&] {
      const auto status = a_->status();
      for (const auto& p : status.value("processes", nlohmann::json::array()))
        if (p.value("name", "") == "checker") return p.value("ready", false);
      return false;
    })) << a_->log();
    while (a_->next_notify(std::chrono::milliseconds(0))) {
    }
  }
  std::map<std::string, ProcFigures> figures() {
    std::map<std::string, ProcFigures> out;
    out["supervisor"] = proc_figures(a_->pid());
    for (const char* w : {"vrrp", "checker"}) out[w] = proc_figures(a_->worker_pid(w));
    return out;
  }
};

TEST_F(FaultProcess, HundredReloadsHalfInvalidCauseNoTransitionAndNoGrowth) {
  start_checker();
  const int reloads = static_cast<int>(fault_param("HD_FAULT_RELOADS", 100, 100));
  const double seconds = fault_param("HD_FAULT_RELOAD_SECONDS", 5, 10);
  const int ta = transitions(1, "web"), tb = transitions(2, "web");
  const int generation = a_->status().value("generation", 0);
  const auto before = figures();
  const std::string base = with_checker(director_yaml(200, false, "192.0.2.1", "192.0.2.2"));
  const std::string with_vip =
      with_checker(director_yaml(200, false, "192.0.2.1", "192.0.2.2", ", 192.0.2.150/24"));
  const char* invalid[] = {"version: 1\nvrrp: [unterminated\n",
                           "version: 1\nvrrp:\n  instances:\n    - {name: web, vrid: 300}\n",
                           "version: 1\nglobal: {no_such_key: 1}\n"};
  while (a_->next_notify(std::chrono::milliseconds(0))) {
  }
  int ok = 0, rejected = 0, unexpected = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < reloads; ++i) {
    const bool valid = i % 2 == 0;
    a_->write_config(valid ? ((i / 2) % 2 == 0 ? with_vip : base) : invalid[(i / 2) % 3]);
    const auto r = a_->ctl({"reload"});
    // systemd reads its notify socket; so must we, or the supervisor's sd_notify blocks.
    while (a_->next_notify(std::chrono::milliseconds(0))) {
    }
    if (valid ? r.exit_code == 0 : r.exit_code == 1) {
      (valid ? ok : rejected)++;
    } else {
      ++unexpected;
      ADD_FAILURE() << "reload " << i << " exit " << r.exit_code << ": " << r.out << r.err;
    }
    std::this_thread::sleep_until(start +
                                  std::chrono::duration<double>(seconds * (i + 1) / reloads));
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  a_->write_config(base);  // the state the last valid reload left
  (void)time_until([] { return false; }, std::chrono::milliseconds(500));
  const auto after = figures();
  const int generation_after = a_->status().value("generation", 0);
  std::printf(
      "[ FIGURE ] %d reloads in %.1f s: %d applied, %d rejected, generation %d -> %d; "
      "transitions master %d backup %d\n",
      reloads, took, ok, rejected, generation, generation_after, transitions(1, "web") - ta,
      transitions(2, "web") - tb);
  for (const auto& [name, b] : before) {
    const auto& x = after.at(name);
    std::printf("[ FIGURE ] %s: fds %d -> %d, RSS %ld -> %ld kB (bound +%ld kB)\n", name.c_str(),
                b.fds, x.fds, b.rss_kb, x.rss_kb, kRssBoundKb);
    EXPECT_LE(x.fds, b.fds) << name;
    // ASan's quarantine holds freed memory, so RSS grows there by design (its leak check
    // covers what this bound is for).
    if (!kUnderSanitizer) {
      EXPECT_LE(x.rss_kb - b.rss_kb, kRssBoundKb) << name;
    }
  }
  EXPECT_EQ(unexpected, 0);
  EXPECT_EQ(generation_after, generation + ok);
  EXPECT_EQ(ok, (reloads + 1) / 2);
  EXPECT_EQ(transitions(1, "web"), ta) << a_->log();
  EXPECT_EQ(transitions(2, "web"), tb) << b_->log();
  expect_settled_pair();
}

TEST_F(FaultProcess, KillingEachWorkerTenTimesNeverFailsOverToThePeer) {
  start_checker();
  const int rounds = static_cast<int>(fault_param("HD_FAULT_KILLS", 10, 10));
  const int tb = transitions(2, "web"), tb_uni = transitions(2, "uni");
  bool peer_took = false;
  long worst_ms = 0;
  for (const std::string worker : {"vrrp", "checker"}) {
    for (int k = 0; k < rounds; ++k) {
      pid_t pid = -1;
      ASSERT_TRUE(eventually([&] { return (pid = a_->worker_pid(worker)) > 0; })) << a_->log();
      const std::string ready = "worker " + worker + " ready again";
      const int ready_before = count_lines(a_->log(), ready);
      while (a_->next_notify(std::chrono::milliseconds(0))) {
      }
      ::kill(pid, SIGKILL);
      const long back = time_until(
          [&] {
            peer_took = peer_took || has_address(2, "192.0.2.100/24");
            return count_lines(a_->log(), ready) > ready_before;
          },
          std::chrono::seconds(40));
      ASSERT_GE(back, 0) << "worker " << worker << " not back after kill " << k << "\n"
                         << a_->log();
      worst_ms = std::max(worst_ms, back);
      // Each restart sends a STATUS= notification; an unread notify socket would block the
      // supervisor's sd_notify (systemd reads its socket at once).
      while (a_->next_notify(std::chrono::milliseconds(0))) {
      }
      // A few adverts between kills, as a crash loop under traffic would leave.
      (void)time_until(
          [&] {
            peer_took = peer_took || has_address(2, "192.0.2.100/24");
            return false;
          },
          std::chrono::milliseconds(300));
    }
  }
  std::printf(
      "[ FIGURE ] kill -9 of each worker %d times: slowest return to ready %ld ms; peer took "
      "the VIP: %s; peer transitions %d\n",
      rounds, worst_ms, peer_took ? "yes" : "no", transitions(2, "web") - tb);
  EXPECT_FALSE(peer_took) << b_->log();
  EXPECT_EQ(transitions(2, "web"), tb) << b_->log();
  EXPECT_EQ(transitions(2, "uni"), tb_uni) << b_->log();
  EXPECT_EQ(a_->worker_restarts("vrrp"), rounds);
  EXPECT_EQ(a_->worker_restarts("checker"), rounds);
  expect_settled_pair();
}

}  // namespace
}  // namespace hadirector::testing
