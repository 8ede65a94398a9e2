// AddressManager over libnl-route (rtnl_addr, rtnl_link) on its own rtnetlink socket. Requests
// are synchronous but bounded: the kernel answers address and link requests at once. The
// socket belongs to the network namespace that was current when create() ran, so every later
// call acts there, whichever namespace the calling thread is in.
#pragma once

#include <memory>

#include "vrrp/io/address_manager.h"
#include "vrrp/io/netlink_util.h"

namespace hadirector::vrrp {

class NetlinkAddressManager final : public AddressManager {
 public:
  static core::Result<std::unique_ptr<NetlinkAddressManager>> create();

  core::Status add_address(std::string_view ifname, const config::IpPrefix& prefix,
                           const AddressOptions& options = {}) override;
  core::Status remove_address(std::string_view ifname, const config::IpPrefix& prefix) override;
  core::Result<std::vector<config::IpPrefix>> addresses(std::string_view ifname) override;
  core::Result<LinkInfo> link(std::string_view ifname) override;
  core::Result<std::optional<config::IpAddress>> primary_ipv4(std::string_view ifname) override;
  core::Result<std::optional<config::IpAddress>> ipv6_link_local(std::string_view ifname) override;

 private:
  explicit NetlinkAddressManager(NlSock sock) : sock_(std::move(sock)) {}
  // Sends an RTM_NEWADDR or RTM_DELADDR for prefix on ifname; 0 or the kernel's errno.
  core::Result<int> address_request(bool add, std::string_view ifname,
                                    const config::IpPrefix& prefix, const AddressOptions& options);
  struct AddrEntry {
    config::IpPrefix prefix;
    unsigned flags = 0;
  };
  core::Result<std::vector<AddrEntry>> address_entries(std::string_view ifname);

  NlSock sock_;
};

}  // namespace hadirector::vrrp
