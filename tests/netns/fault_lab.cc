#include "tests/netns/fault_lab.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace hadirector::testing {

bool fault_full_mode() {
  const char* full = std::getenv("HD_FAULT_FULL");
  return full != nullptr && std::string(full) == "1";
}

double fault_param(const char* env, double quick, double full) {
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return std::atof(v);
  return fault_full_mode() ? full : quick;
}

ProcFigures proc_figures(pid_t pid) {
  ProcFigures f;
  const std::string base = "/proc/" + std::to_string(pid);
  const std::string stat = read_file(base + "/stat");
  if (auto close_paren = stat.rfind(')'); close_paren != std::string::npos) {
    // Fields after the command: state is field 3; utime and stime are fields 14 and 15.
    std::istringstream rest(stat.substr(close_paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    f.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(base + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++f.fds;
  std::istringstream status(read_file(base + "/status"));
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) f.rss_kb = std::atol(line.c_str() + 6);
  return f;
}

nlohmann::json instance_status(DaemonHarness& d, const std::string& instance) {
  auto s = d.status();
  if (!s.is_object() || !s.contains("vrrp")) return nullptr;
  for (const auto& i : s["vrrp"].value("instances", nlohmann::json::array()))
    if (i.value("name", "") == instance) return i;
  return nullptr;
}

std::string instance_state(DaemonHarness& d, const std::string& instance) {
  auto i = instance_status(d, instance);
  return i.is_object() ? i.value("state", "") : "";
}

int count_lines(const std::string& text, const std::string& needle) {
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) ++n;
  return n;
}

FrameSocket::FrameSocket(const std::string& ns, const std::string& ifname) {
  NetnsGuard guard(ns);
  if (!guard.entered()) return;
  ifindex_ = static_cast<int>(if_nametoindex(ifname.c_str()));
  fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd_ < 0 || ifindex_ == 0) {
    ADD_FAILURE() << "packet socket on " << ifname << " in " << ns;
    return;
  }
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = ifindex_;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    ADD_FAILURE() << "bind packet socket on " << ifname;
  int big = 4 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
}

FrameSocket::~FrameSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool FrameSocket::send(std::span<const uint8_t> frame) {
  return ::send(fd_, frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size());
}

size_t FrameSocket::send_batch(std::span<const std::vector<uint8_t>> frames) {
  constexpr size_t kMax = 64;
  iovec iov[kMax];
  mmsghdr msgs[kMax]{};
  const size_t n = std::min(frames.size(), kMax);
  for (size_t i = 0; i < n; ++i) {
    iov[i] = {const_cast<uint8_t*>(frames[i].data()), frames[i].size()};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  const int sent = ::sendmmsg(fd_, msgs, static_cast<unsigned>(n), 0);
  return sent > 0 ? static_cast<size_t>(sent) : 0;
}

void FrameSocket::bypass_qdisc() {
  int on = 1;
  ::setsockopt(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof on);
}

std::string FrameSocket::receive(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return {};
  char buf[2048];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

void FaultPair::SetUp() {
  DirectorLab::SetUp();
  if (IsSkipped()) return;
  add_directors(3);
  auto config = [&](int priority, const std::string& self, const std::string& peer) {
    std::string yaml = director_yaml(priority, false, self, peer);
    if (realtime_) yaml.replace(yaml.find("vrrp:\n"), 6, "vrrp:\n  realtime: true\n");
    return yaml;
  };
  a_ = &daemon(1, config(200, "192.0.2.1", "192.0.2.2"));
  b_ = &daemon(2, config(100, "192.0.2.2", "192.0.2.1"));
  a_->start();
  b_->start();
  ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.100/24"); }, std::chrono::seconds(5)))
      << a_->log();
  ASSERT_TRUE(eventually([&] { return has_address(1, "192.0.2.200/24"); }, std::chrono::seconds(5)))
      << a_->log();
  ASSERT_TRUE(eventually([&] { return instance_state(*b_, "uni") == "BACKUP"; }));
  ASSERT_TRUE(eventually([&] { return instance_state(*b_, "web") == "BACKUP"; }));
}

void FaultPair::expect_settled_pair() {
  for (const char* name : {"web", "uni"}) {
    EXPECT_EQ(instance_state(*a_, name), "MASTER") << name << "\n" << a_->log();
    EXPECT_EQ(instance_state(*b_, name), "BACKUP") << name << "\n" << b_->log();
  }
  EXPECT_TRUE(has_address(1, "192.0.2.100/24"));
  EXPECT_FALSE(has_address(2, "192.0.2.100/24"));
}

}  // namespace hadirector::testing
