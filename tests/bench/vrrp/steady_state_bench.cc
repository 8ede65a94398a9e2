// The pair at rest, hadirectord then keepalived: (1) flaps — 10 ms adverts for 60 s while CPU
// hogs keep both cores busy, counting the backup's transitions (hadirectord with
// `realtime: true`; keepalived with its defaults, as its reference figure was taken);
// (2) CPU per advert — master and backup idle at 100 ms adverts, their CPU time divided by
// the adverts the client saw on the wire (sent by the master, received by the backup).
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <thread>

#include "tests/bench/vrrp/bench_report.h"
#include "tests/bench/vrrp/proc_stats.h"
#include "tests/bench/vrrp/vrrp_bench_lab.h"

namespace hadirector::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
constexpr const char* kVip = "192.0.2.100/24";

// Busy-looping children, SIGKILLed by pid when destroyed (and by the kernel if we die first).
class CpuHogs {
 public:
  explicit CpuHogs(int n) {
    for (int i = 0; i < n; ++i) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        volatile unsigned long spins = 0;
        for (;;) spins = spins + 1;
      }
      if (pid > 0) pids_.push_back(pid);
    }
  }
  ~CpuHogs() {
    for (pid_t pid : pids_) {
      ::kill(pid, SIGKILL);
      testing::eventually([&] { return !testing::process_exists(pid); });
    }
  }
  CpuHogs(const CpuHogs&) = delete;
  CpuHogs& operator=(const CpuHogs&) = delete;

 private:
  std::vector<pid_t> pids_;
};

class SteadyState : public VrrpBenchLab {
 protected:
  struct Pair {
    std::unique_ptr<BenchDirector> a, b;
  };
  Pair start_pair(Daemon kind, int advert_ms, bool realtime) {
    auto spec = [&](int prio) {
      return std::vector<InstanceSpec>{{"web", "eth0", 51, prio, 3, advert_ms, kVip}};
    };
    Pair p{director(kind, 1, spec(200), realtime), director(kind, 2, spec(100), realtime)};
    p.b->start();
    p.a->start();
    EXPECT_TRUE(testing::eventually([&] { return has_address(1, kVip) && !has_address(2, kVip); },
                                    seconds(15)))
        << daemon_name(kind) << ":\n"
        << p.a->log() << p.b->log();
    std::this_thread::sleep_for(seconds(1));
    return p;
  }
};

TEST_F(SteadyState, NoFlapsAtTenMsAdvertsWithBothCoresBusy) {
  const int window_s = quick() ? 5 : 60;
  double flaps[2] = {NAN, NAN};
  for (Daemon kind : daemons()) {
    Pair p = start_pair(kind, 10, kind == Daemon::kHadirector);
    const int before_a = p.a->transitions(), before_b = p.b->transitions();
    {
      CpuHogs hogs(2);
      std::this_thread::sleep_for(seconds(window_s));
    }
    const int on_b = p.b->transitions() - before_b, on_a = p.a->transitions() - before_a;
    flaps[kind == Daemon::kKeepalived] = on_b;
    p = Pair{};
    clear_addresses("192.0.2.100/32");
    detail("%s: %d s at 10 ms with 2 CPU hogs: %d transitions on the backup, %d on the master",
           daemon_name(kind), window_s, on_b, on_a);
  }
  report("vrrp.flaps_10ms_busy", "transitions", flaps[0], flaps[1], "== 0",
         std::to_string(window_s) +
             " s, 2 CPU hogs; hadirector realtime: true, keepalived default scheduling");
}

TEST_F(SteadyState, CpuPerAdvertOfAnIdlePair) {
  const int window_s = window_seconds(3, 30);
  double sent[2] = {NAN, NAN}, received[2] = {NAN, NAN};
  probe().set_pinging(false);  // only adverts on the wire
  for (Daemon kind : daemons()) {
    Pair p = start_pair(kind, 100, false);
    const auto pa = p.a->pids(), pb = p.b->pids();
    const auto split_a = per_process(pa), split_b = per_process(pb);
    const CpuSample a0 = cpu_of(pa), b0 = cpu_of(pb);
    const int64_t t0 = now_ns();
    std::this_thread::sleep_for(seconds(window_s));
    const CpuSample a1 = cpu_of(pa), b1 = cpu_of(pb);
    const int adverts = probe().adverts_from(mac(1), t0, now_ns());
    const int k = kind == Daemon::kKeepalived;
    if (adverts > 0) {
      sent[k] = (a1.ns - a0.ns) / 1e3 / adverts;
      received[k] = (b1.ns - b0.ns) / 1e3 / adverts;
    }
    detail(
        "%s: %d adverts in %d s; master %.2f ms CPU (%lld ticks, %zu processes), backup "
        "%.2f ms (%lld ticks, %zu processes)",
        daemon_name(kind), adverts, window_s, (a1.ns - a0.ns) / 1e6,
        static_cast<long long>(a1.ticks - a0.ticks), pa.size(), (b1.ns - b0.ns) / 1e6,
        static_cast<long long>(b1.ticks - b0.ticks), pb.size());
    detail("%s: PSS with one instance: master %.1f MiB, backup %.1f MiB", daemon_name(kind),
           static_cast<double>(pss_kib(pa)) / 1024, static_cast<double>(pss_kib(pb)) / 1024);
    for (pid_t pid : pa) detail("%s master %s", daemon_name(kind), pss_breakdown_text(pid).c_str());
    for (pid_t pid : pb) detail("%s backup %s", daemon_name(kind), pss_breakdown_text(pid).c_str());
    detail("%s master: %s", daemon_name(kind), per_process_text(split_a).c_str());
    detail("%s backup: %s", daemon_name(kind), per_process_text(split_b).c_str());
    EXPECT_GT(adverts, 0) << "no adverts seen from the master";
    p = Pair{};
    clear_addresses("192.0.2.100/32");
  }
  const std::string note = "100 ms adverts, " + std::to_string(window_s) + " s idle, schedstat";
  report("vrrp.cpu_per_advert_sent", "us", sent[0], sent[1], "<= 0.5*ka", note);
  report("vrrp.cpu_per_advert_received", "us", received[0], received[1], "<= 0.5*ka", note);
}

}  // namespace
}  // namespace hadirector::bench
