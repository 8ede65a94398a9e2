// 1000 VRRP instances at 1 s adverts on each director of the pair (4 more links, eth1..eth4 on
// bridges of their own, 250 VRIDs each, one /32 VIP per instance), hadirectord then keepalived with
// the same instances: CPU in percent of one core over the window and PSS summed over the daemon's
// processes, for the master and the backup.
#include <cmath>
#include <thread>

#include "tests/bench/vrrp/bench_report.h"
#include "tests/bench/vrrp/proc_stats.h"
#include "tests/bench/vrrp/vrrp_bench_lab.h"

namespace hadirector::bench {
namespace {

using std::chrono::seconds;
constexpr int kLinks = 4;
constexpr int kPerVlan = 250;

std::string link(int v) { return "eth" + std::to_string(v); }

std::vector<InstanceSpec> instances(int priority) {
  std::vector<InstanceSpec> out;
  for (int v = 1; v <= kLinks; ++v)
    for (int id = 1; id <= kPerVlan; ++id)
      out.push_back({"s" + std::to_string(v) + "_" + std::to_string(id), link(v), id, priority, 3,
                     1000, "198.19." + std::to_string(v) + "." + std::to_string(id) + "/32"});
  return out;
}

class Scale : public VrrpBenchLab {
 protected:
  // The kernel may lack 802.1Q, so separate links rather than VLANs.
  void add_links() {
    for (int v = 1; v <= kLinks; ++v) {
      lab_.add_bridge(hub_, "br" + std::to_string(v), {{ns_[0], link(v)}, {ns_[1], link(v)}});
      for (int i = 1; i <= 2; ++i)
        lab_.exec_ok(
            ns_[static_cast<size_t>(i - 1)],
            {"ip", "addr", "add", "198.18." + std::to_string(v) + "." + std::to_string(i) + "/24",
             "dev", link(v)});
    }
  }
  int vips(int i) {
    int n = 0;
    for (int v = 1; v <= kLinks; ++v) {
      auto list = probes_[static_cast<size_t>(i - 1)]->addresses(link(v));
      if (!list) continue;
      for (const auto& p : *list)
        if (p.to_string().starts_with("198.19.")) ++n;
    }
    return n;
  }
};

TEST_F(Scale, ThousandInstancesAtOneSecondAdverts) {
  add_links();
  const int window_s = window_seconds(3, 30);
  const int total = kLinks * kPerVlan;
  // [daemon][master, backup]; nan for a daemon HD_BENCH_VRRP_DAEMON leaves out.
  double cpu[2][2] = {{NAN, NAN}, {NAN, NAN}}, pss[2][2] = {{NAN, NAN}, {NAN, NAN}};
  double split[2] = {NAN, NAN}, settle[2] = {NAN, NAN};
  for (Daemon kind : daemons()) {
    const int k = kind == Daemon::kKeepalived;
    auto a = director(kind, 1, instances(200));
    auto b = director(kind, 2, instances(100));
    const auto started = std::chrono::steady_clock::now();
    b->start();
    a->start();
    const bool settled =
        testing::eventually([&] { return vips(1) == total && vips(2) == 0; },
                            seconds(quick() ? 15 : 180), std::chrono::milliseconds(200));
    const double settle_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // Not settling is a finding (a figure), not a failure to measure.
    split[k] = vips(2);
    settle[k] = settled ? settle_s : NAN;
    if (!settled)
      detail("%s did not settle: master holds %d VIPs, backup %d", daemon_name(kind), vips(1),
             vips(2));
    std::this_thread::sleep_for(seconds(quick() ? 1 : 5));
    const auto pa = a->pids(), pb = b->pids();
    const CpuSample a0 = cpu_of(pa), b0 = cpu_of(pb);
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(seconds(window_s));
    const CpuSample a1 = cpu_of(pa), b1 = cpu_of(pb);
    const double wall_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    cpu[k][0] = 100.0 * static_cast<double>(a1.ns - a0.ns) / wall_ns;
    cpu[k][1] = 100.0 * static_cast<double>(b1.ns - b0.ns) / wall_ns;
    pss[k][0] = static_cast<double>(pss_kib(pa)) / 1024;
    pss[k][1] = static_cast<double>(pss_kib(pb)) / 1024;
    detail(
        "%s: %d instances settled in %.1f s; master %.2f %% CPU, %.1f MiB PSS (%zu "
        "processes); backup %.2f %%, %.1f MiB (%zu)",
        daemon_name(kind), total, settle_s, cpu[k][0], pss[k][0], pa.size(), cpu[k][1], pss[k][1],
        pb.size());
    for (pid_t pid : pa) detail("%s master %s", daemon_name(kind), pss_breakdown_text(pid).c_str());
    for (pid_t pid : pb) detail("%s backup %s", daemon_name(kind), pss_breakdown_text(pid).c_str());
    b->crash();
    a->crash();
    clear_addresses("198.19.0.0/16");
  }
  const std::string note =
      std::to_string(total) + " instances, 1 s adverts, " + std::to_string(window_s) + " s window";
  report("vrrp.scale1000_settle", "s", settle[0], settle[1], "-",
         "start to master holding every VIP and backup none (nan: never)");
  report("vrrp.scale1000_backup_vips", "VIPs", split[0], split[1], "== 0",
         "VIPs also held by the backup when measured (split brain)");
  report("vrrp.scale1000_cpu_master", "% core", cpu[0][0], cpu[1][0], "< ka", note);
  report("vrrp.scale1000_cpu_backup", "% core", cpu[0][1], cpu[1][1], "< ka", note);
  report("vrrp.scale1000_pss_master", "MiB", pss[0][0], pss[1][0], "< ka",
         "smaps_rollup, all processes");
  report("vrrp.scale1000_pss_backup", "MiB", pss[0][1], pss[1][1], "< ka",
         "smaps_rollup, all processes");
}

}  // namespace
}  // namespace hadirector::bench
