// Watches the kernel's links and addresses (rtnetlink notifications) so that VRRP instances
// react to an interface going down or losing an address. Only changes that matter are
// reported: a link's up/running state, presence or name, and address additions/removals.
// After a notification overrun it re-reads the link table and reports a resync, so a consumer
// never keeps a stale view. It does not change anything (AddressManager does).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/config/values.h"
#include "daemon/core/handle.h"
#include "vrrp/io/subscribers.h"

namespace hadirector::vrrp {

struct LinkState {
  int ifindex = 0;
  std::string name;
  bool up = false;       // IFF_UP
  bool running = false;  // IFF_RUNNING
  bool present = true;   // false: the link was deleted
  bool operator==(const LinkState&) const = default;
};

struct AddressChange {
  int ifindex = 0;
  bool added = true;  // false: removed
  config::IpPrefix prefix;
  bool operator==(const AddressChange&) const = default;
};

class LinkMonitor {
 public:
  using LinkFn = std::function<void(const LinkState&)>;
  using AddressFn = std::function<void(const AddressChange&)>;
  using ResyncFn = std::function<void()>;

  virtual ~LinkMonitor() = default;

  // The last known state of a link, nullopt if unknown or deleted.
  virtual std::optional<LinkState> link(int ifindex) const = 0;
  virtual std::optional<LinkState> link(std::string_view name) const = 0;

  // Called when a link appears, disappears, is renamed or changes IFF_UP/IFF_RUNNING.
  [[nodiscard]] virtual core::Handle on_link_change(LinkFn fn) = 0;
  [[nodiscard]] virtual core::Handle on_address_change(AddressFn fn) = 0;
  // Called after an overrun was repaired: links have been re-read (their changes already
  // reported), addresses may have changed unseen and should be re-queried.
  [[nodiscard]] virtual core::Handle on_resync(ResyncFn fn) = 0;
  // The three in one subscription, for a VRRP instance that wants them all (one subscription
  // instead of three: ~250 bytes less per instance): (link, nullptr) for a link change,
  // (nullptr, address) for an address change, (nullptr, nullptr) for a resync.
  using AnyFn = std::function<void(const LinkState*, const AddressChange*)>;
  [[nodiscard]] virtual core::Handle on_any_change(AnyFn fn) = 0;
  virtual uint64_t resync_count() const = 0;
};

// A LinkMonitor's subscribers, every kind in one list in subscription order (a subscriber of
// one kind sees only that kind): shared by the netlink monitor and its fake.
class LinkSubscribers {
 public:
  [[nodiscard]] core::Handle on_link_change(LinkMonitor::LinkFn fn) {
    return list_.add([fn = std::move(fn)](const LinkState* l, const AddressChange*) {
      if (l) fn(*l);
    });
  }
  [[nodiscard]] core::Handle on_address_change(LinkMonitor::AddressFn fn) {
    return list_.add([fn = std::move(fn)](const LinkState*, const AddressChange* c) {
      if (c) fn(*c);
    });
  }
  [[nodiscard]] core::Handle on_resync(LinkMonitor::ResyncFn fn) {
    return list_.add([fn = std::move(fn)](const LinkState* l, const AddressChange* c) {
      if (!l && !c) fn();
    });
  }
  [[nodiscard]] core::Handle on_any_change(LinkMonitor::AnyFn fn) { return list_.add(std::move(fn)); }

  void link_changed(const LinkState& link) const { list_.notify(&link, nullptr); }
  void address_changed(const AddressChange& change) const { list_.notify(nullptr, &change); }
  void resynced() const { list_.notify(nullptr, nullptr); }

 private:
  Subscribers<const LinkState*, const AddressChange*> list_;
};

}  // namespace hadirector::vrrp
