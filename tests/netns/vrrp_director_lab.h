// Namespace lab for VRRP tests with real binaries: a hub namespace with a bridge and N
// director namespaces, each with eth0 on the bridge (192.0.2.N/24, link-local IPv6), a real
// hadirectord per director (own runtime dir), in-process VIP probes (rtnetlink in each
// namespace, so a failover is timed to the millisecond) and a keepalived runner for interop.
// Documentation prefixes only; the host's own network is never touched.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/netns/daemon_harness.h"
#include "tests/netns/netns_fixture.h"
#include "vrrp/io/netlink_address_manager.h"

namespace hadirector::testing {

// A process started inside a namespace (keepalived), SIGKILLed by pid when destroyed.
class NetnsProcess {
 public:
  NetnsProcess(const std::string& ns, const std::vector<std::string>& argv,
               const std::string& log_path);
  ~NetnsProcess();
  void signal(int signo);
  bool wait_exit(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

class DirectorLab : public ::testing::Test {
 protected:
  void SetUp() override;
  // Adds director i (1-based) to the bridge: namespace, eth0 with 192.0.2.i/24.
  void add_directors(int n);
  // A daemon in director i's namespace with this configuration (not started).
  DaemonHarness& daemon(int i, const std::string& yaml);
  bool has_address(int i, const std::string& prefix);
  // Milliseconds until pred() holds (polling every 1 ms), or -1 after `timeout`.
  template <typename Pred>
  long time_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto start = std::chrono::steady_clock::now();
    if (!eventually(pred, timeout, std::chrono::milliseconds(1))) return -1;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
  }
  // Number of "vrrp instance NAME: OLD -> NEW (reason)" transition lines in director i's log.
  int transitions(int i, const std::string& instance);

  NetnsLab lab_;
  std::string hub_;
  std::vector<std::string> ns_;  // ns_[i-1] is director i
  std::vector<std::unique_ptr<vrrp::NetlinkAddressManager>> probes_;
  std::map<int, std::unique_ptr<DaemonHarness>> daemons_;  // by director
};

// hadirectord configuration for one director: instance "web" (IPv4 multicast, VRID 51), and
// optionally "web6" (IPv6, VRID 52) and "uni" (IPv4 unicast to `peer`, VRID 53).
std::string director_yaml(int priority, bool ipv6, const std::string& unicast_source = "",
                          const std::string& unicast_peer = "", const std::string& extra_vips = "");

}  // namespace hadirector::testing
