// LinkMonitor over an rtnetlink socket subscribed to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and
// RTNLGRP_IPV6_IFADDR, read on the EventLoop. The link table is dumped at start and again
// after ENOBUFS (notifications lost): queued messages are discarded, the table is re-read and
// differences are reported as link changes, then a resync. Lives in the network namespace
// that was current when create() ran.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "daemon/core/event_loop.h"
#include "vrrp/io/link_monitor.h"
#include "vrrp/io/netlink_util.h"
#include "vrrp/io/subscribers.h"

namespace hadirector::vrrp {

class NetlinkLinkMonitor final : public LinkMonitor {
 public:
  struct Options {
    // SO_RCVBUF for the notification socket; 0 leaves the kernel default. Tests make it
    // small to provoke an overrun.
    int receive_buffer = 1 << 20;
  };

  static core::Result<std::unique_ptr<NetlinkLinkMonitor>> create(core::EventLoop& loop,
                                                                  Options options);
  static core::Result<std::unique_ptr<NetlinkLinkMonitor>> create(core::EventLoop& loop) {
    return create(loop, Options{});
  }

  std::optional<LinkState> link(int ifindex) const override;
  std::optional<LinkState> link(std::string_view name) const override;
  [[nodiscard]] core::Handle on_link_change(LinkFn fn) override;
  [[nodiscard]] core::Handle on_address_change(AddressFn fn) override;
  [[nodiscard]] core::Handle on_resync(ResyncFn fn) override;
  [[nodiscard]] core::Handle on_any_change(AnyFn fn) override;
  uint64_t resync_count() const override { return resyncs_; }

 private:
  NetlinkLinkMonitor(NlSock events, NlSock dumps)
      : events_(std::move(events)), dumps_(std::move(dumps)) {}
  void on_readable();
  // Re-reads the link table; reports differences. False if the dump failed.
  core::Status dump_links();
  void apply(const LinkState& state);
  void resync();

  NlSock events_;
  NlSock dumps_;
  core::Handle watch_;
  std::map<int, LinkState> links_;
  LinkSubscribers subscribers_;
  uint64_t resyncs_ = 0;
  // Not zeroed (a vector would write all 64 KiB, 16 pages of PSS): recv writes what it reads.
  static constexpr size_t kBuffer = 64 * 1024;
  std::unique_ptr<uint8_t[]> buffer_{new uint8_t[kBuffer]};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hadirector::vrrp
