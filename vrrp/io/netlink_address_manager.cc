#include "vrrp/io/netlink_address_manager.h"

#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hadirector::vrrp {
namespace {

struct LinkDeleter {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
struct AddrDeleter {
  void operator()(rtnl_addr* addr) const { rtnl_addr_put(addr); }
};
struct NlAddrDeleter {
  void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
struct CacheDeleter {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};

core::Result<std::unique_ptr<rtnl_link, LinkDeleter>> get_link(nl_sock* sock,
                                                               std::string_view ifname) {
  std::string name(ifname);
  rtnl_link* raw = nullptr;
  if (int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &raw); err < 0) {
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
      return core::fail(core::Errc::kNotFound, "interface " + name + " not found");
    return std::unexpected(libnl_error(err, "look up interface " + name));
  }
  return std::unique_ptr<rtnl_link, LinkDeleter>(raw);
}

std::optional<config::IpPrefix> to_prefix(rtnl_addr* addr) {
  nl_addr* local = rtnl_addr_get_local(addr);
  if (!local) return std::nullopt;
  int family = nl_addr_get_family(local);
  size_t len = nl_addr_get_len(local);
  if ((family != AF_INET || len != 4) && (family != AF_INET6 || len != 16)) return std::nullopt;
  config::IpPrefix prefix;
  prefix.addr.family = family;
  std::memcpy(prefix.addr.bytes.data(), nl_addr_get_binary_addr(local), len);
  prefix.len = rtnl_addr_get_prefixlen(addr);
  return prefix;
}

std::string verb_text(bool add, const config::IpPrefix& prefix, std::string_view ifname) {
  return std::string(add ? "add VIP " : "remove VIP ") + prefix.to_string() + " on " +
         std::string(ifname);
}

}  // namespace

core::Result<std::unique_ptr<NetlinkAddressManager>> NetlinkAddressManager::create() {
  auto sock = connect_rtnetlink("address manager");
  if (!sock) return std::unexpected(sock.error());
  return std::unique_ptr<NetlinkAddressManager>(new NetlinkAddressManager(std::move(*sock)));
}

core::Result<int> NetlinkAddressManager::address_request(bool add, std::string_view ifname,
                                                         const config::IpPrefix& prefix,
                                                         const AddressOptions& options) {
  auto link = get_link(sock_.get(), ifname);
  if (!link) return std::unexpected(link.error().wrap(verb_text(add, prefix, ifname)));
  std::unique_ptr<rtnl_addr, AddrDeleter> addr(rtnl_addr_alloc());
  std::unique_ptr<nl_addr, NlAddrDeleter> local(
      nl_addr_build(prefix.addr.family, prefix.addr.bytes.data(), prefix.addr.is_v4() ? 4 : 16));
  if (!addr || !local) return core::fail_errno(ENOMEM, verb_text(add, prefix, ifname));
  nl_addr_set_prefixlen(local.get(), prefix.len);
  rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(link->get()));
  rtnl_addr_set_family(addr.get(), prefix.addr.family);
  rtnl_addr_set_local(addr.get(), local.get());
  rtnl_addr_set_prefixlen(addr.get(), prefix.len);
  if (add) {
    rtnl_addr_set_scope(addr.get(), options.scope);
    if (prefix.addr.is_v4() && !options.label.empty()) {
      if (options.label.rfind(std::string(ifname), 0) != 0 || options.label.size() >= IFNAMSIZ)
        return core::fail(core::Errc::kInvalid,
                          verb_text(add, prefix, ifname) + ": label " + options.label +
                              " must start with the interface name and be at most 15 characters");
      rtnl_addr_set_label(addr.get(), options.label.c_str());
    }
    if (prefix.addr.is_v6() && options.no_dad) rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  }
  nl_msg* msg = nullptr;
  int err = add ? rtnl_addr_build_add_request(addr.get(), NLM_F_CREATE | NLM_F_EXCL, &msg)
                : rtnl_addr_build_delete_request(addr.get(), 0, &msg);
  if (err < 0) return std::unexpected(libnl_error(err, verb_text(add, prefix, ifname)));
  return netlink_transact(sock_.get(), msg);
}

core::Status NetlinkAddressManager::add_address(std::string_view ifname,
                                                const config::IpPrefix& prefix,
                                                const AddressOptions& options) {
  auto err = address_request(true, ifname, prefix, options);
  if (!err) return std::unexpected(err.error());
  if (*err != 0 && *err != EEXIST) return core::fail_errno(*err, verb_text(true, prefix, ifname));
  return {};
}

core::Status NetlinkAddressManager::remove_address(std::string_view ifname,
                                                   const config::IpPrefix& prefix) {
  auto err = address_request(false, ifname, prefix, {});
  if (!err) return std::unexpected(err.error());
  if (*err != 0 && *err != EADDRNOTAVAIL)
    return core::fail_errno(*err, verb_text(false, prefix, ifname));
  return {};
}

core::Result<std::vector<NetlinkAddressManager::AddrEntry>> NetlinkAddressManager::address_entries(
    std::string_view ifname) {
  auto link = get_link(sock_.get(), ifname);
  if (!link) return std::unexpected(link.error());
  int ifindex = rtnl_link_get_ifindex(link->get());
  nl_cache* raw = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock_.get(), &raw); err < 0)
    return std::unexpected(libnl_error(err, "list addresses of " + std::string(ifname)));
  std::unique_ptr<nl_cache, CacheDeleter> cache(raw);
  std::vector<AddrEntry> out;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj; obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    if (rtnl_addr_get_ifindex(addr) != ifindex) continue;
    if (auto prefix = to_prefix(addr)) out.push_back({*prefix, rtnl_addr_get_flags(addr)});
  }
  return out;
}

core::Result<std::vector<config::IpPrefix>> NetlinkAddressManager::addresses(
    std::string_view ifname) {
  auto entries = address_entries(ifname);
  if (!entries) return std::unexpected(entries.error());
  std::vector<config::IpPrefix> out;
  for (const auto& e : *entries) out.push_back(e.prefix);
  return out;
}

core::Result<LinkInfo> NetlinkAddressManager::link(std::string_view ifname) {
  auto link = get_link(sock_.get(), ifname);
  if (!link) return std::unexpected(link.error());
  LinkInfo info;
  info.ifindex = rtnl_link_get_ifindex(link->get());
  info.name = std::string(ifname);
  unsigned flags = rtnl_link_get_flags(link->get());
  info.up = (flags & IFF_UP) != 0;
  info.running = (flags & IFF_RUNNING) != 0;
  if (nl_addr* mac = rtnl_link_get_addr(link->get()); mac && nl_addr_get_len(mac) == 6)
    std::memcpy(info.mac.data(), nl_addr_get_binary_addr(mac), 6);
  return info;
}

core::Result<std::optional<config::IpAddress>> NetlinkAddressManager::primary_ipv4(
    std::string_view ifname) {
  auto entries = address_entries(ifname);
  if (!entries) return std::unexpected(entries.error());
  for (const auto& e : *entries) {
    if (e.prefix.addr.is_v4() && !(e.flags & IFA_F_SECONDARY)) return e.prefix.addr;
  }
  return std::nullopt;
}

core::Result<std::optional<config::IpAddress>> NetlinkAddressManager::ipv6_link_local(
    std::string_view ifname) {
  auto entries = address_entries(ifname);
  if (!entries) return std::unexpected(entries.error());
  for (const auto& e : *entries) {
    const auto& b = e.prefix.addr.bytes;
    bool link_local = e.prefix.addr.is_v6() && b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
    // A tentative address cannot be a source yet (RFC 4862 §5.4).
    if (link_local && !(e.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))) return e.prefix.addr;
  }
  return std::nullopt;
}

}  // namespace hadirector::vrrp
