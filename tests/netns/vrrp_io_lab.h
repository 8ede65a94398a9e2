// Shared set-up of the vrrp/io namespace tests: two namespaces "a" and "b" joined by a veth
// (veth0 on both sides) carrying 192.0.2.1/24 + 2001:db8::1/64 and 192.0.2.2/24 +
// 2001:db8::2/64, an EventLoop, and helpers to open things inside a namespace and to capture
// frames there. Documentation prefixes only: nothing reaches the host's network.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"
#include "tests/netns/netns_fixture.h"
#include "vrrp/io/address_convert.h"
#include "vrrp/io/netlink_address_manager.h"
#include "vrrp/io/raw_vrrp_socket.h"

namespace hadirector::testing {

class VrrpIoLab : public ::testing::Test {
 protected:
  void SetUp() override;

  std::unique_ptr<vrrp::RawVrrpSocket> open_socket(const std::string& ns, vrrp::Family family,
                                                   const std::string& ifname = "veth0");
  std::unique_ptr<vrrp::NetlinkAddressManager> address_manager(const std::string& ns);
  // The interface's IPv6 link-local address, waiting for it to appear.
  vrrp::IpAddress link_local(const std::string& ns, const std::string& ifname = "veth0");
  // A non-blocking packet socket in ns bound to ifname, receiving frames of `ethertype`.
  core::UniqueFd capture(const std::string& ns, const std::string& ifname, uint16_t ethertype);
  // The next frame on a capture socket for which accept(frame) holds, within timeout.
  std::optional<std::vector<uint8_t>> next_frame(
      int fd, const std::function<bool(const std::vector<uint8_t>&)>& accept,
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));

  NetnsLab lab_;
  std::string a_, b_;
  std::unique_ptr<core::EventLoop> loop_;
};

}  // namespace hadirector::testing
