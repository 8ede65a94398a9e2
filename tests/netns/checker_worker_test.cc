// The checker worker in the real daemon: live TCP and HTTP checks against servers this test
// runs on 127.0.0.1, status and event stream, operator drains surviving reload and a killed
// worker, and life without IPVS (this host's kernel has none). Needs root only for the VRRP
// worker's instance on an absent interface; the checks touch nothing but loopback.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "tests/netns/daemon_harness.h"

namespace hadirector::testing {
namespace {

using namespace std::chrono_literals;

// A server on 127.0.0.1 that answers every connection with `reply` (empty: close at once).
class LoopbackServer {
 public:
  explicit LoopbackServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() { stop(); }

  // Closes the listening socket: new connections are refused.
  void stop() {
    if (stopping_.exchange(true)) return;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      if (!reply_.empty()) {
        char buf[2048];
        pollfd cp{c, POLLIN, 0};
        if (::poll(&cp, 1, 200) > 0) (void)::read(c, buf, sizeof buf);
        (void)::write(c, reply_.data(), reply_.size());
      }
      ::close(c);
    }
  }

  std::string reply_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Events the supervisor kept (replayed with "since": 0), read for up to `window`.
std::vector<nlohmann::json> recorded_events(const std::string& socket_path,
                                            std::chrono::milliseconds window = 300ms) {
  std::vector<nlohmann::json> out;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return out;
  }
  const std::string request = R"({"cmd":"events","since":0})"
                              "\n";
  (void)::write(fd, request.data(), request.size());
  std::string buffer;
  auto deadline = std::chrono::steady_clock::now() + window;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    buffer.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t start = 0;
  for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
    auto j = nlohmann::json::parse(buffer.substr(start, nl - start), nullptr, false);
    if (j.is_object()) out.push_back(j);
  }
  return out;
}

class CheckerWorkerTest : public ::testing::Test {
 protected:
  std::string config(int http_weight = 100) const {
    const std::string check_timing = "interval: 200ms, timeout: 150ms, rise: 1, fall: 2";
    return "version: 1\n"
           "global:\n"
           "  router_id: checker-test\n"
           "  state_dir: " +
           daemon_.dir() +
           "/state\n"
           "vrrp:\n"
           "  instances:\n"
           "    - name: web\n"
           // An interface that does not exist: the instance sits in FAULT and never touches
           // the host's network (accept: true: nor its nftables), while the checks below must
           // reach the host's loopback.
           "      interface: hdt-absent0\n"
           "      vrid: 177\n"
           "      priority: 150\n"
           "      advert_interval: 100ms\n"
           "      accept: true\n"
           "      virtual_addresses: [192.0.2.177/32]\n"
           "virtual_servers:\n"
           "  - name: web-http\n"
           "    address: 192.0.2.177:80\n"
           "    protocol: tcp\n"
           "    real_servers:\n"
           "      - address: " +
           http_.endpoint() +
           "\n"
           "        weight: " +
           std::to_string(http_weight) +
           "\n"
           "        checks: [{type: http, path: /healthz, " +
           check_timing +
           "}]\n"
           "      - address: " +
           tcp_.endpoint() +
           "\n"
           "        checks: [{type: tcp, " +
           check_timing + "}]\n";
  }
  void start() {
    daemon_.write_config(config());
    daemon_.set_private_network(false);
    daemon_.start();
    ASSERT_TRUE(daemon_.wait_notify("READY=1")) << daemon_.log();
  }
  // The real server's status object, or an empty object while it is not listed (e.g. while a
  // restarted checker worker has not reported yet).
  nlohmann::json real_server(const std::string& endpoint) {
    const auto none = nlohmann::json::object();
    auto s = daemon_.status();
    if (!s.is_object() || !s.contains("virtual_servers")) return none;
    for (const auto& vs : s["virtual_servers"]) {
      if (!vs.contains("real_servers")) continue;
      for (const auto& rs : vs["real_servers"])
        if (rs.value("address", "") == endpoint) return rs;
    }
    return none;
  }
  bool state_is(const std::string& endpoint, const std::string& state,
                std::chrono::milliseconds timeout = 5s) {
    return eventually([&] { return real_server(endpoint).value("state", "") == state; }, timeout);
  }

  LoopbackServer http_{"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  LoopbackServer tcp_{""};
  DaemonHarness daemon_{"version: 1\n"};
};

TEST_F(CheckerWorkerTest, LiveChecksReportUpThenDownWhenAServerStops) {
  start();
  ASSERT_TRUE(state_is(http_.endpoint(), "up")) << daemon_.status().dump(2) << daemon_.log();
  ASSERT_TRUE(state_is(tcp_.endpoint(), "up")) << daemon_.status().dump(2);
  auto rs = real_server(http_.endpoint());
  EXPECT_EQ(rs["healthy"], true);
  EXPECT_EQ(rs["weight"], 100);
  EXPECT_EQ(rs["checks"][0]["type"], "http");
  EXPECT_EQ(rs["checks"][0]["last_reason"], "ok");

  tcp_.stop();
  // fall 2 x interval 200ms, plus a probe in flight: well within a second.
  EXPECT_TRUE(state_is(tcp_.endpoint(), "down", 1500ms)) << daemon_.status().dump(2);
  rs = real_server(tcp_.endpoint());
  EXPECT_EQ(rs["healthy"], false);
  EXPECT_EQ(rs["reason"], "connect-refused");
  EXPECT_TRUE(daemon_.wait_log("real server " + tcp_.endpoint() +
                               " of web-http: up -> down (connect-refused)"))
      << daemon_.log();

  bool seen = false;
  for (const auto& e : recorded_events(daemon_.socket_path())) {
    seen |= e.value("kind", "") == "real_server" && e.value("real_server", "") == tcp_.endpoint() &&
            e.value("from", "") == "up" && e.value("to", "") == "down" &&
            e.value("reason", "") == "connect-refused" && e.value("check", "") == "tcp";
  }
  EXPECT_TRUE(seen);
}

TEST_F(CheckerWorkerTest, ReportsIpvsUnavailableAndKeepsTheVrrpWorkerRunning) {
  start();
  auto s = daemon_.status();
  EXPECT_EQ(s["ipvs"], "unavailable") << s.dump(2);
  EXPECT_TRUE(daemon_.wait_log("IPVS unavailable")) << daemon_.log();
  // The VRRP worker answers for its instance whatever IPVS does (its state machine is not ours
  // to test here).
  ASSERT_FALSE(s["vrrp"]["instances"].empty()) << s.dump(2);
  EXPECT_EQ(s["vrrp"]["instances"][0]["name"], "web");
  for (const auto& p : s["processes"]) EXPECT_EQ(p["running"], true) << p.dump();
  EXPECT_EQ(daemon_.worker_restarts("checker"), 0);
  EXPECT_EQ(daemon_.worker_restarts("vrrp"), 0);
}

TEST_F(CheckerWorkerTest, DrainPersistsAcrossReloadAndAKilledWorker) {
  start();
  ASSERT_TRUE(state_is(http_.endpoint(), "up")) << daemon_.log();
  auto drained = daemon_.ctl({"drain", "web-http", http_.endpoint()});
  EXPECT_EQ(drained.exit_code, 0) << drained.err;
  EXPECT_NE(drained.out.find("drained " + http_.endpoint() + " in web-http"), std::string::npos)
      << drained.out;
  ASSERT_TRUE(state_is(http_.endpoint(), "draining"));
  EXPECT_EQ(real_server(http_.endpoint())["weight"], 0);
  EXPECT_NE(read_file(daemon_.dir() + "/state/drains.json").find(http_.endpoint()),
            std::string::npos);

  daemon_.write_config(config(50));
  daemon_.signal(SIGHUP);
  ASSERT_TRUE(daemon_.wait_log("reload complete: generation 2")) << daemon_.log();
  EXPECT_EQ(real_server(http_.endpoint())["state"], "draining");
  EXPECT_EQ(real_server(http_.endpoint())["configured_weight"], 50);

  pid_t vrrp_pid = daemon_.worker_pid("vrrp");
  ::kill(daemon_.worker_pid("checker"), SIGKILL);
  ASSERT_TRUE(eventually([&] { return daemon_.worker_restarts("checker") == 1; }));
  ASSERT_TRUE(state_is(http_.endpoint(), "draining")) << daemon_.status().dump(2);
  EXPECT_EQ(daemon_.worker_pid("vrrp"), vrrp_pid);

  auto enabled = daemon_.ctl({"enable", "web-http", http_.endpoint()});
  EXPECT_EQ(enabled.exit_code, 0) << enabled.err;
  EXPECT_TRUE(state_is(http_.endpoint(), "up"));
  EXPECT_EQ(real_server(http_.endpoint())["weight"], 50);
}

TEST_F(CheckerWorkerTest, UnknownNamesInDrainAreClearErrors) {
  start();
  auto r = daemon_.ctl({"drain", "no-such-vs", "127.0.0.1:1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no virtual server named 'no-such-vs'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hadirector::testing
