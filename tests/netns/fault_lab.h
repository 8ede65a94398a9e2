// Shared pieces of the fault suite (tests/netns/fault_*_test.cc): quick mode under ctest, the
// long version with HD_FAULT_FULL=1; a director pair (priorities 200 and 100, instances "web"
// multicast and "uni" unicast) plus a third, daemon-less namespace on the same bridge that plays
// the attacker; per-process figures from /proc (CPU time, open fds, RSS) and VRRP state from
// `status --json`. Each scenario prints its figures as `[ FIGURE ]` lines.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "tests/netns/vrrp_director_lab.h"

namespace hadirector::testing {

bool fault_full_mode();
// `env` as a number when set; otherwise `full` with HD_FAULT_FULL=1, else `quick`.
double fault_param(const char* env, double quick, double full);

struct ProcFigures {
  double cpu_seconds = 0;  // user + system
  int fds = 0;
  long rss_kb = 0;
};
ProcFigures proc_figures(pid_t pid);

// One instance's object from `status --json` (null when absent or the daemon did not answer).
nlohmann::json instance_status(DaemonHarness& d, const std::string& instance);
std::string instance_state(DaemonHarness& d, const std::string& instance);
// Lines of `text` containing `needle`.
int count_lines(const std::string& text, const std::string& needle);

// An AF_PACKET socket on one interface of a namespace, for raw Ethernet frames.
class FrameSocket {
 public:
  FrameSocket(const std::string& ns, const std::string& ifname);
  ~FrameSocket();
  FrameSocket(const FrameSocket&) = delete;
  FrameSocket& operator=(const FrameSocket&) = delete;
  bool send(std::span<const uint8_t> frame);
  // Sends up to 64 frames in one sendmmsg; how many went out.
  size_t send_batch(std::span<const std::vector<uint8_t>> frames);
  // Frames skip the interface's qdisc (PACKET_QDISC_BYPASS): a flood's sender then costs the
  // kernel a little less per frame.
  void bypass_qdisc();
  // Next frame within timeout_ms, empty when none.
  std::string receive(int timeout_ms);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  int ifindex_ = 0;
};

class FaultPair : public DirectorLab {
 protected:
  // Directors 1 (priority 200) and 2 (100) running, "web" and "uni" MASTER on 1; namespace 3
  // on the bridge (192.0.2.3) runs nothing.
  void SetUp() override;
  const std::string& attacker() const { return ns_[2]; }
  // Both directors agree: 1 MASTER, 2 BACKUP for "web" and "uni".
  void expect_settled_pair();

  DaemonHarness* a_ = nullptr;
  DaemonHarness* b_ = nullptr;
  // Both directors run their VRRP worker SCHED_RR (`vrrp: realtime: true`), as an operator
  // expecting hostile traffic or a loaded host would.
  bool realtime_ = false;
};

}  // namespace hadirector::testing
