// Shared by the tests of the udp, icmp, dns, smtp, exec and file check types: a UDP responder
// on 127.0.0.1 or ::1 serving from its own thread, and a fixture that validates blocks, builds
// checkers from a factory and runs one probe on the real EventLoop to a bounded deadline.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "checkers/checker.h"
#include "daemon/core/event_loop.h"

namespace hadirector::checkers::testing {

using namespace std::chrono_literals;

class UdpTestServer {
 public:
  // reply(request): the datagram to send back, or nullopt to stay silent.
  using Reply = std::function<std::optional<std::string>(const std::string&)>;

  UdpTestServer(bool ipv6, Reply reply) : reply_(std::move(reply)) {
    fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (ipv6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_loopback;
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *a;
    }
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
          ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    port_ = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                       : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { serve(); });
  }
  ~UdpTestServer() {
    uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
    thread_.join();
    ::close(stop_fd_);
    ::close(fd_);
  }

  bool ok() const { return ok_; }
  uint16_t port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void serve() {
    char buffer[65536];
    for (;;) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN)) return;
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      const ssize_t n =
          ::recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &len);
      if (n < 0) continue;
      ++requests_;
      if (auto reply = reply_(std::string(buffer, static_cast<size_t>(n))))
        (void)!::sendto(fd_, reply->data(), reply->size(), 0, reinterpret_cast<sockaddr*>(&peer),
                        len);
    }
  }

  Reply reply_;
  int fd_ = -1;
  int stop_fd_ = -1;
  uint16_t port_ = 0;
  bool ok_ = false;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// A port on 127.0.0.1 (UDP) that nothing is bound to: bound, then released.
inline uint16_t closed_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  (void)!::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
  (void)!::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class TypeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = core::EventLoop::create();
    ASSERT_TRUE(loop);
    loop_ = std::move(*loop);
  }

  // The single validation error's "FILE:LINE:COL: message".
  static std::string only_error(const CheckerFactory& factory, const config::Node& params) {
    auto errors = factory.validate(params);
    EXPECT_EQ(errors.size(), 1u);
    return errors.empty() ? "" : errors[0].to_string();
  }

  std::unique_ptr<Checker> make(const CheckerFactory& factory, const config::Node& params,
                                const std::string& address = "127.0.0.1", uint16_t port = 0) {
    CheckContext context{*loop_};
    auto checker = factory.create(CheckTarget{address, port, std::nullopt}, params, context);
    EXPECT_TRUE(checker) << (checker ? "" : checker.error().message());
    return checker ? std::move(*checker) : nullptr;
  }

  ProbeResult probe(Checker& checker, core::Duration deadline = 5s) {
    std::optional<ProbeResult> result;
    checker.start_probe([&](ProbeResult r) { result = std::move(r); });
    EXPECT_FALSE(result) << "done ran inside start_probe";
    auto finished = loop_->run_until([&] { return result.has_value(); }, deadline);
    EXPECT_TRUE(finished && *finished) << "probe did not finish within the deadline";
    return result.value_or(ProbeResult::failure("test-deadline"));
  }

  std::unique_ptr<core::EventLoop> loop_;
};

}  // namespace hadirector::checkers::testing
