#include "tests/netns/vrrp_director_lab.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace hadirector::testing {

NetnsProcess::NetnsProcess(const std::string& ns, const std::vector<std::string>& argv,
                           const std::string& log_path) {
  // Built before fork: the child makes only async-signal-safe calls until exec (an allocation
  // there can wait forever for a lock another thread held at the fork).
  const std::string ns_path = "/var/run/netns/" + ns;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    int nsfd = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) _exit(126);
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execvp(args[0], args.data());
    _exit(127);
  }
}

NetnsProcess::~NetnsProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void NetnsProcess::signal(int signo) {
  if (pid_ > 0 && !exited_) ::kill(pid_, signo);
}

bool NetnsProcess::wait_exit(std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        if (exited_) return true;
        exited_ = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
        return exited_;
      },
      timeout);
}

void DirectorLab::SetUp() {
  HD_SKIP_UNLESS_ROOT();
  hub_ = lab_.add_namespace();
}

void DirectorLab::add_directors(int n) {
  std::vector<std::pair<std::string, std::string>> members;
  for (int i = 0; i < n; ++i) {
    ns_.push_back(lab_.add_namespace());
    members.emplace_back(ns_.back(), "eth0");
  }
  lab_.add_bridge(hub_, "br0", members);
  for (int i = 0; i < n; ++i) {
    lab_.exec_ok(ns_[i],
                 {"ip", "addr", "add", "192.0.2." + std::to_string(i + 1) + "/24", "dev", "eth0"});
    NetnsGuard guard(ns_[i]);
    auto probe = vrrp::NetlinkAddressManager::create();
    ASSERT_TRUE(probe) << probe.error().message();
    probes_.push_back(std::move(*probe));
  }
  // The link-local addresses (DAD is off in the lab) are there at once; wait anyway.
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(eventually([&] {
      auto ll = probes_[i]->ipv6_link_local("eth0");
      return ll && *ll;
    }));
}

DaemonHarness& DirectorLab::daemon(int i, const std::string& yaml) {
  auto& d = daemons_[i];
  d = std::make_unique<DaemonHarness>(yaml);
  d->set_netns(ns_[i - 1]);
  return *d;
}

bool DirectorLab::has_address(int i, const std::string& prefix) {
  auto list = probes_[i - 1]->addresses("eth0");
  if (!list) return false;
  return std::ranges::any_of(*list,
                             [&](const config::IpPrefix& p) { return p.to_string() == prefix; });
}

int DirectorLab::transitions(int i, const std::string& instance) {
  int n = 0;
  const std::string needle = "vrrp instance " + instance + ": ";
  const std::string log = daemons_.at(i)->log();
  for (size_t pos = log.find(needle); pos != std::string::npos; pos = log.find(needle, pos + 1)) {
    const size_t eol = log.find('\n', pos);
    if (log.substr(pos, eol - pos).find("vrrp-transition") != std::string::npos) ++n;
  }
  return n;
}

std::string director_yaml(int priority, bool ipv6, const std::string& unicast_source,
                          const std::string& unicast_peer, const std::string& extra_vips) {
  const std::string p = std::to_string(priority);
  std::string y = "version: 1\nvrrp:\n  instances:\n";
  y += "    - {name: web, interface: eth0, vrid: 51, priority: " + p +
       ", advert_interval: 100ms, virtual_addresses: [192.0.2.100/24" + extra_vips + "]}\n";
  if (ipv6)
    y += "    - {name: web6, interface: eth0, vrid: 52, priority: " + p +
         ", advert_interval: 100ms, virtual_addresses: ['2001:db8::100/64']}\n";
  if (!unicast_peer.empty())
    y += "    - {name: uni, interface: eth0, vrid: 53, priority: " + p +
         ", advert_interval: 100ms, virtual_addresses: [192.0.2.200/24], unicast: {source: " +
         unicast_source + ", peers: [" + unicast_peer + "]}}\n";
  return y;
}

}  // namespace hadirector::testing
