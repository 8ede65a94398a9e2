#include "tests/netns/vrrp_io_lab.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>

#include <cerrno>

namespace hadirector::testing {

void VrrpIoLab::SetUp() {
  if (!running_as_root()) GTEST_SKIP() << "needs root (CI runs as root)";
  a_ = lab_.add_namespace();
  b_ = lab_.add_namespace();
  lab_.add_veth(a_, "veth0", b_, "veth0");
  lab_.exec_ok(a_, {"ip", "addr", "add", "192.0.2.1/24", "dev", "veth0"});
  lab_.exec_ok(b_, {"ip", "addr", "add", "192.0.2.2/24", "dev", "veth0"});
  lab_.exec_ok(a_, {"ip", "addr", "add", "2001:db8::1/64", "dev", "veth0", "nodad"});
  lab_.exec_ok(b_, {"ip", "addr", "add", "2001:db8::2/64", "dev", "veth0", "nodad"});
  auto loop = core::EventLoop::create();
  ASSERT_TRUE(loop) << loop.error().message();
  loop_ = std::move(*loop);
}

std::unique_ptr<vrrp::RawVrrpSocket> VrrpIoLab::open_socket(const std::string& ns,
                                                            vrrp::Family family,
                                                            const std::string& ifname) {
  int index = lab_.ifindex(ns, ifname);
  NetnsGuard guard(ns);
  auto socket = vrrp::RawVrrpSocket::open(*loop_, index, ifname, family);
  if (!socket) {
    ADD_FAILURE() << socket.error().message();
    return nullptr;
  }
  return std::move(*socket);
}

std::unique_ptr<vrrp::NetlinkAddressManager> VrrpIoLab::address_manager(const std::string& ns) {
  NetnsGuard guard(ns);
  auto manager = vrrp::NetlinkAddressManager::create();
  if (!manager) {
    ADD_FAILURE() << manager.error().message();
    return nullptr;
  }
  return std::move(*manager);
}

vrrp::IpAddress VrrpIoLab::link_local(const std::string& ns, const std::string& ifname) {
  auto manager = address_manager(ns);
  std::optional<config::IpAddress> found;
  eventually([&] {
    auto ll = manager->ipv6_link_local(ifname);
    if (ll && *ll) found = **ll;
    return found.has_value();
  });
  if (!found) {
    ADD_FAILURE() << "no IPv6 link-local address on " << ifname << " in " << ns;
    return {};
  }
  return vrrp::to_vrrp_address(*found);
}

core::UniqueFd VrrpIoLab::capture(const std::string& ns, const std::string& ifname,
                                  uint16_t ethertype) {
  int index = lab_.ifindex(ns, ifname);
  NetnsGuard guard(ns);
  core::UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ethertype)));
  sockaddr_ll at{};
  at.sll_family = AF_PACKET;
  at.sll_protocol = htons(ethertype);
  at.sll_ifindex = index;
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) < 0)
    ADD_FAILURE() << "capture socket on " << ifname << " in " << ns << ": errno " << errno;
  return fd;
}

std::optional<std::vector<uint8_t>> VrrpIoLab::next_frame(
    int fd, const std::function<bool(const std::vector<uint8_t>&)>& accept,
    std::chrono::milliseconds timeout) {
  std::optional<std::vector<uint8_t>> found;
  eventually(
      [&] {
        std::vector<uint8_t> frame(2048);
        ssize_t n;
        while ((n = ::recv(fd, frame.data(), frame.size(), MSG_DONTWAIT)) >= 0) {
          frame.resize(static_cast<size_t>(n));
          if (accept(frame)) {
            found = frame;
            return true;
          }
          frame.resize(2048);
        }
        return false;
      },
      timeout);
  return found;
}

bool VrrpIoLab::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto r = loop_->run_until(done, timeout);
  return r && *r;
}

}  // namespace hadirector::testing
