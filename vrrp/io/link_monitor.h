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
  virtual uint64_t resync_count() const = 0;
};

}  // namespace hadirector::vrrp
