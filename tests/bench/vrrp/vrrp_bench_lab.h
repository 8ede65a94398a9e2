// The VRRP benchmark lab: the netns tests' DirectorLab (two directors on a bridge) plus a client
// namespace on the same bridge, and one director daemon abstraction over hadirectord and
// keepalived 2.2.7 so every benchmark runs the same steps against both. Configurations for
// both daemons are generated from one instance list, so the two always run the same setup.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/bench/vrrp/client_probe.h"
#include "tests/netns/vrrp_director_lab.h"

namespace hadirector::bench {

enum class Daemon { kHadirector, kKeepalived };
const char* daemon_name(Daemon d);
// The daemons a bench measures, in order: both, or the one HD_BENCH_VRRP_DAEMON names
// ("hadirector" or "keepalived"), for profiling one side at a time.
std::vector<Daemon> daemons();

struct InstanceSpec {
  std::string name;
  std::string ifname;
  int vrid = 0;
  int priority = 100;
  int version = 3;
  int advert_ms = 1000;
  std::string vip;  // "a.b.c.d/len"
};

std::string hadirector_yaml(const std::vector<InstanceSpec>& instances, bool realtime);
std::string keepalived_conf(const std::vector<InstanceSpec>& instances);

// One director's daemon of either kind, in that director's namespace.
class BenchDirector {
 public:
  // hadirectord: `harness` (owned by the lab) runs it. keepalived: `ka_conf` is its configuration.
  BenchDirector(Daemon kind, std::string ns, testing::DaemonHarness* harness,
                const std::string& ka_conf);
  ~BenchDirector();
  BenchDirector(const BenchDirector&) = delete;
  BenchDirector& operator=(const BenchDirector&) = delete;

  void start();
  void crash();  // SIGKILL of every process of the daemon, children first
  void stop();   // SIGTERM: graceful shutdown, priority 0
  bool wait_exit(std::chrono::milliseconds timeout);
  std::vector<pid_t> pids() const;  // the daemon's live process tree
  // State transitions logged so far (any instance, any direction).
  int transitions() const;
  std::string log() const;

 private:
  void drain_notify();

  Daemon kind_;
  std::string ns_;
  testing::DaemonHarness* harness_;
  std::string dir_;  // keepalived's files
  std::unique_ptr<testing::NetnsProcess> ka_;
};

class VrrpBenchLab : public testing::DirectorLab {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A daemon of `kind` on director i (1-based) with these instances (not started).
  std::unique_ptr<BenchDirector> director(Daemon kind, int i,
                                          const std::vector<InstanceSpec>& instances,
                                          bool realtime = false);
  // Director i's eth0 up or down, by ioctl from inside its namespace (no fork: it is the
  // moment a failover is timed from).
  void set_link(int i, bool up);
  // Removes addresses matching `to` (ip addr flush to PREFIX) from both directors: a killed
  // daemon leaves its VIPs behind, and the next daemon must start from a clean link.
  void clear_addresses(const std::string& to);
  const Mac& mac(int i) const { return macs_.at(static_cast<size_t>(i - 1)); }
  // The client's probe of `vip` (created on first use).
  ClientProbe& probe(const std::string& vip = "192.0.2.100");

  std::string client_ns_;

 private:
  std::vector<Mac> macs_;
  std::vector<int> ioctl_fds_;
  std::unique_ptr<ClientProbe> probe_;
};

}  // namespace hadirector::bench
