#include "vrrp/io/netlink_link_monitor.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <set>

#include "daemon/core/log.h"
#include "vrrp/io/rtnetlink_parse.h"

namespace hadirector::vrrp {

core::Result<std::unique_ptr<NetlinkLinkMonitor>> NetlinkLinkMonitor::create(core::EventLoop& loop,
                                                                             Options options) {
  auto events = connect_rtnetlink("link monitor");
  if (!events) return std::unexpected(events.error());
  nl_socket_disable_seq_check(events->get());
  if (int err = nl_socket_add_memberships(events->get(), RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                          RTNLGRP_IPV6_IFADDR, 0);
      err < 0)
    return std::unexpected(libnl_error(err, "link monitor: subscribe to rtnetlink groups"));
  int fd = nl_socket_get_fd(events->get());
  if (options.receive_buffer > 0 && ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                                                 sizeof options.receive_buffer) < 0)
    return core::fail_errno(errno, "link monitor: SO_RCVBUF");
  if (int err = nl_socket_set_nonblocking(events->get()); err < 0)
    return std::unexpected(libnl_error(err, "link monitor: non-blocking"));
  auto dumps = connect_rtnetlink("link monitor");
  if (!dumps) return std::unexpected(dumps.error());
  std::unique_ptr<NetlinkLinkMonitor> monitor(
      new NetlinkLinkMonitor(std::move(*events), std::move(*dumps)));
  // Subscribed before the dump, so no change falls between the two.
  if (auto s = monitor->dump_links(); !s) return std::unexpected(s.error());
  auto watch = loop.watch_fd(fd, EPOLLIN, [m = monitor.get()](uint32_t) { m->on_readable(); });
  if (!watch) return std::unexpected(watch.error());
  monitor->watch_ = std::move(*watch);
  return monitor;
}

std::optional<LinkState> NetlinkLinkMonitor::link(int ifindex) const {
  if (auto it = links_.find(ifindex); it != links_.end()) return it->second;
  return std::nullopt;
}

std::optional<LinkState> NetlinkLinkMonitor::link(std::string_view name) const {
  for (const auto& [index, state] : links_) {
    if (state.name == name) return state;
  }
  return std::nullopt;
}

core::Handle NetlinkLinkMonitor::on_link_change(LinkFn fn) {
  return subscribers_.on_link_change(std::move(fn));
}
core::Handle NetlinkLinkMonitor::on_address_change(AddressFn fn) {
  return subscribers_.on_address_change(std::move(fn));
}
core::Handle NetlinkLinkMonitor::on_resync(ResyncFn fn) {
  return subscribers_.on_resync(std::move(fn));
}
core::Handle NetlinkLinkMonitor::on_any_change(AnyFn fn) {
  return subscribers_.on_any_change(std::move(fn));
}

void NetlinkLinkMonitor::apply(const LinkState& state) {
  auto it = links_.find(state.ifindex);
  if (!state.present) {
    if (it == links_.end()) return;
    LinkState gone = it->second;
    gone.present = false;
    links_.erase(it);
    subscribers_.link_changed(gone);
    return;
  }
  LinkState merged = state;
  // A notification without IFLA_IFNAME keeps the known name.
  if (merged.name.empty() && it != links_.end()) merged.name = it->second.name;
  if (it != links_.end() && it->second == merged) return;
  links_[state.ifindex] = merged;
  subscribers_.link_changed(merged);
}

core::Status NetlinkLinkMonitor::dump_links() {
  nl_cache* cache = nullptr;
  if (int err = rtnl_link_alloc_cache(dumps_.get(), AF_UNSPEC, &cache); err < 0)
    return std::unexpected(libnl_error(err, "link monitor: dump links"));
  std::set<int> seen;
  for (nl_object* obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
    auto* link = reinterpret_cast<rtnl_link*>(obj);
    LinkState state;
    state.ifindex = rtnl_link_get_ifindex(link);
    const char* name = rtnl_link_get_name(link);
    state.name = name ? name : "";
    unsigned flags = rtnl_link_get_flags(link);
    state.up = (flags & IFF_UP) != 0;
    state.running = (flags & IFF_RUNNING) != 0;
    seen.insert(state.ifindex);
    apply(state);
  }
  nl_cache_free(cache);
  std::vector<int> vanished;
  for (const auto& [index, state] : links_) {
    if (!seen.contains(index)) vanished.push_back(index);
  }
  for (int index : vanished) apply(LinkState{.ifindex = index, .name = {}, .present = false});
  return {};
}

void NetlinkLinkMonitor::resync() {
  int fd = nl_socket_get_fd(events_.get());
  // What is still queued predates the dump below and would roll state back: drop it.
  while (::recv(fd, buffer_.get(), kBuffer, MSG_DONTWAIT) > 0) {
  }
  ++resyncs_;
  if (auto s = dump_links(); !s) {
    core::log_error("link monitor: " + s.error().message() + "; link states may be stale");
  }
  core::log_notice("link monitor: rtnetlink overrun, link table re-read");
  subscribers_.resynced();
}

void NetlinkLinkMonitor::on_readable() {
  int fd = nl_socket_get_fd(events_.get());
  std::weak_ptr<bool> alive = alive_;
  for (int i = 0; i < 64 && !alive.expired(); ++i) {
    ssize_t n = ::recv(fd, buffer_.get(), kBuffer, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == ENOBUFS) resync();
      return;
    }
    auto events = parse_rtnetlink_datagram({buffer_.get(), static_cast<size_t>(n)});
    for (const auto& event : events) {
      if (alive.expired()) return;
      if (const auto* link = std::get_if<LinkState>(&event)) apply(*link);
      if (const auto* change = std::get_if<AddressChange>(&event))
        subscribers_.address_changed(*change);
    }
  }
}

}  // namespace hadirector::vrrp
