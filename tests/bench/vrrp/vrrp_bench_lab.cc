#include "tests/bench/vrrp/vrrp_bench_lab.h"

#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "tests/bench/vrrp/proc_stats.h"

namespace hadirector::bench {
namespace {

std::string advert_int_seconds(int ms) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%g", ms / 1000.0);
  return buf;
}

int count_lines_with(const std::string& text, const std::string& a, const std::string& b) {
  int n = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    if (line.find(a) != std::string_view::npos && line.find(b) != std::string_view::npos) ++n;
    start = end + 1;
  }
  return n;
}

}  // namespace

const char* daemon_name(Daemon d) { return d == Daemon::kHadirector ? "hadirector" : "keepalived"; }

std::vector<Daemon> daemons() {
  const char* only = std::getenv("HD_BENCH_VRRP_DAEMON");
  std::vector<Daemon> out;
  for (Daemon d : {Daemon::kHadirector, Daemon::kKeepalived})
    if (only == nullptr || *only == '\0' || std::string_view(only) == daemon_name(d))
      out.push_back(d);
  return out;
}

std::string hadirector_yaml(const std::vector<InstanceSpec>& instances, bool realtime) {
  std::string y = "version: 1\nvrrp:\n";
  if (realtime) y += "  realtime: true\n";
  y += "  instances:\n";
  // accept: true (v3; v2 VIPs are never closed): the client probe pings the VIP, and keepalived
  // without vrrp_strict accepts too.
  for (const auto& i : instances)
    y += "    - {name: " + i.name + ", interface: " + i.ifname +
         ", vrid: " + std::to_string(i.vrid) + ", priority: " + std::to_string(i.priority) +
         ", version: " + std::to_string(i.version) +
         ", advert_interval: " + std::to_string(i.advert_ms) + "ms" +
         (i.version == 3 ? ", accept: true" : "") + ", virtual_addresses: [" + i.vip + "]}\n";
  return y;
}

std::string keepalived_conf(const std::vector<InstanceSpec>& instances) {
  std::string c = "global_defs {\n  router_id bench\n}\n";
  for (const auto& i : instances)
    c += "vrrp_instance " + i.name + " {\n  state BACKUP\n  interface " + i.ifname +
         "\n  virtual_router_id " + std::to_string(i.vrid) + "\n  priority " +
         std::to_string(i.priority) + "\n  version " + std::to_string(i.version) +
         "\n  advert_int " + advert_int_seconds(i.advert_ms) + "\n  virtual_ipaddress {\n    " +
         i.vip + "\n  }\n}\n";
  return c;
}

BenchDirector::BenchDirector(Daemon kind, std::string ns, testing::DaemonHarness* harness,
                             const std::string& ka_conf)
    : kind_(kind), ns_(std::move(ns)), harness_(harness) {
  if (kind_ != Daemon::kKeepalived) return;
  char tmpl[] = "/tmp/hd-bench-ka-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  testing::write_file(dir_ + "/keepalived.conf", ka_conf);
}

BenchDirector::~BenchDirector() {
  // The lab owns hadirectord's harness, but its daemon must not outlive this director: the
  // next benchmark step may run keepalived on the same link.
  crash();
  if (kind_ != Daemon::kKeepalived) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void BenchDirector::start() {
  if (kind_ == Daemon::kHadirector) {
    drain_notify();
    return harness_->start();
  }
  // A killed child can linger as a zombie (its parent died first); its pid file would make
  // keepalived refuse to start ("daemon is already running").
  std::error_code ec;
  for (const char* f : {"/ka.pid", "/ka-vrrp.pid"}) std::filesystem::remove(dir_ + f, ec);
  ka_ = std::make_unique<testing::NetnsProcess>(
      ns_,
      std::vector<std::string>{"/usr/sbin/keepalived", "-n", "-l", "-D", "-G", "-P", "-f",
                               dir_ + "/keepalived.conf", "-p", dir_ + "/ka.pid", "-r",
                               dir_ + "/ka-vrrp.pid"},
      dir_ + "/keepalived.log");
}

void BenchDirector::crash() {
  if (kind_ == Daemon::kHadirector) return harness_->kill_all();
  if (!ka_) return;
  // Freeze the parent so it respawns nothing, then the VRRP child first: outliving its parent
  // it would stop gracefully (priority 0) or, respawned, keep advertising.
  ka_->signal(SIGSTOP);
  for (pid_t child : testing::children_of(ka_->pid())) ::kill(child, SIGKILL);
  ka_.reset();  // SIGKILLs and reaps the parent
}

// hadirectord's sd_notify blocks once the harness's NOTIFY_SOCKET holds max_dgram_qlen (10)
// unread datagrams, freezing its supervisor (seen as a SIGTERM that never hands over after a
// few restarts): read them.
void BenchDirector::drain_notify() {
  while (harness_->next_notify(std::chrono::milliseconds(0))) {
  }
}

void BenchDirector::stop() {
  if (kind_ == Daemon::kHadirector) {
    drain_notify();
    return harness_->signal(SIGTERM);
  }
  if (ka_) ka_->signal(SIGTERM);
}

bool BenchDirector::wait_exit(std::chrono::milliseconds timeout) {
  if (kind_ == Daemon::kHadirector) return harness_->wait_exit(timeout).has_value();
  return !ka_ || ka_->wait_exit(timeout);
}

std::vector<pid_t> BenchDirector::pids() const {
  if (kind_ == Daemon::kHadirector) return process_tree(harness_->pid());
  return ka_ ? process_tree(ka_->pid()) : std::vector<pid_t>{};
}

int BenchDirector::transitions() const {
  if (kind_ == Daemon::kHadirector) return count_lines_with(log(), "vrrp instance ", " -> ");
  return count_lines_with(log(), "Entering ", " STATE");
}

std::string BenchDirector::log() const {
  return kind_ == Daemon::kHadirector ? harness_->log()
                                      : testing::read_file(dir_ + "/keepalived.log");
}

void VrrpBenchLab::SetUp() {
  DirectorLab::SetUp();
  if (IsSkipped()) return;
  if (::access("/usr/sbin/keepalived", X_OK) != 0)
    GTEST_SKIP() << "keepalived 2.2.7 (Debian package keepalived) is not installed";
  add_directors(2);
  client_ns_ = lab_.add_namespace();
  lab_.add_veth(hub_, "hdtpc", client_ns_, "eth0");
  lab_.exec_ok(hub_, {"ip", "link", "set", "hdtpc", "master", "br0"});
  lab_.exec_ok(client_ns_, {"ip", "addr", "add", "192.0.2.10/24", "dev", "eth0"});
  for (const auto& ns : ns_) {
    testing::NetnsGuard guard(ns);
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq req{};
    std::strncpy(req.ifr_name, "eth0", IFNAMSIZ - 1);
    ASSERT_EQ(::ioctl(fd, SIOCGIFHWADDR, &req), 0) << "MAC of eth0 in " << ns;
    Mac mac{};
    std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, 6);
    macs_.push_back(mac);
    ioctl_fds_.push_back(fd);
  }
}

void VrrpBenchLab::TearDown() {
  probe_.reset();
  for (int fd : ioctl_fds_) ::close(fd);
  ioctl_fds_.clear();
}

std::unique_ptr<BenchDirector> VrrpBenchLab::director(Daemon kind, int i,
                                                      const std::vector<InstanceSpec>& instances,
                                                      bool realtime) {
  if (kind == Daemon::kHadirector)
    return std::make_unique<BenchDirector>(kind, ns_[i - 1],
                                           &daemon(i, hadirector_yaml(instances, realtime)), "");
  return std::make_unique<BenchDirector>(kind, ns_[i - 1], nullptr, keepalived_conf(instances));
}

void VrrpBenchLab::set_link(int i, bool up) {
  const int fd = ioctl_fds_.at(static_cast<size_t>(i - 1));
  ifreq req{};
  std::strncpy(req.ifr_name, "eth0", IFNAMSIZ - 1);
  ASSERT_EQ(::ioctl(fd, SIOCGIFFLAGS, &req), 0);
  req.ifr_flags = static_cast<short>(up ? req.ifr_flags | IFF_UP : req.ifr_flags & ~IFF_UP);
  ASSERT_EQ(::ioctl(fd, SIOCSIFFLAGS, &req), 0);
}

void VrrpBenchLab::clear_addresses(const std::string& to) {
  for (const auto& ns : ns_) lab_.exec_ok(ns, {"ip", "addr", "flush", "to", to});
}

ClientProbe& VrrpBenchLab::probe(const std::string& vip) {
  if (!probe_) probe_ = std::make_unique<ClientProbe>(client_ns_, vip);
  return *probe_;
}

}  // namespace hadirector::bench
