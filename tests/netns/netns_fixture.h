// RAII network-namespace lab for tests on the real kernel: uniquely named namespaces
// ("hdt-<pid>-<n>"), veth pairs and bridges between them, commands run inside
// (`ip netns exec`), and a guard that moves the current thread into a namespace and back.
// The destructor deletes every namespace it made (and with them their links), also when the
// test failed. It never touches the host's own namespace beyond creating and deleting these.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/netns/daemon_harness.h"

namespace hadirector::testing {

bool running_as_root();

// Skips the current test unless running as root.
#define HD_SKIP_UNLESS_ROOT()                                                                      \
  do {                                                                                             \
    if (!::hadirector::testing::running_as_root()) GTEST_SKIP() << "needs root (CI runs as root)"; \
  } while (0)

class NetnsLab {
 public:
  NetnsLab() = default;
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;
  ~NetnsLab();

  // A new namespace with lo up and IPv6 duplicate address detection off (so link-local and
  // test addresses are usable at once). Returns its name.
  std::string add_namespace();
  // A veth pair: `a_if` in `ns_a`, `b_if` in `ns_b`, both up.
  void add_veth(const std::string& ns_a, const std::string& a_if, const std::string& ns_b,
                const std::string& b_if);
  // A bridge `bridge` in `hub_ns` and, for each (ns, ifname), a veth from the bridge to an
  // interface `ifname` in ns; everything up.
  void add_bridge(const std::string& hub_ns, const std::string& bridge,
                  const std::vector<std::pair<std::string, std::string>>& members);

  // Runs argv inside ns.
  CommandResult exec(const std::string& ns, std::vector<std::string> argv);
  // Runs argv inside ns and records a test failure (with its stderr) if it exits non-zero.
  CommandResult exec_ok(const std::string& ns, std::vector<std::string> argv);
  // `ip -n ns -j addr show dev ifname`, as "addr/len" strings.
  std::vector<std::string> addresses(const std::string& ns, const std::string& ifname);
  int ifindex(const std::string& ns, const std::string& ifname);

  const std::vector<std::string>& namespaces() const { return namespaces_; }

 private:
  void disable_dad(const std::string& ns, const std::string& ifname);

  std::vector<std::string> namespaces_;
  int next_link_ = 0;
};

// Moves the calling thread into a namespace until destroyed. Sockets opened meanwhile stay in
// that namespace after the thread returns, so one thread can hold sockets in several.
class NetnsGuard {
 public:
  explicit NetnsGuard(const std::string& ns);
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;
  ~NetnsGuard();
  bool entered() const { return entered_; }

 private:
  int saved_ = -1;
  bool entered_ = false;
};

}  // namespace hadirector::testing
