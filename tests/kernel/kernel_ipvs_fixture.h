// Shared fixture of the kernel IPVS tests: a fresh network namespace per test (IPVS state is
// per namespace) with a dummy link hd0 carrying 10.0.0.254/24 and 2001:db8::254/64, so real
// servers in 10.0.0.0/24 are routable, and a LibnlIpvsClient opened inside it. Runs as root in
// the qemu VM (tests/kernel/vm-run.sh); skips elsewhere when not root.
#pragma once

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ipvs/libnl_ipvs_client.h"

namespace hadirector::ipvs::kernel_test {

inline IpAddress ip(const char* text) { return *IpAddress::parse(text); }

inline Service tcp(const char* addr, std::uint16_t port, const char* sched = "wlc") {
  Service s;
  s.address = ip(addr);
  s.port = port;
  s.scheduler = sched;
  return s;
}

inline Destination dest(const char* addr, std::uint16_t port, Forwarding fwd, int weight = 1) {
  Destination d;
  d.address = ip(addr);
  d.port = port;
  d.forwarding = fwd;
  d.weight = weight;
  return d;
}

inline std::string run(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p.get())) > 0) out.append(buf, n);
  return out;
}

class KernelIpvs : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (run through tests/kernel/vm-run.sh)";
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET): " << strerror(errno);
    ASSERT_EQ(std::system("ip link set lo up && ip link add hd0 type dummy && "
                          "ip addr add 10.0.0.254/24 dev hd0 && "
                          "ip -6 addr add 2001:db8::254/64 dev hd0 nodad && ip link set hd0 up"),
              0);
    auto c = LibnlIpvsClient::open();
    ASSERT_TRUE(c) << c.error().message();
    client_ = std::move(*c);
  }

  std::vector<Service> services() {
    std::vector<Service> out;
    auto list = client_->list_services();
    EXPECT_TRUE(list) << list.error().message();
    if (list) {
      for (const auto& i : *list) out.push_back(i.service);
    }
    return out;
  }

  std::vector<Destination> destinations(const Service& s) {
    std::vector<Destination> out;
    auto list = client_->list_destinations(s);
    EXPECT_TRUE(list) << list.error().message();
    if (list) {
      for (const auto& i : *list) out.push_back(i.destination);
    }
    return out;
  }

  std::unique_ptr<LibnlIpvsClient> client_;
};

}  // namespace hadirector::ipvs::kernel_test
