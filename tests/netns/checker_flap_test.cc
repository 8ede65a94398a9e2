// Rise and fall through the real daemon: an HTTP server on 127.0.0.1 whose answer the test
// switches between 200 and 503 counts every probe it answers, so the probe that flips the
// real server's state is known exactly: the `rise`-th good answer in a row brings it up, the
// `fall`-th bad one takes it down, and a server alternating good and bad never comes up.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "tests/netns/daemon_harness.h"

namespace hadirector::testing {
namespace {

using namespace std::chrono_literals;

enum class Mode { kGood, kBad, kAlternate };

class SwitchableHttpServer {
 public:
  SwitchableHttpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~SwitchableHttpServer() {
    stopping_ = true;
    thread_.join();
    ::close(fd_);
  }

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  // Answers after this call follow `mode`; returns how many were answered before it.
  int switch_to(Mode mode) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
    return answered_;
  }
  int answered() {
    std::lock_guard lock(mutex_);
    return answered_;
  }

 private:
  void serve() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      char buf[2048];
      pollfd cp{c, POLLIN, 0};
      if (::poll(&cp, 1, 200) > 0 && ::read(c, buf, sizeof buf) > 0) {
        const char* reply = next_reply();
        (void)!::write(c, reply, std::strlen(reply));
      }
      ::close(c);
    }
  }
  const char* next_reply() {
    std::lock_guard lock(mutex_);
    ++answered_;
    const bool good = mode_ == Mode::kGood || (mode_ == Mode::kAlternate && answered_ % 2 == 0);
    return good ? "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
                : "HTTP/1.0 503 Busy\r\nContent-Length: 4\r\n\r\nbusy";
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  Mode mode_ = Mode::kBad;
  int answered_ = 0;
  std::thread thread_;
};

class CheckerFlapTest : public ::testing::Test {
 protected:
  // Probes every 500 ms, far longer than a status query takes, so the count read right after
  // the state flips is the count at the flip.
  std::string config() const {
    return "version: 1\n"
           "global:\n"
           "  router_id: checker-flap-test\n"
           "  state_dir: " +
           daemon_.dir() +
           "/state\n"
           "virtual_servers:\n"
           "  - name: flap\n"
           "    address: 192.0.2.178:80\n"
           "    real_servers:\n"
           "      - address: " +
           server_.endpoint() +
           "\n"
           "        checks: [{type: http, interval: 500ms, timeout: 400ms, rise: 3, fall: 2}]\n";
  }
  std::string state() {
    auto s = daemon_.status();
    if (!s.is_object() || !s.contains("virtual_servers")) return "";
    for (const auto& vs : s["virtual_servers"])
      for (const auto& rs : vs.value("real_servers", nlohmann::json::array()))
        if (rs.value("address", "") == server_.endpoint()) return rs.value("state", "");
    return "";
  }
  // Polls until the state is `want`; the probes answered at that moment.
  std::optional<int> answered_when(const std::string& want, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (state() == want) return server_.answered();
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  }

  SwitchableHttpServer server_;
  DaemonHarness daemon_{"version: 1\n"};
};

TEST_F(CheckerFlapTest, ExactRiseAndFallCountsAndAFlappingServerNeverComesUp) {
  daemon_.write_config(config());
  daemon_.set_private_network(false);  // the checks must reach the host's loopback
  daemon_.start();
  ASSERT_TRUE(daemon_.wait_notify("READY=1")) << daemon_.log();
  ASSERT_TRUE(eventually([&] { return server_.answered() >= 2; }, 5s));
  ASSERT_EQ(state(), "down");

  // Good, bad, good, ...: never three good answers in a row.
  const int flapping_from = server_.switch_to(Mode::kAlternate);
  while (server_.answered() < flapping_from + 6) {
    ASSERT_NE(state(), "up") << "came up while flapping";
    std::this_thread::sleep_for(20ms);
  }

  // End the flapping on a bad answer, so the good streak starts at the switch.
  const int bad_before = server_.switch_to(Mode::kBad);
  ASSERT_TRUE(eventually([&] { return server_.answered() > bad_before; }, 5s));
  const int good_from = server_.switch_to(Mode::kGood);
  auto up_at = answered_when("up", 5s);
  ASSERT_TRUE(up_at) << daemon_.log();
  EXPECT_EQ(*up_at - good_from, 3) << "rise: 3";

  const int bad_from = server_.switch_to(Mode::kBad);
  auto down_at = answered_when("down", 5s);
  ASSERT_TRUE(down_at) << daemon_.log();
  EXPECT_EQ(*down_at - bad_from, 2) << "fall: 2";
  EXPECT_TRUE(daemon_.wait_log("of flap: up -> down (http-status-503)")) << daemon_.log();
}

}  // namespace
}  // namespace hadirector::testing
