// Fault suite, a large configuration: 10,000 virtual servers and 1,000 VRRP instances checked,
// started, reloaded and stopped within printed bounds, while a client asks `status` all along:
// the control socket must answer during startup and reload too (partially while a worker is
// busy, naming it), not only once everything is ready. IPVS is absent on this host: the virtual
// servers are reported, not programmed. Quick size under ctest, the size with
// HD_FAULT_FULL=1 (or HD_FAULT_SCALE_INSTANCES / HD_FAULT_SCALE_SERVERS).
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "tests/netns/fault_lab.h"

namespace hadirector::testing {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string scale_yaml(int instances, int servers, int weight) {
  std::string y = "version: 1\n";
  if (instances > 0) y += "vrrp:\n  instances:\n";
  for (int i = 0; i < instances; ++i) {
    y += "    - {name: i" + std::to_string(i) + ", interface: eth" + std::to_string(i / 250) +
         ", vrid: " + std::to_string(i % 250 + 1) +
         ", priority: 100, advert_interval: 1s, virtual_addresses: [10.10." +
         std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "/32]}\n";
  }
  y += "virtual_servers:\n";
  for (int v = 0; v < servers; ++v) {
    const std::string host = std::to_string(v / 250) + "." + std::to_string(v % 250 + 1);
    y += "  - {name: vs" + std::to_string(v) + ", address: '10.20." + host +
         ":80', real_servers: [{address: '10.30." + host +
         ":80', weight: " + std::to_string(weight) + "}]}\n";
  }
  return y;
}

// A status answers within this at any time, complete or (while a worker starts or applies a
// reload) partial, naming the workers that did not answer.
constexpr double kStatusBound = 5.0;

enum Phase { kStarting, kReady, kReloading, kReloaded, kPhases };
const char* const kPhaseNames[] = {"starting", "ready", "reloading", "reloaded"};

// What the status poller saw in one phase.
struct PhaseFigures {
  int asked = 0, answered = 0, partial = 0, complete = 0;
  double worst_s = 0, total_s = 0;
  size_t largest_bytes = 0;
};

// Asks `status --json` back to back until `stop`, filing each answer under the phase in which it
// was asked. Complete: every instance and virtual server reported, no worker unanswered.
class StatusPoller {
 public:
  StatusPoller(DaemonHarness& d, int instances, int servers)
      : d_(d), instances_(instances), servers_(servers), thread_([this] { run(); }) {}
  ~StatusPoller() { finish(); }
  void set_phase(Phase p) { phase_ = p; }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  PhaseFigures figures(Phase p) {
    std::lock_guard lock(mutex_);
    return figures_[p];
  }

  // One status, filed under `phase`; false when it was not answered.
  bool ask(Phase phase) {
    const auto t = Clock::now();
    auto r = d_.ctl({"status", "--json"});
    const double took = seconds_since(t);
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    std::lock_guard lock(mutex_);
    PhaseFigures& f = figures_[phase];
    ++f.asked;
    f.worst_s = std::max(f.worst_s, took);
    f.total_s += took;
    if (r.exit_code != 0 || !doc.is_object()) return false;
    ++f.answered;
    f.largest_bytes = std::max(f.largest_bytes, r.out.size());
    const size_t vs = doc.value("virtual_servers", nlohmann::json::array()).size();
    const size_t inst =
        doc.contains("vrrp") ? doc["vrrp"].value("instances", nlohmann::json::array()).size() : 0;
    if (doc.contains("unanswered") || !doc.value("ready", false)) ++f.partial;
    if (!doc.contains("unanswered") && vs == static_cast<size_t>(servers_) &&
        inst == static_cast<size_t>(instances_))
      ++f.complete;
    return true;
  }

 private:
  void run() {
    while (!stop_) {
      // Not listening yet is expected in the first moments: try again shortly.
      if (!ask(phase_)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  DaemonHarness& d_;
  const int instances_, servers_;
  std::atomic<Phase> phase_{kStarting};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  PhaseFigures figures_[kPhases];
  std::thread thread_;
};

TEST(FaultDaemon, TenThousandVirtualServersAndAThousandInstancesLoadReloadAndStop) {
  HD_SKIP_UNLESS_ROOT();
  // Quick mode (CI) runs a tenth of the full size; HD_FAULT_FULL=1 runs the figures.
  const int instances = static_cast<int>(fault_param("HD_FAULT_SCALE_INSTANCES", 100, 1000));
  const int servers = static_cast<int>(fault_param("HD_FAULT_SCALE_SERVERS", 1000, 10000));
  NetnsLab lab;
  const std::string ns = lab.add_namespace(), peer = lab.add_namespace();
  for (int i = 0; i * 250 < instances; ++i)
    lab.add_veth(ns, "eth" + std::to_string(i), peer, "eth" + std::to_string(i));
  DaemonHarness d(scale_yaml(instances, servers, 1));
  d.set_netns(ns);

  auto t = Clock::now();
  auto check = run_command({binary_path("hadirectord"), "--check-config", "-f", d.config_path()},
                           std::chrono::seconds(120));
  const double check_s = seconds_since(t);
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;

  t = Clock::now();
  d.start();
  StatusPoller poller(d, instances, servers);
  ASSERT_TRUE(d.wait_notify("READY=1", std::chrono::seconds(120))) << d.log().substr(0, 4000);
  const double start_s = seconds_since(t);
  poller.set_phase(kReady);
  // Once ready, a status is complete: every worker answers with every instance and server.
  nlohmann::json status;
  const bool complete = eventually(
      [&] {
        status = d.status();
        return status.is_object() && !status.contains("unanswered") &&
               status.value("virtual_servers", nlohmann::json::array()).size() ==
                   static_cast<size_t>(servers);
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100));
  const double complete_s = seconds_since(t);
  const size_t vs_reported = status.value("virtual_servers", nlohmann::json::array()).size();
  const size_t inst_reported =
      status.contains("vrrp") ? status["vrrp"].value("instances", nlohmann::json::array()).size()
                              : 0;

  d.write_config(scale_yaml(instances, servers, 2));  // every real server's weight changes
  poller.set_phase(kReloading);
  t = Clock::now();
  // The reload runs from another thread while this one asks status until it is over (the poller
  // may be inside a long status of the old configuration meanwhile).
  std::atomic<bool> reloaded{false};
  CommandResult reload;
  double reload_s = 0;
  std::thread reloader([&] {
    reload = d.ctl({"reload"});
    reload_s = seconds_since(t);
    reloaded = true;
  });
  do {
    (void)poller.ask(kReloading);
  } while (!reloaded);
  reloader.join();
  poller.set_phase(kReloaded);
  (void)poller.ask(kReloaded);
  poller.finish();
  const ProcFigures sup = proc_figures(d.pid());
  const ProcFigures vrrp = proc_figures(d.worker_pid("vrrp"));
  const ProcFigures checker = proc_figures(d.worker_pid("checker"));

  t = Clock::now();
  d.signal(SIGTERM);
  auto code = d.wait_exit(std::chrono::seconds(60));
  const double stop_s = seconds_since(t);
  std::printf(
      "[ FIGURE ] %d instances, %d virtual servers: --check-config %.2f s (bound 30 s), start "
      "to READY %.2f s (bound 60 s), complete status %.2f s after start, reload %.2f s (bound "
      "60 s), stop %.2f s (bound 10 s); reported %zu instances, %zu virtual servers; RSS "
      "supervisor %ld kB, vrrp %ld kB, checker %ld kB\n",
      instances, servers, check_s, start_s, complete_s, reload_s, stop_s, inst_reported,
      vs_reported, sup.rss_kb, vrrp.rss_kb, checker.rss_kb);
  for (int p = 0; p < kPhases; ++p) {
    const PhaseFigures f = poller.figures(static_cast<Phase>(p));
    std::printf(
        "[ FIGURE ] status while %s: %d asked, %d answered (%d partial, %d complete), mean "
        "%.0f ms, slowest %.0f ms (bound %.0f ms), largest reply %zu kB\n",
        kPhaseNames[p], f.asked, f.answered, f.partial, f.complete,
        f.asked ? 1000 * f.total_s / f.asked : 0.0, 1000 * f.worst_s, 1000 * kStatusBound,
        f.largest_bytes / 1024);
    // Every status asked got an answer in time (the first tries may meet no socket yet).
    if (p != kStarting) {
      EXPECT_EQ(f.answered, f.asked) << kPhaseNames[p];
    }
    EXPECT_LT(f.worst_s, kStatusBound) << kPhaseNames[p];
    if (p == kReloading || p == kReloaded) {
      EXPECT_GT(f.answered, 0) << kPhaseNames[p];
    }
  }
  EXPECT_GT(poller.figures(kStarting).answered, 0) << "status never answered during startup";
  EXPECT_TRUE(complete) << status.dump().substr(0, 2000);
  EXPECT_LT(check_s, 30);
  EXPECT_LT(start_s, 60);
  EXPECT_EQ(reload.exit_code, 0) << reload.out << reload.err;
  EXPECT_LT(reload_s, 60);
  ASSERT_TRUE(code.has_value()) << d.log().substr(0, 4000);
  EXPECT_EQ(*code, 0);
  EXPECT_LT(stop_s, 10);
  EXPECT_EQ(inst_reported, static_cast<size_t>(instances));
  EXPECT_EQ(vs_reported, static_cast<size_t>(servers));
}

// The control socket drops a client whose unread replies pile up beyond 4 MiB; a single status
// larger than that (12,000 virtual servers, about 5 MB on one line) is one reply and arrives
// whole. It used to drop every client of a 10,000-server director.
TEST(FaultDaemon, AStatusLargerThanTheClientBacklogLimitArrivesWhole) {
  HD_SKIP_UNLESS_ROOT();
  const int servers = 12000;
  DaemonHarness d(scale_yaml(0, servers, 1));
  d.start();
  ASSERT_TRUE(d.wait_notify("READY=1", std::chrono::seconds(60))) << d.log().substr(0, 4000);
  nlohmann::json status;
  size_t bytes = 0;
  ASSERT_TRUE(eventually(
      [&] {
        status = d.status();
        bytes = status.is_object() ? status.dump().size() : 0;
        return status.is_object() && !status.contains("unanswered");
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << status.dump().substr(0, 2000) << d.log().substr(0, 4000);
  std::printf("[ FIGURE ] one status of %zu kB (client backlog limit 4096 kB) arrived whole\n",
              bytes / 1024);
  EXPECT_GT(bytes, size_t{4} << 20);
  EXPECT_EQ(status.value("virtual_servers", nlohmann::json::array()).size(),
            static_cast<size_t>(servers));
  EXPECT_EQ(count_lines(d.log(), "does not read its replies"), 0) << d.log().substr(0, 4000);
}

}  // namespace
}  // namespace hadirector::testing
