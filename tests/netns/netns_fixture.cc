#include "tests/netns/netns_fixture.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>

namespace hadirector::testing {
namespace {

std::atomic<int> next_namespace{0};

}  // namespace

bool running_as_root() { return ::geteuid() == 0; }

NetnsLab::~NetnsLab() {
  // Deleting a namespace removes its links; a veth dies with either end.
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) {
    run_command({"ip", "netns", "del", *it});
  }
}

std::string NetnsLab::add_namespace() {
  std::string name = "hdt-" + std::to_string(::getpid()) + "-" + std::to_string(next_namespace++);
  CommandResult r = run_command({"ip", "netns", "add", name});
  if (r.exit_code != 0) {
    ADD_FAILURE() << "ip netns add " << name << ": " << r.err;
    return name;
  }
  namespaces_.push_back(name);
  exec_ok(name, {"ip", "link", "set", "lo", "up"});
  exec_ok(name, {"sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
                 "net.ipv6.conf.default.accept_dad=0"});
  return name;
}

void NetnsLab::disable_dad(const std::string& ns, const std::string& ifname) {
  exec(ns, {"sysctl", "-qw", "net.ipv6.conf." + ifname + ".accept_dad=0"});
}

void NetnsLab::add_veth(const std::string& ns_a, const std::string& a_if, const std::string& ns_b,
                        const std::string& b_if) {
  // Created under a temporary name in ns_a so that the peer's name cannot clash there.
  std::string tmp = "hdtv" + std::to_string(next_link_++);
  exec_ok(ns_a, {"ip", "link", "add", tmp, "type", "veth", "peer", "name", b_if, "netns", ns_b});
  exec_ok(ns_a, {"ip", "link", "set", tmp, "name", a_if});
  disable_dad(ns_a, a_if);
  disable_dad(ns_b, b_if);
  exec_ok(ns_a, {"ip", "link", "set", a_if, "up"});
  exec_ok(ns_b, {"ip", "link", "set", b_if, "up"});
}

void NetnsLab::add_bridge(const std::string& hub_ns, const std::string& bridge,
                          const std::vector<std::pair<std::string, std::string>>& members) {
  exec_ok(hub_ns, {"ip", "link", "add", bridge, "type", "bridge"});
  exec_ok(hub_ns, {"ip", "link", "set", bridge, "up"});
  for (const auto& [ns, ifname] : members) {
    std::string port = "hdtp" + std::to_string(next_link_++);
    add_veth(hub_ns, port, ns, ifname);
    exec_ok(hub_ns, {"ip", "link", "set", port, "master", bridge});
  }
}

CommandResult NetnsLab::exec(const std::string& ns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  return run_command(argv);
}

CommandResult NetnsLab::exec_ok(const std::string& ns, std::vector<std::string> argv) {
  std::string text;
  for (const auto& a : argv) text += a + " ";
  CommandResult r = exec(ns, std::move(argv));
  if (r.exit_code != 0) ADD_FAILURE() << "in " << ns << ": " << text << "failed: " << r.err;
  return r;
}

std::vector<std::string> NetnsLab::addresses(const std::string& ns, const std::string& ifname) {
  CommandResult r = exec_ok(ns, {"ip", "-j", "addr", "show", "dev", ifname});
  std::vector<std::string> out;
  auto doc = nlohmann::json::parse(r.out, nullptr, false);
  if (!doc.is_array()) return out;
  for (const auto& link : doc) {
    for (const auto& a : link.value("addr_info", nlohmann::json::array())) {
      out.push_back(a.value("local", "") + "/" + std::to_string(a.value("prefixlen", 0)));
    }
  }
  return out;
}

int NetnsLab::ifindex(const std::string& ns, const std::string& ifname) {
  CommandResult r = exec_ok(ns, {"ip", "-j", "link", "show", "dev", ifname});
  auto doc = nlohmann::json::parse(r.out, nullptr, false);
  if (!doc.is_array() || doc.empty()) return 0;
  return doc[0].value("ifindex", 0);
}

NetnsGuard::NetnsGuard(const std::string& ns) {
  saved_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (saved_ >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0) {
    entered_ = true;
  } else {
    ADD_FAILURE() << "cannot enter network namespace " << ns;
  }
  if (target >= 0) ::close(target);
}

NetnsGuard::~NetnsGuard() {
  if (entered_ && ::setns(saved_, CLONE_NEWNET) != 0) {
    // Staying in a test namespace would point later tests at the wrong network: stop here.
    std::abort();
  }
  if (saved_ >= 0) ::close(saved_);
}

}  // namespace hadirector::testing
