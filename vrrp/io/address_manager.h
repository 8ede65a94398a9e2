// The door to the kernel for VIPs and interface facts: add and remove IP prefixes on an
// interface (idempotently) and look up what the VRRP glue needs about a link (index, MAC,
// up/running, primary IPv4 address, IPv6 link-local). It does not watch for changes
// (vrrp/io/link_monitor.h does) and keeps no state of its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/values.h"
#include "daemon/core/result.h"
#include "vrrp/io/mac_address.h"

namespace hadirector::vrrp {

struct LinkInfo {
  int ifindex = 0;
  std::string name;
  MacAddress mac{};
  bool up = false;       // IFF_UP: administratively up
  bool running = false;  // IFF_RUNNING: operationally up (carrier)
};

// How a VIP is added. Scope: RT_SCOPE_UNIVERSE (0) or RT_SCOPE_HOST/LINK, as rtnetlink.
struct AddressOptions {
  // IPv4 only: "eth0:vrrp"-style label; must start with the interface name (the kernel
  // rejects others) and be at most 15 characters. Empty: no label.
  std::string label;
  int scope = 0;
  // IPv6 only: IFA_F_NODAD, so a VIP is usable at once after a failover instead of after
  // duplicate address detection (RFC 4862 §5.4) - the VRRP election already made it unique.
  bool no_dad = true;
};

class AddressManager {
 public:
  virtual ~AddressManager() = default;

  // Adding a present address and removing an absent one succeed (EEXIST / EADDRNOTAVAIL).
  // Errors read "add VIP 192.0.2.10/24 on eth0: ...".
  virtual core::Status add_address(std::string_view ifname, const config::IpPrefix& prefix,
                                   const AddressOptions& options = {}) = 0;
  virtual core::Status remove_address(std::string_view ifname, const config::IpPrefix& prefix) = 0;
  // Every address on the interface (both families), as the kernel reports them.
  virtual core::Result<std::vector<config::IpPrefix>> addresses(std::string_view ifname) = 0;

  virtual core::Result<LinkInfo> link(std::string_view ifname) = 0;
  // The interface's primary IPv4 address (the first non-secondary one), nullopt if none.
  virtual core::Result<std::optional<config::IpAddress>> primary_ipv4(std::string_view ifname) = 0;
  // The interface's IPv6 link-local address (fe80::/10), nullopt if none (yet).
  virtual core::Result<std::optional<config::IpAddress>> ipv6_link_local(
      std::string_view ifname) = 0;
};

}  // namespace hadirector::vrrp
