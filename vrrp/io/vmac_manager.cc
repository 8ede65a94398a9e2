#include "vrrp/io/vmac_manager.h"

#include <fcntl.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "vrrp/io/netlink_address_manager.h"

namespace hadirector::vrrp {
namespace {

core::Status write_sysctl(const std::string& path, const char* value) {
  int fd = ::open(("/proc/sys/" + path).c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return core::fail_errno(errno, "set sysctl " + path);
  ssize_t n = ::write(fd, value, std::char_traits<char>::length(value));
  int err = errno;
  ::close(fd);
  if (n < 0) return core::fail_errno(err, "set sysctl " + path);
  return {};
}

}  // namespace

std::string vmac_name(uint8_t vrid) { return "vrrp." + std::to_string(vrid); }

core::Result<std::unique_ptr<NetlinkVmacManager>> NetlinkVmacManager::create() {
  auto sock = connect_rtnetlink("VMAC manager");
  if (!sock) return std::unexpected(sock.error());
  auto links = NetlinkAddressManager::create();
  if (!links) return std::unexpected(links.error());
  return std::unique_ptr<NetlinkVmacManager>(
      new NetlinkVmacManager(std::move(*sock), std::move(*links)));
}

core::Status NetlinkVmacManager::set_sysctls(const std::string& parent, const std::string& vmac) {
  const std::pair<std::string, const char*> settings[] = {
      {vmac + "/arp_ignore", "1"},   {vmac + "/arp_filter", "0"},   {vmac + "/rp_filter", "0"},
      {vmac + "/accept_local", "1"}, {parent + "/arp_ignore", "1"}, {parent + "/arp_announce", "2"},
  };
  for (const auto& [key, value] : settings) {
    if (auto s = write_sysctl("net/ipv4/conf/" + key, value); !s) return s;
  }
  // No IPv6 link-local of its own (addr_gen_mode 1 = none): it would derive from the shared
  // virtual MAC, so every director would claim the same address, and a backup would send DAD
  // and MLD from the virtual MAC. Absent when the kernel has no IPv6, which is fine.
  auto v6 = write_sysctl("net/ipv6/conf/" + vmac + "/addr_gen_mode", "1");
  if (!v6 && v6.error().sys_errno() != ENOENT) return v6;
  return {};
}

core::Status NetlinkVmacManager::set_up(int ifindex) {
  rtnl_link* link = rtnl_link_alloc();
  if (!link) return core::fail_errno(ENOMEM, "set VMAC up");
  rtnl_link_set_ifindex(link, ifindex);
  rtnl_link_set_flags(link, IFF_UP);
  nl_msg* msg = nullptr;
  int built = rtnl_link_build_add_request(link, 0, &msg);
  rtnl_link_put(link);
  if (built < 0) return std::unexpected(libnl_error(built, "set VMAC up"));
  if (int err = netlink_transact(sock_.get(), msg); err != 0)
    return core::fail_errno(err, "set VMAC up");
  return {};
}

core::Result<LinkInfo> NetlinkVmacManager::ensure(const VmacSpec& spec) {
  std::string name = spec.name.empty() ? vmac_name(spec.vrid) : spec.name;
  std::string what = "create VMAC " + name + " on " + spec.parent;
  MacAddress mac = virtual_router_mac(spec.ipv6, spec.vrid);
  auto parent = links_->link(spec.parent);
  if (!parent) return std::unexpected(parent.error().wrap(what));
  rtnl_link* link = rtnl_link_macvlan_alloc();
  nl_addr* addr = nl_addr_build(AF_LLC, mac.data(), mac.size());
  if (!link || !addr) return core::fail_errno(ENOMEM, what);
  rtnl_link_set_link(link, parent->ifindex);
  rtnl_link_set_name(link, name.c_str());
  rtnl_link_set_addr(link, addr);
  rtnl_link_macvlan_set_mode(
      link, rtnl_link_macvlan_str2mode(spec.mode == MacvlanMode::kPrivate ? "private" : "bridge"));
  nl_msg* msg = nullptr;
  int built = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
  nl_addr_put(addr);
  rtnl_link_put(link);
  if (built < 0) return std::unexpected(libnl_error(built, what));
  int err = netlink_transact(sock_.get(), msg);
  if (err != 0 && err != EEXIST) return core::fail_errno(err, what);
  auto info = links_->link(name);
  if (!info) return std::unexpected(info.error().wrap(what));
  if (info->mac != mac)
    return core::fail(core::Errc::kExists,
                      what + ": " + name + " exists with MAC " + format_mac(info->mac));
  if (auto s = set_sysctls(spec.parent, name); !s) return std::unexpected(s.error().wrap(what));
  // Up only now that the sysctls hold (no link-local was generated while it was down).
  if (!info->up) {
    if (auto s = set_up(info->ifindex); !s) return std::unexpected(s.error().wrap(what));
    info->up = true;
  }
  return info;
}

core::Status NetlinkVmacManager::remove(std::string_view name) {
  std::string what = "remove VMAC " + std::string(name);
  rtnl_link* link = rtnl_link_alloc();
  if (!link) return core::fail_errno(ENOMEM, what);
  rtnl_link_set_name(link, std::string(name).c_str());
  nl_msg* msg = nullptr;
  int built = rtnl_link_build_delete_request(link, &msg);
  rtnl_link_put(link);
  if (built < 0) return std::unexpected(libnl_error(built, what));
  int err = netlink_transact(sock_.get(), msg);
  if (err != 0 && err != ENODEV) return core::fail_errno(err, what);
  return {};
}

}  // namespace hadirector::vrrp
