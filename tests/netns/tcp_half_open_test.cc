// Bare tcp checks through the real daemon across a veth pair: the checker (in its own
// namespace) probes real servers in another namespace half-open by default. A listening port
// is up and its application never has a connection to accept, a closed port is down with
// connect-refused, a silent address (a neighbour that never answers) times out, rise and fall
// count through the daemon, IPv6 works, and `half_open: false` connects as before.
#include <arpa/inet.h>
#include <linux/capability.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "daemon/core/unique_fd.h"
#include "tests/netns/netns_fixture.h"

namespace hadirector::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kServerV4[] = "10.77.31.2", kDirectorV4[] = "10.77.31.1";
constexpr char kSilentV4[] = "10.77.31.99";  // a permanent neighbour entry, no host behind it
constexpr char kServerV6[] = "fd00:77:31::2", kDirectorV6[] = "fd00:77:31::1";

// A listening socket opened inside `ns`, never accepting unless asked; port 0 picks one.
core::UniqueFd listen_in(const std::string& ns, bool v6, uint16_t port = 0) {
  NetnsGuard guard(ns);
  core::UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage a{};
  socklen_t len;
  if (v6) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&a);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    inet_pton(AF_INET6, kServerV6, &a6->sin6_addr);
    len = sizeof *a6;
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&a);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    inet_pton(AF_INET, kServerV4, &a4->sin_addr);
    len = sizeof *a4;
  }
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), len), 0) << std::strerror(errno);
  EXPECT_EQ(::listen(fd.get(), 64), 0);
  return fd;
}

uint16_t port_of(const core::UniqueFd& fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(a).sin6_port
                                       : reinterpret_cast<sockaddr_in&>(a).sin_port);
}

// Whether the checker worker's effective set holds CAP_NET_RAW (the supervisor gives it only
// to a checker whose configuration has an icmp or a half-open tcp check).
bool checker_holds_net_raw(DaemonHarness& daemon) {
  const std::string status = read_file("/proc/" + std::to_string(daemon.worker_pid("checker")) +
                                       "/status");
  const size_t at = status.find("CapEff:");
  if (at == std::string::npos) return false;
  return (std::stoull(status.substr(at + 7), nullptr, 16) >> CAP_NET_RAW) & 1;
}

// Connections waiting in the listener's accept queue (accepted and closed here).
int drain_accepts(const core::UniqueFd& fd) {
  int n = 0;
  for (int c; (c = ::accept4(fd.get(), nullptr, nullptr, SOCK_CLOEXEC)) >= 0; ++n) ::close(c);
  return n;
}

class TcpHalfOpenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_SKIP_UNLESS_ROOT();
    director_ = lab_.add_namespace();
    server_ = lab_.add_namespace();
    lab_.add_veth(director_, "ckc-d", server_, "ckc-s");
    lab_.exec_ok(director_, {"ip", "addr", "add", std::string(kDirectorV4) + "/24", "dev", "ckc-d"});
    lab_.exec_ok(server_, {"ip", "addr", "add", std::string(kServerV4) + "/24", "dev", "ckc-s"});
    lab_.exec_ok(director_, {"ip", "addr", "add", std::string(kDirectorV6) + "/64", "dev", "ckc-d"});
    lab_.exec_ok(server_, {"ip", "addr", "add", std::string(kServerV6) + "/64", "dev", "ckc-s"});
    lab_.exec_ok(director_, {"ip", "neigh", "add", kSilentV4, "lladdr", "02:00:00:77:31:99",
                             "dev", "ckc-d", "nud", "permanent"});
  }

  std::string real_server(const std::string& endpoint, const std::string& extra = "") const {
    return "      - address: '" + endpoint + "'\n        checks: [{type: tcp, interval: 100ms, "
           "timeout: 80ms, rise: 2, fall: 2" + extra + "}]\n";
  }
  // IPv4 real servers in one virtual server, IPv6 ones (if any) in another.
  void start(const std::string& reals, const std::string& reals6 = "") {
    std::string yaml = "version: 1\nglobal:\n  router_id: ckc-half-open\n  state_dir: " +
                       daemon_.dir() + "/state\nvirtual_servers:\n  - name: web\n"
                       "    address: 192.0.2.181:80\n    real_servers:\n" + reals;
    if (!reals6.empty())
      yaml += "  - name: web6\n    address: '[2001:db8::181]:80'\n    real_servers:\n" + reals6;
    daemon_.write_config(yaml);
    daemon_.set_netns(director_);
    daemon_.start();
    ASSERT_TRUE(daemon_.wait_notify("READY=1")) << daemon_.log();
  }
  nlohmann::json real(const std::string& endpoint) {
    auto s = daemon_.status();
    if (s.is_object() && s.contains("virtual_servers"))
      for (const auto& vs : s["virtual_servers"])
        for (const auto& rs : vs.value("real_servers", nlohmann::json::array()))
          if (rs.value("address", "") == endpoint) return rs;
    return nullptr;
  }
  bool becomes(const std::string& endpoint, const std::string& state, const std::string& reason,
               std::chrono::milliseconds timeout = 5s) {
    return eventually([&] {
      auto rs = real(endpoint);
      if (!rs.is_object() || rs.value("state", "") != state) return false;
      return reason.empty() || rs["checks"][0].value("last_reason", "") == reason;
    }, timeout, 20ms);
  }

  NetnsLab lab_;
  std::string director_, server_;
  DaemonHarness daemon_{"version: 1\n"};
};

TEST_F(TcpHalfOpenTest, ListeningClosedAndSilentServersWithoutAnAcceptedConnection) {
  core::UniqueFd listener = listen_in(server_, false);
  core::UniqueFd listener6 = listen_in(server_, true);
  const std::string up = std::string(kServerV4) + ":" + std::to_string(port_of(listener));
  const std::string up6 = "[" + std::string(kServerV6) + "]:" + std::to_string(port_of(listener6));
  const std::string closed = std::string(kServerV4) + ":" + std::to_string(port_of(listener) ^ 1);
  const std::string silent = std::string(kSilentV4) + ":80";
  start(real_server(up) + real_server(closed) + real_server(silent), real_server(up6));
  EXPECT_TRUE(becomes(up, "up", "")) << real(up).dump() << daemon_.log();
  EXPECT_TRUE(becomes(up6, "up", "")) << real(up6).dump();
  EXPECT_TRUE(becomes(closed, "down", "connect-refused")) << real(closed).dump();
  EXPECT_TRUE(becomes(silent, "down", "timeout")) << real(silent).dump();
  // Dozens of probes later the applications still have nothing to accept.
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(becomes(up, "up", ""));
  EXPECT_EQ(drain_accepts(listener), 0);
  EXPECT_EQ(drain_accepts(listener6), 0);
  EXPECT_EQ(daemon_.log().find("connect instead of probing half-open"), std::string::npos)
      << daemon_.log();
  EXPECT_TRUE(checker_holds_net_raw(daemon_));
}

TEST_F(TcpHalfOpenTest, FallsWhenTheListenerGoesAndRisesWhenItComesBack) {
  core::UniqueFd listener = listen_in(server_, false);
  const uint16_t port = port_of(listener);
  const std::string up = std::string(kServerV4) + ":" + std::to_string(port);
  start(real_server(up));
  ASSERT_TRUE(becomes(up, "up", "")) << real(up).dump() << daemon_.log();
  listener.reset();
  EXPECT_TRUE(becomes(up, "down", "connect-refused")) << real(up).dump();
  listener = listen_in(server_, false, port);
  EXPECT_TRUE(becomes(up, "up", "")) << real(up).dump();
}

TEST_F(TcpHalfOpenTest, HalfOpenFalseConnectsAndTheApplicationSeesIt) {
  core::UniqueFd listener = listen_in(server_, false);
  const std::string up = std::string(kServerV4) + ":" + std::to_string(port_of(listener));
  start(real_server(up, ", half_open: false"));
  ASSERT_TRUE(becomes(up, "up", "")) << real(up).dump() << daemon_.log();
  EXPECT_TRUE(eventually([&] { return drain_accepts(listener) > 0; }, 3s));
  EXPECT_FALSE(checker_holds_net_raw(daemon_)) << "no check needs a raw socket";
}

}  // namespace
}  // namespace hadirector::testing
